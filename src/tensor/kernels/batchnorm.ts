// Batch normalisation over x [N, C, *] per channel c, in few passes (the composite form makes
// about fifteen): statistics in float64,
//   mean_c = Σ x / M,   var_c = Σ (x − mean_c)² / M   (M = N · spatial size, biased),
// then y = (x − mean_c) · rstd_c · γ_c + β_c with rstd_c = 1 / √(var_c + eps), and the backward
//   dx = γ_c · rstd_c / M · (M·g − Σ g − x̂ · Σ g·x̂),  dγ_c = Σ g·x̂,  dβ_c = Σ g   (x̂ = (x − mean_c) · rstd_c).
// With a ReLU fused (a BatchNorm layer followed by a ReLU) the forward writes r = relu(y) in the
// same pass, and the backward reads the gradient of r and takes g·[r > 0] as it goes: the bits of
// the two ops one after the other, one pass and one activation fewer each way.
import { backend } from '../backend/index.js';
import type { DType, TypedArray } from '../dtype.js';
import { allocateUninitialized } from '../buffer-pool.js';
import { TensorData } from '../storage.js';

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
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  backend.bnStats(src, N, C, S, mean, variance);
  return { mean, variance };
}

/** y = (x − mean_c) · rstd_c · γ_c + β_c (γ = 1, β = 0 when absent), or relu(y) when `relu`. */
export function batchNormForwardKernel(
  x: TensorData,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  weight: TensorData | null,
  bias: TensorData | null,
  dtype: DType,
  relu = false,
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
  backend.bnAffine(src, out, N, C, S, scale, shift, relu);
  return new TensorData(out, x.shape);
}

/**
 * The training-mode backward: per-channel Σ g and Σ g·x̂, then dx (when wanted). Two passes. With
 * `relu` (the fused forward's output r), g is the gradient of r and g·[r > 0] is used in its place.
 */
export function batchNormBackwardKernel(
  g: TensorData,
  x: TensorData,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  weight: TensorData | null,
  wantDx: boolean,
  dtype: DType,
  relu: TensorData | null = null,
): { dx: TensorData | null; sumG: Float64Array; sumGXhat: Float64Array } {
  const { src, N, C, S } = layout(x);
  const gd = g.contiguous().data;
  const rd = relu ? relu.contiguous().data : null;
  const w = weight?.contiguous().data;
  const M = N * S;
  const sumG = new Float64Array(C);
  const sumGXhat = new Float64Array(C);
  backend.bnBackwardSums(gd, src, N, C, S, mean, sumG, sumGXhat, rd);
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
  backend.bnBackwardDx(gd, src, dx, N, C, S, coef, rd);
  return { dx: new TensorData(dx, x.shape), sumG, sumGXhat };
}
