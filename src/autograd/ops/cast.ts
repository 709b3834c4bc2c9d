// Casts between dtypes. Between floats the cast is differentiable: d(to(x))/dx = 1, cast back.
import { assertDType, isFloat, type DType } from '../../tensor/dtype.js';
import { record } from '../node.js';
import type { Tensor } from '../tensor.js';

export function to(a: Tensor, dtype: DType): Tensor {
  assertDType(dtype, 'to');
  if (a.dtype === dtype) return a;
  const from = a.dtype;
  // Only float -> float keeps the graph; ints and bools carry no gradient.
  const backward = isFloat(from) && isFloat(dtype) ? (g: Tensor) => [() => to(g, from)] : null;
  return record('to', [a], a.storage.copy(dtype), backward);
}

/** A differentiable copy with its own storage. */
export function clone(a: Tensor): Tensor {
  return record('clone', [a], a.storage.copy(), (g) => [() => g]);
}
