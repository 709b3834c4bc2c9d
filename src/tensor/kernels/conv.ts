// im2col / col2im for NCHW images (the PyTorch F.unfold / F.fold layout):
// cols[b, (c*kh + i)*kw + j, oh*Wo + ow] = x[b, c, oh*sh - ph + i, ow*sw - pw + j]  (0 outside the image).
import type { DType } from '../dtype.js';
import { allocate } from '../pool.js';
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
export function foldKernel(cols: TensorData, channels: number, size: readonly [number, number], win: Window, dtype: DType): TensorData {
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
