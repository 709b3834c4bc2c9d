// Shape ops. Most are views (no copy); each backward undoes the view on the gradient.
import { promoteTypes } from '../../tensor/dtype.js';
import { catKernel, padKernel } from '../../tensor/kernels/indexing.js';
import {
  expandView,
  inferShape,
  narrowView,
  permuteView,
  reshapeView,
  squeezeView,
  unsqueezeView,
} from '../../tensor/kernels/views.js';
import { formatShape, normalizeDim, normalizeDims } from '../../tensor/shape.js';
import { record } from '../node.js';
import type { Tensor } from '../tensor.js';
import { to } from './cast.js';

/** reshape(2, 3) and reshape([2, 3]) both mean [2, 3]. */
export function shapeArgs(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as readonly number[])];
  return args.map((a) => {
    if (typeof a !== 'number')
      throw new TypeError(`expected sizes as numbers or one array, got ${JSON.stringify(args)}`);
    return a;
  });
}

// d reshape(x) = reshape(g, x.shape); a view when x is contiguous, else a copy
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(shape, a.numel(), a.shape, 'reshape');
  const data = reshapeView(a.storage, target) ?? reshapeView(a.storage.copy(), target)!;
  return record('reshape', [a], data, (g) => [() => reshape(g, a.shape)]);
}

/** As reshape, but never copies: a non-contiguous input is an error (as torch.view). */
export function view(a: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(shape, a.numel(), a.shape, 'view');
  const data = reshapeView(a.storage, target);
  if (!data) {
    throw new RangeError(
      `view: input of shape ${formatShape(a.shape)} with strides ${formatShape(a.stride())} is not contiguous; use reshape() or contiguous().view()`,
    );
  }
  return record('view', [a], data, (g) => [() => reshape(g, a.shape)]);
}

// d permute(x, p) = permute(g, p⁻¹)
export function permute(a: Tensor, dims: readonly number[]): Tensor {
  const order = dims.map((d) => normalizeDim(d, a.ndim, 'permute'));
  if (order.length !== a.ndim || new Set(order).size !== order.length) {
    throw new RangeError(
      `permute: dims ${formatShape(dims)} are not a permutation of the ${a.ndim} dims of shape ${formatShape(a.shape)}`,
    );
  }
  const inverse = new Array<number>(order.length);
  order.forEach((d, i) => {
    inverse[d] = i;
  });
  return record('permute', [a], permuteView(a.storage, order), (g) => [() => permute(g, inverse)]);
}

export function transpose(a: Tensor, dim0: number, dim1: number): Tensor {
  if (a.ndim === 0) return a;
  const d0 = normalizeDim(dim0, a.ndim, 'transpose');
  const d1 = normalizeDim(dim1, a.ndim, 'transpose');
  const order = [...a.shape.keys()];
  [order[d0], order[d1]] = [order[d1]!, order[d0]!];
  return permute(a, order);
}

/** Transpose of a matrix (rank <= 2, as torch.t). */
export function t(a: Tensor): Tensor {
  if (a.ndim > 2)
    throw new RangeError(
      `t: expects a tensor of rank <= 2, got shape ${formatShape(a.shape)}; use transpose or mT`,
    );
  return a.ndim < 2 ? a : transpose(a, 0, 1);
}

// d expand(x) = g summed over the expanded dims (done by the engine's un-broadcast)
export function expand(a: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < a.ndim) {
    throw new RangeError(
      `expand: target ${formatShape(shape)} has fewer dims than the input ${formatShape(a.shape)}`,
    );
  }
  const off = shape.length - a.ndim;
  const target = shape.map((s, i) => {
    const own = i >= off ? a.shape[i - off]! : undefined;
    if (s === -1) {
      if (own === undefined)
        throw new RangeError(
          `expand: -1 is not allowed for a new leading dim (${formatShape(shape)})`,
        );
      return own;
    }
    if (!Number.isInteger(s) || s < 0 || (own !== undefined && own !== 1 && own !== s)) {
      throw new RangeError(
        `expand: cannot expand shape ${formatShape(a.shape)} to ${formatShape(shape)} (dim ${i})`,
      );
    }
    return s;
  });
  if (target.length === a.ndim && target.every((s, i) => s === a.shape[i])) return a;
  return record('expand', [a], expandView(a.storage, target), (g) => [() => g]);
}

