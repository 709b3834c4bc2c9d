// Matrix product with PyTorch's rules: 1-D operands are promoted (and the added dim removed),
// batch dims broadcast. d(A @ B) = (g @ Bᵀ, Aᵀ @ g); the engine sums broadcast batch dims.
import { matmulKernel } from '../../tensor/kernels/matmul.js';
import { formatShape } from '../../tensor/shape.js';
import { record } from '../node.js';
import type { Tensor } from '../tensor.js';
import { reshape, squeeze, transpose, unsqueeze } from './shape.js';
import { operands } from './util.js';

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(
      `matmul: both arguments need at least 1 dimension, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0])
      throw new RangeError(
        `matmul: 1-D shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} differ in size`,
      );
    return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), []);
  }
  if (a.ndim === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmul(a, unsqueeze(b, -1)), -1);
  const [x, y, dtype] = operands('matmul', a, b);
  return record('matmul', [x, y], matmulKernel(x.storage, y.storage, dtype), (g) => [
    () => matmul(g, transpose(y, -2, -1)),
    // y = Wᵀ, a view of a contiguous W (linear's weight): (xᵀg)ᵀ = gᵀx is computed in W's own
    // layout, so the gradient reaching W is contiguous (the same sums in the same order)
    () =>
      transposedMatrix(x, y)
        ? transpose(matmul(transpose(g, -2, -1), x), -2, -1)
        : matmul(transpose(x, -2, -1), g),
  ]);
}

/** x and y are matrices and y is the transpose of a contiguous matrix. */
function transposedMatrix(x: Tensor, y: Tensor): boolean {
  const st = y.storage.strides;
  return (
    x.ndim === 2 &&
    y.ndim === 2 &&
    st[0] === 1 &&
    st[1] === y.shape[0] &&
    y.shape[0]! > 1 &&
    y.shape[1]! > 1
  );
}
