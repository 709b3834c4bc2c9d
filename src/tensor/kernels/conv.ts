// im2col / col2im for NCHW images (the PyTorch F.unfold / F.fold layout):
// cols[b, (c*kh + i)*kw + j, oh*Wo + ow] = x[b, c, oh*sh - ph + i, ow*sw - pw + j]  (0 outside the image).
import type { DType } from '../dtype.js';
import { allocate, allocateUninitialized } from '../pool.js';
import { gemmReference } from './matmul.js';
import {
  conv2dForwardWasm,
  conv2dInputGradWasm,
  conv2dWeightGradWasm,
  type ConvShape,
} from './wasm-kernels.js';
import { TensorData } from '../storage.js';

export interface Window {
  kernel: readonly [number, number];
  stride: readonly [number, number];
  padding: readonly [number, number];
}

export function outputSize(h: number, w: number, win: Window): [number, number] {
  const [kh, kw] = win.kernel;
  const [sh, sw] = win.stride;
  const [ph, pw] = win.padding;
  return [Math.floor((h + 2 * ph - kh) / sh) + 1, Math.floor((w + 2 * pw - kw) / sw) + 1];
}

export function unfoldKernel(x: TensorData, win: Window): TensorData {
  const [B, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = win.kernel;
  const [sh, sw] = win.stride;
  const [ph, pw] = win.padding;
  const [Ho, Wo] = outputSize(H, W, win);
  const L = Ho * Wo;
  const rows = C * kh * kw;
  const src = x.contiguous().data;
  const out = allocate(x.dtype, B * rows * L);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const plane = (b * C + c) * H * W;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const rowBase = (b * rows + (c * kh + i) * kw + j) * L;
          for (let oh = 0; oh < Ho; oh++) {
            const y = oh * sh - ph + i;
            if (y < 0 || y >= H) continue; // stays 0
            const line = plane + y * W;
            const at = rowBase + oh * Wo;
            // output columns whose input column ow·sw − pw + j falls inside the image
            const lo = Math.max(0, Math.ceil((pw - j) / sw));
            const hi = Math.min(Wo, Math.floor((W - 1 + pw - j) / sw) + 1);
            const shift = line - pw + j;
            for (let ow = lo; ow < hi; ow++) out[at + ow] = src[shift + ow * sw]!;
          }
        }
      }
    }
  }
  return new TensorData(out, [B, rows, L]);
}

/** The adjoint of unfold: overlapping windows are summed back into [B, C, H, W]. */
export function foldKernel(
  cols: TensorData,
  channels: number,
  size: readonly [number, number],
  win: Window,
  dtype: DType,
): TensorData {
  const [B, rows, L] = cols.shape as [number, number, number];
  const [H, W] = size;
  const [kh, kw] = win.kernel;
  const [sh, sw] = win.stride;
  const [ph, pw] = win.padding;
  const [Ho, Wo] = outputSize(H, W, win);
  const src = cols.contiguous().data;
  const out = allocate(dtype, B * channels * H * W);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < channels; c++) {
      const plane = (b * channels + c) * H * W;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const rowBase = (b * rows + (c * kh + i) * kw + j) * L;
          for (let oh = 0; oh < Ho; oh++) {
            const y = oh * sh - ph + i;
            if (y < 0 || y >= H) continue;
            const line = plane + y * W;
            const at = rowBase + oh * Wo;
            const lo = Math.max(0, Math.ceil((pw - j) / sw));
            const hi = Math.min(Wo, Math.floor((W - 1 + pw - j) / sw) + 1);
            for (let ow = lo; ow < hi; ow++) out[line + ow * sw - pw + j]! += src[at + ow]!;
          }
        }
      }
    }
  }
  return new TensorData(out, [B, channels, H, W]);
}

// ---- convolution: y = w ⋆ x and its two adjoints ------------------------------------------------
// Reference definitions (any float dtype) built from unfold/fold and gemmReference; float32
// calls go to the wasm kernels (per-image im2col + GEMM, split over threads) when they can.

/** Sizes of a convolution of x [B, C, H, W] with w [O, C, kh, kw]. */
export function convShape(x: readonly number[], w: readonly number[], win: Window): ConvShape {
  const [B, C, H, W] = x as [number, number, number, number];
  const [O, , kh, kw] = w as [number, number, number, number];
  const [Ho, Wo] = outputSize(H, W, win);
  return {
    B,
    C,
    H,
    W,
    O,
    kh,
    kw,
    sh: win.stride[0],
    sw: win.stride[1],
    ph: win.padding[0],
    pw: win.padding[1],
    Ho,
    Wo,
  };
}

