// The SGD update with momentum, the loop of every training step over every parameter, as a
// SIMD pass split over the threads. The TypeScript loop in src/nn/optim/sgd.ts defines it; both
// compute in float64 in the same order and round to float32 only on store, so the bits agree:
//   g ← ∇ + λ·p;  b ← μ·b + (1 − τ)·g;  p ← p − lr·(g + μ·b) (Nesterov) or p − lr·b
// where the update of p uses b before it is rounded to float32 (as the TypeScript loop does).
// Hyperparameters: 4 float64 at `hyper` (lr, μ, 1 − τ, λ).
import { nextUnit } from './gemm';
import { UNIT } from './elementwise';
import { hi, join, lo } from './widen';

/** The new momentum of two float64 lanes. */
@inline function momentum(g: v128, b: v128, mu: v128, keep: v128): v128 {
  return f64x2.add(f64x2.mul(mu, b), f64x2.mul(keep, g));
}

/** The new parameter of two float64 lanes, given the gradient with decay and the new momentum. */
@inline function param(p: v128, g: v128, nb: v128, lr: v128, mu: v128, nesterov: bool): v128 {
  return f64x2.sub(p, f64x2.mul(lr, nesterov ? f64x2.add(g, f64x2.mul(mu, nb)) : nb));
}

@inline function run(p: usize, g: usize, b: usize, n: i32, hyper: usize, next: usize, nesterov: bool): void {
  const lrS = load<f64>(hyper), muS = load<f64>(hyper, 8), keepS = load<f64>(hyper, 16), wdS = load<f64>(hyper, 24);
  const lr = f64x2.splat(lrS), mu = f64x2.splat(muS), keep = f64x2.splat(keepS), wd = f64x2.splat(wdS);
  for (let u = nextUnit(next); u * UNIT < n; u = nextUnit(next)) {
    const j1 = min(n, (u + 1) * UNIT);
    let j = u * UNIT;
    for (; j + 4 <= j1; j += 4) {
      const o = <usize>j << 2;
      const pv = v128.load(p + o), gv = v128.load(g + o), bv = v128.load(b + o);
      const p0 = lo(pv), p1 = hi(pv);
      const g0 = f64x2.add(lo(gv), f64x2.mul(wd, p0)), g1 = f64x2.add(hi(gv), f64x2.mul(wd, p1));
      const b0 = momentum(g0, lo(bv), mu, keep), b1 = momentum(g1, hi(bv), mu, keep);
      v128.store(b + o, join(b0, b1));
      v128.store(p + o, join(param(p0, g0, b0, lr, mu, nesterov), param(p1, g1, b1, lr, mu, nesterov)));
    }
    for (; j < j1; j++) {
      const o = <usize>j << 2;
      const pj = <f64>load<f32>(p + o);
      const grad = <f64>load<f32>(g + o) + wdS * pj;
      const nb = muS * <f64>load<f32>(b + o) + keepS * grad;
      store<f32>(b + o, <f32>nb);
      store<f32>(p + o, <f32>(pj - lrS * (nesterov ? grad + muS * nb : nb)));
    }
  }
}

/** One SGD step with momentum over n float32 parameters p, gradients g and momentum buffers b. */
export function sgdMomentumF32(
  p: usize, g: usize, b: usize, n: i32, hyper: usize, nesterov: i32, next: usize, t: i32, nt: i32,
): void {
  if (nesterov) run(p, g, b, n, hyper, next, true);
  else run(p, g, b, n, hyper, next, false);
}
