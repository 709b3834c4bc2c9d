// Shared operand handling: numbers become 0-d tensors; mixed dtypes are promoted by a
// (differentiable) cast, so float32 + float64 -> float64 as in PyTorch.
import { describeValue } from '../brand.js';
import { castValue, isFloat, promoteTypes, toFloat, type DType } from '../../tensor/dtype.js';
import { TensorData } from '../../tensor/storage.js';
import { Tensor, type TensorLike, type IndexLike } from '../tensor.js';
import { to } from './cast.js';

export function scalarTensor(v: number, dtype: DType): Tensor {
  const d = TensorData.zeros(dtype, []);
  d.data[0] = castValue(dtype, v);
  return new Tensor(d);
}

/** A number takes the tensor's dtype (float if the number is fractional and the tensor is not). */
function dtypeForScalar(v: number, like: Tensor): DType {
  if (isFloat(like.dtype)) return like.dtype;
  return Number.isInteger(v) ? (like.dtype === 'bool' ? 'int32' : like.dtype) : 'float32';
}

export function asTensor(x: TensorLike, like: Tensor, op: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number')
    throw new TypeError(`${op}: expected a Tensor or a number, got ${describeValue(x)}`);
  return scalarTensor(x, dtypeForScalar(x, like));
}

/** Both operands as tensors of one promoted dtype (floatOnly: at least float32). */
export function operands(
  op: string,
  a: TensorLike,
  b: TensorLike,
  floatOnly = false,
): [Tensor, Tensor, DType] {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    const why = typeof a === 'number' ? describeValue(b) : describeValue(a);
    throw new TypeError(`${op}: expected at least one Tensor operand, got ${why}`);
  }
  const x = a instanceof Tensor ? a : asTensor(a, b as Tensor, op);
  const y = asTensor(b, x, op);
  let dtype = promoteTypes(x.dtype, y.dtype);
  if (floatOnly) dtype = toFloat(dtype);
  return [x.dtype === dtype ? x : to(x, dtype), y.dtype === dtype ? y : to(y, dtype), dtype];
}

/** A tensor in a floating dtype (ints and bools are cast to float32). */
export function floating(a: Tensor): Tensor {
  return isFloat(a.dtype) ? a : to(a, 'float32');
}

/** Index arguments as validated int32 values. */
export function toIndex(index: IndexLike, op: string): Int32Array {
  const values = index instanceof Tensor ? index.toTypedArray() : index;
  if (index instanceof Tensor && index.ndim > 1)
    throw new RangeError(`${op}: index must be 1-D, got shape [${index.shape.join(', ')}]`);
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v))
      throw new TypeError(`${op}: index values must be integers; position ${i} is ${v}`);
    out[i] = v;
  }
  return out;
}

/** An index tensor as int32 (float tensors holding integers are accepted). */
export function toIndexTensor(index: Tensor, op: string): TensorData {
  if (!(index instanceof Tensor)) throw new TypeError(`${op}: index must be a Tensor`);
  if (index.dtype === 'int32') return index.storage;
  const d = index.storage.copy('float64');
  for (let i = 0; i < d.data.length; i++) {
    if (!Number.isInteger(d.data[i]))
      throw new TypeError(
        `${op}: index values must be integers; flat position ${i} is ${d.data[i]}`,
      );
  }
  return d.copy('int32');
}
