// Max pooling over NCHW images without im2col: one pass over each window, remembering where the
// maximum was (the flat index within its H×W plane, as PyTorch's return_indices), and the
// scatter that routes gradients back to those positions.
import { backend } from '../backend/index.js';
import type { DType } from '../dtype.js';
import { allocateUninitialized } from '../buffer-pool.js';
import { TensorData } from '../storage.js';
import { outputSize, type Window } from './conv.js';

/**
 * values[b, c, oh, ow] = max over the window of x (positions outside the image are −∞: skipped);
 * indices hold y·W + x of the first maximum. NaN wins, as in PyTorch.
 */
export function maxPool2dKernel(
  x: TensorData,
  win: Window,
): { values: TensorData; indices: TensorData } {
  const [B, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = win.kernel;
  const [sh, sw] = win.stride;
  const [ph, pw] = win.padding;
  const [Ho, Wo] = outputSize(H, W, win);
  const values = allocateUninitialized(x.dtype, B * C * Ho * Wo);
  const indices = allocateUninitialized('int32', B * C * Ho * Wo) as Int32Array;
  const shape = [B, C, Ho, Wo];
  // B·C planes of one channel each
  const s = { B: B * C, C: 1, H, W, O: 1, kh, kw, sh, sw, ph, pw, Ho, Wo };
  backend.maxPool2d(x.contiguous().data, values, indices, s);
  return { values: new TensorData(values, shape), indices: new TensorData(indices, shape) };
}

/** out[b, c].flat[indices[b, c, i]] += v[b, c, i] over an output of [B, C, H, W] (PyTorch's max_unpool2d, summing repeats). */
export function maxUnpool2dKernel(
  v: TensorData,
  indices: TensorData,
  size: readonly [number, number],
  dtype: DType,
): TensorData {
  const [B, C] = v.shape as [number, number];
  const [H, W] = size;
  const L = v.size / (B * C);
  const out = allocateUninitialized(dtype, B * C * H * W); // zeroed by the backend
  const idx = indices.contiguous().data as Int32Array;
  backend.maxUnpool2d(v.contiguous().data, idx, out, B * C, L, H * W);
  return new TensorData(out, [B, C, H, W]);
}

/** v[b, c, i] = g[b, c].flat[indices[b, c, i]]: the adjoint of maxUnpool2dKernel. */
export function gatherPlanesKernel(g: TensorData, indices: TensorData, dtype: DType): TensorData {
  const [B, C, H, W] = g.shape as [number, number, number, number];
  const src = g.contiguous().data;
  const idx = indices.contiguous().data;
  const out = allocateUninitialized(dtype, indices.size);
  const L = indices.size / (B * C);
  for (let plane = 0, i = 0; plane < B * C; plane++) {
    const base = plane * H * W;
    for (let j = 0; j < L; j++, i++) out[i] = src[base + idx[i]!]!;
  }
  return new TensorData(out, indices.shape);
}
