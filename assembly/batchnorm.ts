// Batch normalisation of float32 x [N, C, S] (S: the spatial size), the passes of
// src/tensor/kernels/batchnorm.ts, which defines them, split over the threads: the per-channel
// sums take channels from the work counter (each channel's sum is one thread's, in the
// TypeScript order, in float64: the same bits), the elementwise passes take (n, c) planes. The
// per-channel numbers are float64 arrays at byte offsets (mean, var, scale, shift, ...).
import { nextUnit } from './gemm';
import { hi, join, lo } from './widen';

/** Σ over channel c of x, in float64, n outer and the plane inner (the TypeScript order). */
@inline function channelSum(x: usize, N: i32, C: i32, S: i32, c: i32): f64 {
  let s: f64 = 0;
  for (let n = 0; n < N; n++) {
    const p = x + (<usize>((n * C + c) * S) << 2);
    for (let i = 0; i < S; i++) s += <f64>load<f32>(p + (<usize>i << 2));
  }
  return s;
}

/** mean_c = Σ x / M and the biased var_c = Σ (x − mean_c)² / M (M = N·S), float64. */
export function bnStatsF32(
  x: usize, N: i32, C: i32, S: i32, mean: usize, variance: usize, next: usize, t: i32, nt: i32,
): void {
  const M = <f64>N * <f64>S;
  for (let c = nextUnit(next); c < C; c = nextUnit(next)) {
    const m = channelSum(x, N, C, S, c) / M;
    let q: f64 = 0;
    for (let n = 0; n < N; n++) {
      const p = x + (<usize>((n * C + c) * S) << 2);
      for (let i = 0; i < S; i++) {
        const d = <f64>load<f32>(p + (<usize>i << 2)) - m;
        q += d * d;
      }
    }
    store<f64>(mean + (<usize>c << 3), m);
    store<f64>(variance + (<usize>c << 3), q / M);
  }
}

/** out = x·a_c + b_c per element (float64, rounded to float32), for planes (n, c) taken in turn. */
@inline function affinePlanes(x: usize, out: usize, N: i32, C: i32, S: i32, a: usize, b: usize, next: usize): void {
  const planes = N * C;
  for (let q = nextUnit(next); q < planes; q = nextUnit(next)) {
    const c = q % C;
    const av = load<f64>(a + (<usize>c << 3)), bv = load<f64>(b + (<usize>c << 3));
    const a2 = f64x2.splat(av), b2 = f64x2.splat(bv);
    const src = x + (<usize>(q * S) << 2), dst = out + (<usize>(q * S) << 2);
    let i = 0;
    for (; i + 4 <= S; i += 4) {
      const v = v128.load(src + (<usize>i << 2));
      const y0 = f64x2.add(f64x2.mul(lo(v), a2), b2);
      const y1 = f64x2.add(f64x2.mul(hi(v), a2), b2);
      v128.store(dst + (<usize>i << 2), join(y0, y1));
    }
    for (; i < S; i++) store<f32>(dst + (<usize>i << 2), <f32>(<f64>load<f32>(src + (<usize>i << 2)) * av + bv));
  }
}

/** y = x·scale_c + shift_c (scale = rstd·γ, shift = β − mean·scale, computed by the caller). */
export function bnForwardF32(
  x: usize, out: usize, N: i32, C: i32, S: i32, scale: usize, shift: usize, next: usize, t: i32,
  nt: i32,
): void {
  affinePlanes(x, out, N, C, S, scale, shift, next);
}

/** Per channel: Σ g and Σ g·(x − mean_c), float64, in the TypeScript order. */
export function bnBackwardSumsF32(
  g: usize, x: usize, N: i32, C: i32, S: i32, mean: usize, sumG: usize, sumGX: usize, next: usize,
  t: i32, nt: i32,
): void {
  for (let c = nextUnit(next); c < C; c = nextUnit(next)) {
    const m = load<f64>(mean + (<usize>c << 3));
    let sg: f64 = 0, sgx: f64 = 0;
    for (let n = 0; n < N; n++) {
      const at = <usize>((n * C + c) * S) << 2;
      for (let i = 0; i < S; i++) {
        const o = at + (<usize>i << 2);
        const gv = <f64>load<f32>(g + o);
        sg += gv;
        sgx += gv * (<f64>load<f32>(x + o) - m);
      }
    }
    store<f64>(sumG + (<usize>c << 3), sg);
    store<f64>(sumGX + (<usize>c << 3), sgx);
  }
}

/** dx = a_c·g + b_c·x + d_c per element (float64, rounded to float32), planes taken in turn. */
export function bnBackwardDxF32(
  g: usize, x: usize, dx: usize, N: i32, C: i32, S: i32, coef: usize, next: usize, t: i32, nt: i32,
): void {
  const planes = N * C;
  for (let q = nextUnit(next); q < planes; q = nextUnit(next)) {
    const c = q % C;
    const k = coef + <usize>c * 24;
    const av = load<f64>(k), bv = load<f64>(k, 8), dv = load<f64>(k, 16);
    const a2 = f64x2.splat(av), b2 = f64x2.splat(bv), d2 = f64x2.splat(dv);
    const at = <usize>(q * S) << 2;
    let i = 0;
    for (; i + 4 <= S; i += 4) {
      const o = at + (<usize>i << 2);
      const gv = v128.load(g + o), xv = v128.load(x + o);
      const d0 = f64x2.add(f64x2.add(f64x2.mul(a2, lo(gv)), f64x2.mul(b2, lo(xv))), d2);
      const d1 = f64x2.add(f64x2.add(f64x2.mul(a2, hi(gv)), f64x2.mul(b2, hi(xv))), d2);
      v128.store(dx + o, join(d0, d1));
    }
    for (; i < S; i++) {
      const o = at + (<usize>i << 2);
      store<f32>(dx + o, <f32>(av * <f64>load<f32>(g + o) + bv * <f64>load<f32>(x + o) + dv));
    }
  }
}

/**
 * The sum over dims 0 and 2 of float32 x [N, C, S] into float64 out[C] (a conv bias's
 * gradient): the order of src/tensor/kernels/reduce.ts's sumKernel, whose definition it follows —
 * each plane summed from 0, then the planes added to the channel's total, n in order.
 */
export function channelSumsF32(x: usize, N: i32, C: i32, S: i32, out: usize, next: usize, t: i32, nt: i32): void {
  for (let c = nextUnit(next); c < C; c = nextUnit(next)) {
    let acc: f64 = 0;
    for (let n = 0; n < N; n++) {
      const p = x + (<usize>((n * C + c) * S) << 2);
      let s: f64 = 0;
      for (let i = 0; i < S; i++) s += <f64>load<f32>(p + (<usize>i << 2));
      acc += s;
    }
    store<f64>(out + (<usize>c << 3), acc);
  }
}
