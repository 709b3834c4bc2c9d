// Batch normalisation over x [N, C, *] per channel c, in few passes (the composite form makes
// about fifteen): statistics in float64,
//   mean_c = Σ x / M,   var_c = Σ (x − mean_c)² / M   (M = N · spatial size, biased),
// then y = (x − mean_c) · rstd_c · γ_c + β_c with rstd_c = 1 / √(var_c + eps), and the backward
//   dx = γ_c · rstd_c / M · (M·g − Σ g − x̂ · Σ g·x̂),  dγ_c = Σ g·x̂,  dβ_c = Σ g   (x̂ = (x − mean_c) · rstd_c).
import type { DType, TypedArray } from '../dtype.js';
import { allocateUninitialized } from '../pool.js';
import { TensorData } from '../storage.js';

/** N, C and the spatial size S of x [N, C, *] (contiguous copy when needed). */
function layout(x: TensorData): { src: TypedArray; N: number; C: number; S: number } {
  const c = x.contiguous();
  const N = x.shape[0]!;
  const C = x.shape[1]!;
  return { src: c.data, N, C, S: x.size / (N * C || 1) };
}

/** Per-channel mean and biased variance, two passes in float64. */
export function batchNormStatsKernel(x: TensorData): { mean: Float64Array; variance: Float64Array } {
  const { src, N, C, S } = layout(x);
  const M = N * S;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) for (let i = (n * C + c) * S, e = i + S; i < e; i++) s += src[i]!;
    const m = s / M;
    let q = 0;
    for (let n = 0; n < N; n++) for (let i = (n * C + c) * S, e = i + S; i < e; i++) { const d = src[i]! - m; q += d * d; }
    mean[c] = m;
    variance[c] = q / M;
  }
  return { mean, variance };
}

/** y = (x − mean_c) · rstd_c · γ_c + β_c (γ = 1, β = 0 when absent). */
export function batchNormForwardKernel(x: TensorData, mean: ArrayLike<number>, rstd: ArrayLike<number>, weight: TensorData | null, bias: TensorData | null, dtype: DType): TensorData {
  const { src, N, C, S } = layout(x);
  const w = weight?.contiguous().data;
  const b = bias?.contiguous().data;
  const out = allocateUninitialized(dtype, x.size);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const scale = rstd[c]! * (w ? w[c]! : 1);
      const shift = (b ? b[c]! : 0) - mean[c]! * scale;
      for (let i = (n * C + c) * S, e = i + S; i < e; i++) out[i] = src[i]! * scale + shift;
    }
  }
  return new TensorData(out, x.shape);
}

/**
 * The training-mode backward: per-channel Σ g and Σ g·x̂, then dx (when wanted). Two passes.
 */
export function batchNormBackwardKernel(g: TensorData, x: TensorData, mean: ArrayLike<number>, rstd: ArrayLike<number>, weight: TensorData | null, wantDx: boolean, dtype: DType): { dx: TensorData | null; sumG: Float64Array; sumGXhat: Float64Array } {
  const { src, N, C, S } = layout(x);
  const gd = g.contiguous().data;
  const w = weight?.contiguous().data;
  const M = N * S;
  const sumG = new Float64Array(C);
  const sumGXhat = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const m = mean[c]!;
    let sg = 0;
    let sgx = 0;
    for (let n = 0; n < N; n++) for (let i = (n * C + c) * S, e = i + S; i < e; i++) { const gv = gd[i]!; sg += gv; sgx += gv * (src[i]! - m); }
    sumG[c] = sg;
    sumGXhat[c] = sgx * rstd[c]!;
  }
  if (!wantDx) return { dx: null, sumG, sumGXhat };
  const dx = allocateUninitialized(dtype, x.size);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const r = rstd[c]!;
      const k = (w ? w[c]! : 1) * r / M;
      const a = M * k;                      // coefficient of g
      const b = -k * r * sumGXhat[c]!;       // coefficient of (x − mean): −k·x̂/(x − mean)·Σg·x̂
      const d = -k * sumG[c]! - b * mean[c]!; // constant
      for (let i = (n * C + c) * S, e = i + S; i < e; i++) dx[i] = a * gd[i]! + b * src[i]! + d;
    }
  }
  return { dx: new TensorData(dx, x.shape), sumG, sumGXhat };
}