const isF32 = (...ts: TensorData[]) => ts.every((t) => t.data instanceof Float32Array);

/** y[b, o] = Σ_k w[o, k] · cols[b, k] with cols = unfold(x): [B, O, Ho, Wo]. */
export function conv2dKernel(x: TensorData, w: TensorData, win: Window, dtype: DType): TensorData {
  const s = convShape(x.shape, w.shape, win);
  const K = s.C * s.kh * s.kw;
  const L = s.Ho * s.Wo;
  const out = allocateUninitialized(dtype, s.B * s.O * L);
  const wc = w.contiguous();
  const xc = x.contiguous();
  if (!(
    dtype === 'float32' &&
    isF32(xc, wc) &&
    conv2dForwardWasm(xc.data as Float32Array, wc.data as Float32Array, out as Float32Array, s)
  )) {
    const cols = unfoldKernel(xc, win).data;
    for (let b = 0; b < s.B; b++)
      gemmReference(wc.data, 0, cols, b * K * L, out, b * s.O * L, s.O, K, L);
  }
  return new TensorData(out, [s.B, s.O, s.Ho, s.Wo]);
}

/** dx = fold(wᵀ @ g): the gradient of conv2d w.r.t. its input of size [H, W] (as torch.nn.grad.conv2d_input). */
export function conv2dInputGradKernel(
  g: TensorData,
  w: TensorData,
  size: readonly [number, number],
  win: Window,
  dtype: DType,
): TensorData {
  const [B] = g.shape as [number];
  const s = convShape([B, w.shape[1]!, size[0], size[1]], w.shape, win);
  const K = s.C * s.kh * s.kw;
  const L = s.Ho * s.Wo;
  const gc = g.contiguous();
  const wc = w.contiguous();
  if (dtype === 'float32' && isF32(gc, wc)) {
    const dx = allocateUninitialized('float32', s.B * s.C * s.H * s.W);
    if (
      conv2dInputGradWasm(gc.data as Float32Array, wc.data as Float32Array, dx as Float32Array, s)
    )
      return new TensorData(dx, [s.B, s.C, s.H, s.W]);
  }
  const wT = allocateUninitialized(dtype, K * s.O);
  for (let o = 0; o < s.O; o++) for (let q = 0; q < K; q++) wT[q * s.O + o] = wc.data[o * K + q]!;
  const cols = allocateUninitialized(dtype, s.B * K * L);
  for (let b = 0; b < s.B; b++)
    gemmReference(wT, 0, gc.data, b * s.O * L, cols, b * K * L, K, s.O, L);
  return foldKernel(new TensorData(cols, [s.B, K, L]), s.C, size, win, dtype);
}

/** dw[o, k] = Σ_b Σ_l g[b, o, l] · unfold(x)[b, k, l]: the gradient w.r.t. the weight (torch.nn.grad.conv2d_weight). */
export function conv2dWeightGradKernel(
  x: TensorData,
  g: TensorData,
  kernel: readonly [number, number],
  win: Window,
  dtype: DType,
): TensorData {
  const [O] = g.shape.slice(1) as [number];
  const wShape = [O, x.shape[1]!, kernel[0], kernel[1]];
  const s = convShape(x.shape, wShape, win);
  const K = s.C * s.kh * s.kw;
  const L = s.Ho * s.Wo;
  const xc = x.contiguous();
  const gc = g.contiguous();
  const dw = allocate(dtype, O * K);
  if (!(
    dtype === 'float32' &&
    isF32(xc, gc) &&
    conv2dWeightGradWasm(xc.data as Float32Array, gc.data as Float32Array, dw as Float32Array, s)
  )) {
    const cols = unfoldKernel(xc, win).data;
    const gd = gc.data;
    for (let b = 0; b < s.B; b++) {
      for (let o = 0; o < O; o++) {
        const gRow = (b * O + o) * L;
        for (let q = 0; q < K; q++) {
          const cRow = (b * K + q) * L;
          let sum = 0;
          for (let l = 0; l < L; l++) sum += gd[gRow + l]! * cols[cRow + l]!;
          dw[o * K + q]! += sum;
        }
      }
    }
  }
  return new TensorData(dw, wShape);
}
