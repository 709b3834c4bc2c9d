// Comparisons: bool results (broadcast), piecewise constant, so no gradient flows through them.
import { binaryMap } from '../../tensor/kernels/elementwise.js';
import { record } from '../node.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { operands } from './util.js';

function compare(
  op: string,
  a: TensorLike,
  b: TensorLike,
  fn: (p: number, q: number) => boolean,
): Tensor {
  const [x, y] = operands(op, a, b);
  return record(
    op,
    [x, y],
    binaryMap(x.storage, y.storage, 'bool', (p, q) => (fn(p, q) ? 1 : 0), op),
    null,
  );
}

export const eq = (a: TensorLike, b: TensorLike) => compare('eq', a, b, (p, q) => p === q);
export const ne = (a: TensorLike, b: TensorLike) => compare('ne', a, b, (p, q) => p !== q);
export const lt = (a: TensorLike, b: TensorLike) => compare('lt', a, b, (p, q) => p < q);
export const le = (a: TensorLike, b: TensorLike) => compare('le', a, b, (p, q) => p <= q);
export const gt = (a: TensorLike, b: TensorLike) => compare('gt', a, b, (p, q) => p > q);
export const ge = (a: TensorLike, b: TensorLike) => compare('ge', a, b, (p, q) => p >= q);
