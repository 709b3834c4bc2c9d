// The fused multiply-add peak (relaxed SIMD), for the benchmark (bench/probe.ts): as probe.ts,
// twelve independent chains of f32x4 multiply-adds in registers, but each one fused
// (f32x4.relaxed_madd, one instruction where the processor has FMA). 96 flops per round. Built
// with relaxed SIMD enabled; a runtime without it refuses the module and the bench says so.
export function simdFusedPeakProbe(out: usize, rounds: i32, next: usize, t: i32, nt: i32): void {
  const x = f32x4.splat(0.9999);
  const y = f32x4.splat(0.0001);
  let a0 = f32x4.splat(<f32>t), a1 = f32x4.splat(0.1), a2 = f32x4.splat(0.2), a3 = f32x4.splat(0.3);
  let a4 = f32x4.splat(0.4), a5 = f32x4.splat(0.5), a6 = f32x4.splat(0.6), a7 = f32x4.splat(0.7);
  let a8 = f32x4.splat(0.8), a9 = f32x4.splat(0.9), a10 = f32x4.splat(1.0), a11 = f32x4.splat(1.1);
  for (let r = 0; r < rounds; r++) {
    a0 = f32x4.relaxed_madd(a0, x, y); a1 = f32x4.relaxed_madd(a1, x, y);
    a2 = f32x4.relaxed_madd(a2, x, y); a3 = f32x4.relaxed_madd(a3, x, y);
    a4 = f32x4.relaxed_madd(a4, x, y); a5 = f32x4.relaxed_madd(a5, x, y);
    a6 = f32x4.relaxed_madd(a6, x, y); a7 = f32x4.relaxed_madd(a7, x, y);
    a8 = f32x4.relaxed_madd(a8, x, y); a9 = f32x4.relaxed_madd(a9, x, y);
    a10 = f32x4.relaxed_madd(a10, x, y); a11 = f32x4.relaxed_madd(a11, x, y);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  v128.store(out + (<usize>t << 4), f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))));
}
