// Batch normalisation of float32 x [N, C, S] (S: the spatial size), the passes of
// src/tensor/kernels/batchnorm.ts, which defines them, split over the threads: the per-channel
// sums take channels from the work counter (each channel's sum is one thread's, in float64, in
// the order of src/tensor/backend/run-sum.ts: the same bits), the elementwise passes take (n, c)
// planes. The per-channel numbers are float64 arrays at byte offsets (mean, var, scale, shift, ...).
import { nextUnit } from './gemm';
import { hi, join, lo } from './widen';

// Each run of S floats is summed as run-sum.ts defines: eight partial sums in four float64x2
// accumulators (a = partials 0 and 1, b = 2 and 3, c = 4 and 5, d = 6 and 7), combined as
// (a + b) + (c + d) lanewise and then lane 0 + lane 1, the last S mod 8 terms added in order.

/** Lane 0 + lane 1 of (a + b) + (c + d). */
@inline function combine(a: v128, b: v128, c: v128, d: v128): f64 {
  const t = f64x2.add(f64x2.add(a, b), f64x2.add(c, d));
  return f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
}

/** Σ of the S floats at p, in float64. */
@inline export function runSum(p: usize, S: i32): f64 {
  let a = f64x2.splat(0), b = a, c = a, d = a;
  let i = 0;
  for (; i + 8 <= S; i += 8) {
    const at = p + (<usize>i << 2);
    const v = v128.load(at), w = v128.load(at, 16);
    a = f64x2.add(a, lo(v)); b = f64x2.add(b, hi(v));
    c = f64x2.add(c, lo(w)); d = f64x2.add(d, hi(w));
  }
  let s = combine(a, b, c, d);
  for (; i < S; i++) s += <f64>load<f32>(p + (<usize>i << 2));
  return s;
}

/** Σ (x − m)² over the S floats at p, in float64. */
@inline function runSquaredDeviations(p: usize, S: i32, m: f64): f64 {
  const m2 = f64x2.splat(m);
  let a = f64x2.splat(0), b = a, c = a, d = a;
  let i = 0;
  for (; i + 8 <= S; i += 8) {
    const at = p + (<usize>i << 2);
    const v = v128.load(at), w = v128.load(at, 16);
    const d0 = f64x2.sub(lo(v), m2), d1 = f64x2.sub(hi(v), m2);
    const d2 = f64x2.sub(lo(w), m2), d3 = f64x2.sub(hi(w), m2);
    a = f64x2.add(a, f64x2.mul(d0, d0)); b = f64x2.add(b, f64x2.mul(d1, d1));
    c = f64x2.add(c, f64x2.mul(d2, d2)); d = f64x2.add(d, f64x2.mul(d3, d3));
  }
  let s = combine(a, b, c, d);
  for (; i < S; i++) {
    const e = <f64>load<f32>(p + (<usize>i << 2)) - m;
    s += e * e;
  }
  return s;
}

/**
 * mean_c = Σ x / M and the biased var_c = Σ (x − mean_c)² / M (M = N·S), float64: each plane's
 * run summed as run-sum.ts orders it, the planes' sums added n by n.
 */
export function bnStatsF32(
  x: usize, N: i32, C: i32, S: i32, mean: usize, variance: usize, next: usize, t: i32, nt: i32,
): void {
  const M = <f64>N * <f64>S;
  for (let c = nextUnit(next); c < C; c = nextUnit(next)) {
    let s: f64 = 0;
    for (let n = 0; n < N; n++) s += runSum(x + (<usize>((n * C + c) * S) << 2), S);
    const m = s / M;
    let q: f64 = 0;
    for (let n = 0; n < N; n++) q += runSquaredDeviations(x + (<usize>((n * C + c) * S) << 2), S, m);
    store<f64>(mean + (<usize>c << 3), m);
    store<f64>(variance + (<usize>c << 3), q / M);
  }
}

// ReLU fused into batch norm (a BatchNorm layer followed by a ReLU): the forward writes
// relu(y) in the same pass as y, and the backward takes relu's gradient g·[r > 0] from the fused
// output r as it reads g — the float32 product relu's own backward computes, so the bits are
// those of the two ops one after the other. `relu` is the address of r, or 0 for none.

