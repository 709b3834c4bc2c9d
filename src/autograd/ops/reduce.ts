// Reductions over one or several dims, with keepdim (as torch.sum / mean / amax / max / var ...).
import { extremeKernel, reducedShape, sumKernel } from '../../tensor/kernels/reduce.js';
import { formatShape, normalizeDim, normalizeDims } from '../../tensor/shape.js';
import { TensorData } from '../../tensor/storage.js';
import { record } from '../node.js';
import { Tensor } from '../tensor.js';
import { add, div, mul, sub } from './arithmetic.js';
import { to } from './cast.js';
import { scatterAdd } from './indexing.js';
import { expand, reshape, squeeze } from './shape.js';
import { exp, log, sqrt } from './unary.js';
import { floating } from './util.js';

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}
export interface VarOptions {
  /** Bessel's correction: divide by N - correction (1 = unbiased, the default, as PyTorch). */
  correction?: number;
  keepdim?: boolean;
}
type Dims = number | readonly number[] | undefined;

// d sum(x, dims) = g broadcast back over the reduced dims
export function sum(a: Tensor, dim?: Dims, keepdim = false): Tensor {
  const x = a.dtype === 'bool' ? to(a, 'int32') : a;
  const dims = normalizeDims(dim, x.ndim, 'sum');
  const kept = reducedShape(x.shape, dims, true);
  return record('sum', [x], sumKernel(x.storage, dims, keepdim, x.dtype), (g) => [
    () => expand(reshape(g, kept), x.shape),
  ]);
}

/** mean = sum / N (a composite: its gradient is g / N broadcast). */
export function mean(a: Tensor, dim?: Dims, keepdim = false): Tensor {
  const x = floating(a);
  const dims = normalizeDims(dim, x.ndim, 'mean');
  const n = dims.reduce((p, d) => p * x.shape[d]!, 1);
  return div(sum(x, dims, keepdim), n);
}

// d amax(x) = g split evenly among the elements equal to the max (as torch.amax)
function extreme(op: 'amax' | 'amin', a: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const dims = normalizeDims(dim, a.ndim, op);
  const { values } = extremeKernel(a.storage, dims, keepdim, op === 'amax' ? 'max' : 'min');
  const kept = reducedShape(a.shape, dims, true);
  const out: Tensor = record(op, [a], values, (g) => [
    () => {
      const mask = a.eq(reshape(out.detach(), kept)).to(a.dtype);
      return div(mul(reshape(g, kept), mask), sum(mask, dims, true));
    },
  ]);
  return out;
}
export const amax = (a: Tensor, dim?: Dims, keepdim = false) => extreme('amax', a, dim, keepdim);
export const amin = (a: Tensor, dim?: Dims, keepdim = false) => extreme('amin', a, dim, keepdim);

// d max(x, dim).values = g routed to the (first) index of the max (as torch.max(dim))
function extremeAlong(op: 'max' | 'min', a: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  const d = normalizeDim(dim, a.ndim, op);
  const dims = a.ndim === 0 ? [] : [d];
  const { values, indices } = extremeKernel(a.storage, dims, keepdim, op);
  const kept = reducedShape(a.shape, dims, true);
  const idx = new Tensor(indices);
  const out = record(op, [a], values, (g) => [
    () => {
      if (a.ndim === 0) return g;
      const zeros = new Tensor(TensorData.zeros(g.dtype, a.shape));
      return scatterAdd(zeros, d, reshape(idx, kept), reshape(g, kept));
    },
  ]);
  return { values: out, indices: idx };
}
export const max = (a: Tensor, dim: number, keepdim = false) =>
  extremeAlong('max', a, dim, keepdim);
export const min = (a: Tensor, dim: number, keepdim = false) =>
  extremeAlong('min', a, dim, keepdim);

/** Index of the first max (int32, no gradient); over the flattened tensor when dim is omitted. */
export function argmax(a: Tensor, dim?: number, keepdim = false): Tensor {
  if (dim === undefined)
    return new Tensor(
      extremeKernel(a.storage.contiguous(), a.ndim ? [...a.shape.keys()] : [], false, 'max')
        .indices,
    );
  return extremeAlong('max', a.detach(), dim, keepdim).indices;
}
export function argmin(a: Tensor, dim?: number, keepdim = false): Tensor {
  if (dim === undefined)
    return new Tensor(
      extremeKernel(a.storage.contiguous(), a.ndim ? [...a.shape.keys()] : [], false, 'min')
        .indices,
    );
  return extremeAlong('min', a.detach(), dim, keepdim).indices;
}

/**
 * x - m with m = max(x) over dims (kept), detached: softmax, logSoftmax and logsumexp do not depend
 * on m, so its gradient is not needed. A slice of all ±inf shifts by 0 instead (inf - inf = NaN).
 */
export function shiftByMax(x: Tensor, dims: readonly number[]): { shifted: Tensor; m: Tensor } {
  const m = new Tensor(amax(x.detach(), dims, true).storage.copy());
  m.storage.data.forEach((v, i) => {
    if (!Number.isFinite(v)) m.storage.data[i] = 0;
  });
  return { shifted: sub(x, m), m };
}

/**
 * log Σ exp(x) = m + log Σ exp(x - m), m = max(x): no exp overflows for logits up to ±1e4.
 * Composite: its gradient, softmax(x) * g, comes from the ops it is made of.
 */
export function logsumexp(a: Tensor, dim: Dims, keepdim = false): Tensor {
  if (dim === undefined) throw new RangeError('logsumexp: dim is required (as in PyTorch)');
  const x = floating(a);
  const dims = normalizeDims(dim, x.ndim, 'logsumexp');
  const { shifted, m } = shiftByMax(x, dims);
  const lse = add(log(sum(exp(shifted), dims, true)), m);
  return keepdim ? lse : squeeze(lse, dims);
}

/** Σ (x - mean)² / (N - correction) */
export function variance(a: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  const x = floating(a);
  const dims = normalizeDims(dim, x.ndim, 'var');
  const correction = opts.correction ?? 1;
  const n = dims.reduce((p, d) => p * x.shape[d]!, 1);
  if (n - correction <= 0 && n > 0) {
    // PyTorch returns inf/nan here silently; we say why.
    throw new RangeError(
      `var: ${n} element(s) over dims ${JSON.stringify(dims)} of shape ${formatShape(x.shape)} with correction ${correction} leaves no degrees of freedom`,
    );
  }
  const centered = sub(x, mean(x, dims, true));
  return div(sum(mul(centered, centered), dims, opts.keepdim ?? false), n - correction);
}

export function std(a: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  return sqrt(variance(a, dim, opts));
}
