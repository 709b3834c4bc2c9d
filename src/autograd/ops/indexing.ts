// Selecting and scattering along a dim, and where(). Each pair is the other's backward:
// indexSelect <-> indexAdd, gather <-> scatterAdd.
import { whereKernel } from '../../tensor/kernels/elementwise.js';
import {
  gatherKernel,
  indexAddKernel,
  indexSelectKernel,
  scatterAddKernel,
} from '../../tensor/kernels/indexing.js';
import { formatShape, normalizeDim } from '../../tensor/shape.js';
import { zerosLike } from '../creation.js';
import { record } from '../node.js';
import { Tensor, type IndexLike, type TensorLike } from '../tensor.js';
import { add } from './arithmetic.js';
import { operands, toIndex, toIndexTensor } from './util.js';

// d indexSelect(x, dim, idx) = zeros.indexAdd(dim, idx, g)
export function indexSelect(a: Tensor, dim: number, index: IndexLike): Tensor {
  const d = normalizeDim(dim, a.ndim, 'indexSelect');
  const idx = toIndex(index, 'indexSelect');
  return record('indexSelect', [a], indexSelectKernel(a.storage, d, idx), (g) => [
    () => indexAdd(zerosLike(a), d, idx, g),
  ]);
}

/** out = a, with out[..., idx[j], ...] += source[..., j, ...]. d = (g, g.indexSelect(dim, idx)) */
export function indexAdd(a: Tensor, dim: number, index: IndexLike, source: Tensor): Tensor {
  const d = normalizeDim(dim, a.ndim, 'indexAdd');
  const idx = toIndex(index, 'indexAdd');
  const expected = a.shape.map((s, k) => (k === d ? idx.length : s));
  if (source.shape.join() !== expected.join()) {
    throw new RangeError(
      `indexAdd: source has shape ${formatShape(source.shape)}, expected ${formatShape(expected)}`,
    );
  }
  const [x, src, dtype] = operands('indexAdd', a, source);
  const added = indexAddKernel(x.shape, d, idx, src.storage, dtype);
  const out = add(x.detach(), new Tensor(added)).storage;
  return record('indexAdd', [x, src], out, (g) => [() => g, () => indexSelect(g, d, idx)]);
}

// d gather(x, dim, idx) = zeros.scatterAdd(dim, idx, g)
export function gather(a: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, a.ndim, 'gather');
  const idx = toIndexTensor(index, 'gather');
  const idxT = new Tensor(idx);
  return record('gather', [a], gatherKernel(a.storage, d, idx), (g) => [
    () => scatterAdd(zerosLike(a), d, idxT, g),
  ]);
}

/** out = a, with out[i][idx[i][j]] += src[i][j] (dim 1); src has idx's shape. d = (g, g.gather(dim, idx)) */
export function scatterAdd(a: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = normalizeDim(dim, a.ndim, 'scatterAdd');
  const idx = toIndexTensor(index, 'scatterAdd');
  if (src.shape.join() !== idx.shape.join()) {
    throw new RangeError(
      `scatterAdd: src shape ${formatShape(src.shape)} must equal the index shape ${formatShape(idx.shape)}`,
    );
  }
  const [x, s, dtype] = operands('scatterAdd', a, src);
  const added = scatterAddKernel(x.shape, d, idx, s.storage, dtype);
  const out = add(x.detach(), new Tensor(added)).storage;
  const idxT = new Tensor(idx);
  return record('scatterAdd', [x, s], out, (g) => [() => g, () => gather(g, d, idxT)]);
}

// d where(c, a, b) = (where(c, g, 0), where(c, 0, g)); c gets no gradient
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(cond instanceof Tensor)) throw new TypeError('where: condition must be a Tensor');
  const [x, y, dtype] = operands('where', a, b);
  return record('where', [x, y], whereKernel(cond.storage, x.storage, y.storage, dtype), (g) => [
    () => where(cond, g, 0),
    () => where(cond, 0, g),
  ]);
}