/** relu of four floats as reluF32 computes it: v where v > 0 or v is NaN, else +0. */
@inline function relu4(v: v128): v128 {
  return v128.and(v, v128.or(f32x4.gt(v, f32x4.splat(0)), f32x4.ne(v, v)));
}

/** relu of one float, as relu4. */
@inline function relu1(v: f32): f32 {
  return v > 0 || v != v ? v : 0;
}

/** g·[r > 0] for four floats, relu's backward (assembly/elementwise.ts, RELU_GRAD). */
@inline function gate4(g: v128, r: v128): v128 {
  return f32x4.mul(g, v128.bitselect(f32x4.splat(1), f32x4.splat(0), f32x4.gt(r, f32x4.splat(0))));
}

/** g·[r > 0] for one float. */
@inline function gate1(g: f32, r: f32): f32 {
  return g * <f32>(r > 0 ? 1 : 0);
}

/** Four gradients at o: g itself, or g·[r > 0] when the ReLU is fused. */
@inline function grad4(g: usize, relu: usize, fused: bool, o: usize): v128 {
  const v = v128.load(g + o);
  return fused ? gate4(v, v128.load(relu + o)) : v;
}

@inline function grad1(g: usize, relu: usize, fused: bool, o: usize): f32 {
  const v = load<f32>(g + o);
  return fused ? gate1(v, load<f32>(relu + o)) : v;
}

/**
 * out = x·a_c + b_c per element (float64, rounded to float32), then relu when fused, for planes
 * (n, c) taken in turn.
 */
@inline function affinePlanes(
  x: usize, out: usize, N: i32, C: i32, S: i32, a: usize, b: usize, fused: bool, next: usize,
): void {
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
      const y = join(y0, y1);
      v128.store(dst + (<usize>i << 2), fused ? relu4(y) : y);
    }
    for (; i < S; i++) {
      const y = <f32>(<f64>load<f32>(src + (<usize>i << 2)) * av + bv);
      store<f32>(dst + (<usize>i << 2), fused ? relu1(y) : y);
    }
  }
}

/**
 * y = x·scale_c + shift_c (scale = rstd·γ, shift = β − mean·scale, computed by the caller), or
 * relu(y) when `relu` is not 0.
 */
export function bnForwardF32(
  x: usize, out: usize, N: i32, C: i32, S: i32, scale: usize, shift: usize, relu: i32, next: usize,
  t: i32, nt: i32,
): void {
  if (relu != 0) affinePlanes(x, out, N, C, S, scale, shift, true, next);
  else affinePlanes(x, out, N, C, S, scale, shift, false, next);
}

// One plane's Σ g and Σ g·(x − m), left by backwardSumsPlane (globals are per instance, so per
// thread).
let planeG: f64 = 0, planeGX: f64 = 0;

/** The sums of bnBackwardSumsF32 for one channel's plane of S floats at byte offset at. */
@inline function backwardSumsPlane(
  g: usize, x: usize, relu: usize, fused: bool, at: usize, S: i32, m: f64, m2: v128,
): void {
  // Σ g and Σ g·(x − m) over the run, each in run-sum.ts's order, in one pass
  let a = f64x2.splat(0), b = a, e = a, f = a;
  let ga = a, gb = a, ge = a, gf = a;
  const xp = x + at;
  let i = 0;
  for (; i + 8 <= S; i += 8) {
    const o = at + (<usize>i << 2);
    const gv = grad4(g, relu, fused, o), gw = grad4(g, relu, fused, o + 16);
    const xv = v128.load(xp + (<usize>i << 2)), xw = v128.load(xp + (<usize>i << 2), 16);
    const g0 = lo(gv), g1 = hi(gv), g2 = lo(gw), g3 = hi(gw);
    ga = f64x2.add(ga, g0); gb = f64x2.add(gb, g1);
    ge = f64x2.add(ge, g2); gf = f64x2.add(gf, g3);
    a = f64x2.add(a, f64x2.mul(g0, f64x2.sub(lo(xv), m2)));
    b = f64x2.add(b, f64x2.mul(g1, f64x2.sub(hi(xv), m2)));
    e = f64x2.add(e, f64x2.mul(g2, f64x2.sub(lo(xw), m2)));
    f = f64x2.add(f, f64x2.mul(g3, f64x2.sub(hi(xw), m2)));
  }
  let rg = combine(ga, gb, ge, gf), r = combine(a, b, e, f);
  for (; i < S; i++) {
    const gs = <f64>grad1(g, relu, fused, at + (<usize>i << 2));
    rg += gs;
    r += gs * (<f64>load<f32>(xp + (<usize>i << 2)) - m);
  }
  planeG = rg;
  planeGX = r;
}

