// Comparisons: bool results (broadcast), piecewise constant, so no gradient flows through them.
import type { BinaryOp } from '../../tensor/backend/index.js';
import { binaryMap, type NamedFunction } from '../../tensor/kernels/elementwise.js';
import { record } from '../node.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { operands } from './util.js';

function compare(
  op: BinaryOp | NamedFunction<(p: number, q: number) => number>,
  a: TensorLike,
  b: TensorLike,
): Tensor {
  const name = typeof op === 'string' ? op : op.name;
  const [x, y] = operands(name, a, b);
  return record(name, [x, y], binaryMap(x.storage, y.storage, 'bool', op), null);
}

export const eq = (a: TensorLike, b: TensorLike) => compare('eq', a, b);
export const ne = (a: TensorLike, b: TensorLike) =>
  compare({ name: 'ne', fn: (p, q) => +(p !== q) }, a, b);
export const lt = (a: TensorLike, b: TensorLike) => compare('lt', a, b);
export const le = (a: TensorLike, b: TensorLike) => compare('le', a, b);
export const gt = (a: TensorLike, b: TensorLike) => compare('gt', a, b);
export const ge = (a: TensorLike, b: TensorLike) => compare('ge', a, b);