// d narrow(x) = g placed back with zeros around it
export function narrow(a: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, a.ndim, 'narrow');
  const size = a.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (
    !Number.isInteger(s) ||
    !Number.isInteger(length) ||
    s < 0 ||
    length < 0 ||
    s + length > size
  ) {
    throw new RangeError(
      `narrow: start ${start} and length ${length} are out of range for dim ${dim} of size ${size} (shape ${formatShape(a.shape)})`,
    );
  }
  return record('narrow', [a], narrowView(a.storage, d, s, length), (g) => [
    () => padDims(g, d, s, size - s - length),
  ]);
}

function padDims(g: Tensor, dim: number, before: number, after: number): Tensor {
  const pairs: [number, number][] = g.shape.map(() => [0, 0]);
  pairs[dim] = [before, after];
  return padPairs(g, pairs, 0);
}

/**
 * Constant padding with torch.nn.functional.pad's convention: pads = [lastBefore, lastAfter,
 * secondLastBefore, secondLastAfter, ...]. d pad(x) = g narrowed back to x's region.
 */
export function pad(a: Tensor, pads: readonly number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length > 2 * a.ndim) {
    throw new RangeError(
      `pad: pads must have an even length <= 2 * rank (${2 * a.ndim}), got ${pads.length}`,
    );
  }
  const pairs: [number, number][] = a.shape.map(() => [0, 0]);
  for (let i = 0; i < pads.length / 2; i++)
    pairs[a.ndim - 1 - i] = [pads[2 * i]!, pads[2 * i + 1]!];
  return padPairs(a, pairs, value);
}

function padPairs(a: Tensor, pairs: readonly [number, number][], value: number): Tensor {
  for (const [b, e] of pairs) {
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0)
      throw new RangeError(`pad: paddings must be integers >= 0, got ${JSON.stringify(pairs)}`);
  }
  return record('pad', [a], padKernel(a.storage, pairs, value), (g) => [
    () => {
      let out = g;
      pairs.forEach(([b], d) => {
        if (pairs[d]![0] || pairs[d]![1]) out = narrow(out, d, b, a.shape[d]!);
      });
      return out;
    },
  ]);
}

// d squeeze / unsqueeze = reshape back
export function squeeze(a: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = normalizeDims(dim, a.ndim, 'squeeze');
  return record('squeeze', [a], squeezeView(a.storage, dims), (g) => [() => reshape(g, a.shape)]);
}

export function unsqueeze(a: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, a.ndim + 1, 'unsqueeze');
  return record('unsqueeze', [a], unsqueezeView(a.storage, d), (g) => [() => reshape(g, a.shape)]);
}

export function flatten(a: Tensor, startDim = 0, endDim = -1): Tensor {
  if (a.ndim === 0) return reshape(a, [1]);
  const s = normalizeDim(startDim, a.ndim, 'flatten');
  const e = normalizeDim(endDim, a.ndim, 'flatten');
  if (s > e) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const merged = a.shape.slice(s, e + 1).reduce((p, q) => p * q, 1);
  return reshape(a, [...a.shape.slice(0, s), merged, ...a.shape.slice(e + 1)]);
}

// d contiguous(x) = g
export function contiguous(a: Tensor): Tensor {
  if (a.isContiguous()) return a;
  return record('contiguous', [a], a.storage.copy(), (g) => [() => g]);
}

// d cat(x_1..x_k) = the slices of g
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!tensors.length) throw new RangeError('cat: expected a non-empty list of tensors');
  const first = tensors[0]!;
  const d = normalizeDim(dim, first.ndim, 'cat');
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s, k) => k !== d && s !== first.shape[k])) {
      throw new RangeError(
        `cat: tensor ${i} has shape ${formatShape(t.shape)}, incompatible with ${formatShape(first.shape)} outside dim ${d}`,
      );
    }
  });
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  const parts = tensors.map((t) => (t.dtype === dtype ? t : to(t, dtype)));
  return record(
    'cat',
    parts,
    catKernel(
      parts.map((p) => p.storage),
      d,
      dtype,
    ),
    (g) => {
      let start = 0;
      return parts.map((p) => {
        const s = start;
        start += p.shape[d]!;
        return () => narrow(g, d, s, p.shape[d]!);
      });
    },
  );
}

/** stack = unsqueeze each, then cat. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!tensors.length) throw new RangeError('stack: expected a non-empty list of tensors');
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.shape.join() !== first.shape.join()) {
      throw new RangeError(
        `stack: tensor ${i} has shape ${formatShape(t.shape)}, expected ${formatShape(first.shape)} like tensor 0`,
      );
    }
  });
  const d = normalizeDim(dim, first.ndim + 1, 'stack');
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}
