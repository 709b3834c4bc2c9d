// Batch normalisation over x [N, C, *] per channel c, in few passes (the composite form makes
// about fifteen): statistics in float64,
//   mean_c = Σ x / M,   var_c = Σ (x − mean_c)² / M   (M = N · spatial size, biased),
// then y = (x − mean_c) · rstd_c · γ_c + β_c with rstd_c = 1 / √(var_c + eps), and the backward
//   dx = γ_c · rstd_c / M · (M·g − Σ g − x̂ · Σ g·x̂),  dγ_c = Σ g·x̂,  dβ_c = Σ g   (x̂ = (x − mean_c) · rstd_c).
import type { DType, TypedArray } from '../dtype.js';
import { allocateUninitialized } from '../pool.js';
import { TensorData } from '../storage.js';
import {
  bnAffineWasm,
  bnBackwardDxWasm,
  bnBackwardSumsWasm,
  bnStatsWasm,
  EW_MIN,
} from './wasm-kernels.js';

/** float32 data large enough for the wasm passes (assembly/batchnorm.ts: the same bits, over the threads). */
const wasmSized = (a: TypedArray): a is Float32Array =>
  a instanceof Float32Array && a.length >= EW_MIN;

/** N, C and the spatial size S of x [N, C, *] (contiguous copy when needed). */
function layout(x: TensorData): { src: TypedArray; N: number; C: number; S: number } {
  const c = x.contiguous();
  const N = x.shape[0]!;
  const C = x.shape[1]!;
  return { src: c.data, N, C, S: x.size / (N * C || 1) };
}

/** Per-channel mean and biased variance, two passes in float64. */
export function batchNormStatsKernel(x: TensorData): {
  mean: Float64Array;
  variance: Float64Array;
} {
  const { src, N, C, S } = layout(x);
  const M = N * S;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  if (wasmSized(src) && bnStatsWasm(src, 0, N, C, S, mean, variance)) return { mean, variance };
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) for (let i = (n * C + c) * S, e = i + S; i < e; i++) s += src[i]!;
    const m = s / M;
    let q = 0;
    for (let n = 0; n < N; n++)
      for (let i = (n * C + c) * S, e = i + S; i < e; i++) {
        const d = src[i]! - m;
        q += d * d;
      }
    mean[c] = m;
    variance[c] = q / M;
  }
  return { mean, variance };
}

/** y = (x − mean_c) · rstd_c · γ_c + β_c (γ = 1, β = 0 when absent). */
export function batchNormForwardKernel(
  x: TensorData,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  weight: TensorData | null,
  bias: TensorData | null,
  dtype: DType,
): TensorData {
  const { src, N, C, S } = layout(x);
  const w = weight?.contiguous().data;
  const b = bias?.contiguous().data;
  const out = allocateUninitialized(dtype, x.size);
  const scale = new Float64Array(C);
  const shift = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = rstd[c]! * (w ? w[c]! : 1);
    shift[c] = (b ? b[c]! : 0) - mean[c]! * scale[c]!;
  }
  if (
    wasmSized(src) &&
    out instanceof Float32Array &&
    bnAffineWasm(src, 0, out, N, C, S, scale, shift)
  ) {
    return new TensorData(out, x.shape);
  }
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const a = scale[c]!;
      const d = shift[c]!;
      for (let i = (n * C + c) * S, e = i + S; i < e; i++) out[i] = src[i]! * a + d;
    }
  }
  return new TensorData(out, x.shape);
}

/**
 * The training-mode backward: per-channel Σ g and Σ g·x̂, then dx (when wanted). Two passes.
 */
export function batchNormBackwardKernel(
  g: TensorData,
  x: TensorData,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  weight: TensorData | null,
  wantDx: boolean,
  dtype: DType,
): { dx: TensorData | null; sumG: Float64Array; sumGXhat: Float64Array } {
  const { src, N, C, S } = layout(x);
  const gd = g.contiguous().data;
  const w = weight?.contiguous().data;
  const M = N * S;
  const sumG = new Float64Array(C);
  const sumGXhat = new Float64Array(C);
  const fast = wasmSized(src) && wasmSized(gd);
  if (!(fast && bnBackwardSumsWasm(gd, 0, src, 0, N, C, S, mean, sumG, sumGXhat))) {
    for (let c = 0; c < C; c++) {
      const m = mean[c]!;
      let sg = 0;
      let sgx = 0;
      for (let n = 0; n < N; n++) {
        for (let i = (n * C + c) * S, e = i + S; i < e; i++) {
          const gv = gd[i]!;
          sg += gv;
          sgx += gv * (src[i]! - m);
        }
      }
      sumG[c] = sg;
      sumGXhat[c] = sgx;
    }
  }
  for (let c = 0; c < C; c++) sumGXhat[c] = sumGXhat[c]! * rstd[c]!; // Σ g·(x − mean) → Σ g·x̂
  if (!wantDx) return { dx: null, sumG, sumGXhat };
  const dx = allocateUninitialized(dtype, x.size);
  const coef = new Float64Array(3 * C); // per channel: a (of g), b (of x), d (constant)
  for (let c = 0; c < C; c++) {
    const r = rstd[c]!;
    const k = ((w ? w[c]! : 1) * r) / M;
    const b = -k * r * sumGXhat[c]!; // coefficient of (x − mean): −k·x̂/(x − mean)·Σg·x̂
    coef[3 * c] = M * k;
    coef[3 * c + 1] = b;
    coef[3 * c + 2] = -k * sumG[c]! - b * mean[c]!;
  }
  if (fast && dx instanceof Float32Array && bnBackwardDxWasm(gd, 0, src, 0, dx, N, C, S, coef)) {
    return { dx: new TensorData(dx, x.shape), sumG, sumGXhat };
  }
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const a = coef[3 * c]!;
      const b = coef[3 * c + 1]!;
      const d = coef[3 * c + 2]!;
      for (let i = (n * C + c) * S, e = i + S; i < e; i++) dx[i] = a * gd[i]! + b * src[i]! + d;
    }
  }
  return { dx: new TensorData(dx, x.shape), sumG, sumGXhat };
}