/**
 * Per channel: Σ g and Σ g·(x − mean_c), float64, each plane's run in run-sum.ts's order (g
 * taken as g·[r > 0] when `relu` is not 0).
 */
export function bnBackwardSumsF32(
  g: usize, x: usize, N: i32, C: i32, S: i32, mean: usize, relu: usize, sumG: usize, sumGX: usize,
  next: usize, t: i32, nt: i32,
): void {
  for (let c = nextUnit(next); c < C; c = nextUnit(next)) {
    const m = load<f64>(mean + (<usize>c << 3));
    const m2 = f64x2.splat(m);
    let sg: f64 = 0, sgx: f64 = 0;
    for (let n = 0; n < N; n++) {
      const at = <usize>((n * C + c) * S) << 2;
      if (relu != 0) backwardSumsPlane(g, x, relu, true, at, S, m, m2);
      else backwardSumsPlane(g, x, relu, false, at, S, m, m2);
      sg += planeG;
      sgx += planeGX;
    }
    store<f64>(sumG + (<usize>c << 3), sg);
    store<f64>(sumGX + (<usize>c << 3), sgx);
  }
}

/** dx = a_c·g + b_c·x + d_c per element of planes (n, c) taken in turn (g gated when fused). */
@inline function backwardDxPlanes(
  g: usize, x: usize, dx: usize, N: i32, C: i32, S: i32, coef: usize, relu: usize, fused: bool,
  next: usize,
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
      const gv = grad4(g, relu, fused, o), xv = v128.load(x + o);
      const d0 = f64x2.add(f64x2.add(f64x2.mul(a2, lo(gv)), f64x2.mul(b2, lo(xv))), d2);
      const d1 = f64x2.add(f64x2.add(f64x2.mul(a2, hi(gv)), f64x2.mul(b2, hi(xv))), d2);
      v128.store(dx + o, join(d0, d1));
    }
    for (; i < S; i++) {
      const o = at + (<usize>i << 2);
      const gs = <f64>grad1(g, relu, fused, o);
      store<f32>(dx + o, <f32>(av * gs + bv * <f64>load<f32>(x + o) + dv));
    }
  }
}

/**
 * dx = a_c·g + b_c·x + d_c per element (float64, rounded to float32), planes taken in turn; g
 * taken as g·[r > 0] when `relu` is not 0.
 */
export function bnBackwardDxF32(
  g: usize, x: usize, dx: usize, N: i32, C: i32, S: i32, coef: usize, relu: usize, next: usize,
  t: i32, nt: i32,
): void {
  if (relu != 0) backwardDxPlanes(g, x, dx, N, C, S, coef, relu, true, next);
  else backwardDxPlanes(g, x, dx, N, C, S, coef, relu, false, next);
}

/**
 * The sum over dims 0 and 2 of float32 x [N, C, S] into float64 out[C] (a conv bias's
 * gradient): the order of src/tensor/kernels/reduce.ts's sumKernel, whose definition it follows —
 * each plane summed as run-sum.ts orders a run, then added to the channel's total, n in order.
 */
export function channelSumsF32(x: usize, N: i32, C: i32, S: i32, out: usize, next: usize, t: i32, nt: i32): void {
  for (let c = nextUnit(next); c < C; c = nextUnit(next)) {
    let acc: f64 = 0;
    for (let n = 0; n < N; n++) acc += runSum(x + (<usize>((n * C + c) * S) << 2), S);
    store<f64>(out + (<usize>c << 3), acc);
  }
}
