// The machine's WebAssembly SIMD peak, for the benchmark (bench/probe.ts): twelve independent
// chains of f32x4 multiply-adds held in registers (acc ← acc·x + y; the multiply depends on the
// accumulator, so the compiler cannot hoist it), no memory traffic. 96 flops per round. Every
// thread t of nt runs all `rounds` (no work is shared: `next` is unused) and stores its sum at
// out + 16·t (so nothing is optimised away).
export function simdPeakProbe(out: usize, rounds: i32, next: usize, t: i32, nt: i32): void {
  const x = f32x4.splat(0.9999);
  const y = f32x4.splat(0.0001);
  let a0 = f32x4.splat(<f32>t), a1 = f32x4.splat(0.1), a2 = f32x4.splat(0.2), a3 = f32x4.splat(0.3);
  let a4 = f32x4.splat(0.4), a5 = f32x4.splat(0.5), a6 = f32x4.splat(0.6), a7 = f32x4.splat(0.7);
  let a8 = f32x4.splat(0.8), a9 = f32x4.splat(0.9), a10 = f32x4.splat(1.0), a11 = f32x4.splat(1.1);
  for (let r = 0; r < rounds; r++) {
    a0 = f32x4.add(f32x4.mul(a0, x), y); a1 = f32x4.add(f32x4.mul(a1, x), y);
    a2 = f32x4.add(f32x4.mul(a2, x), y); a3 = f32x4.add(f32x4.mul(a3, x), y);
    a4 = f32x4.add(f32x4.mul(a4, x), y); a5 = f32x4.add(f32x4.mul(a5, x), y);
    a6 = f32x4.add(f32x4.mul(a6, x), y); a7 = f32x4.add(f32x4.mul(a7, x), y);
    a8 = f32x4.add(f32x4.mul(a8, x), y); a9 = f32x4.add(f32x4.mul(a9, x), y);
    a10 = f32x4.add(f32x4.mul(a10, x), y); a11 = f32x4.add(f32x4.mul(a11, x), y);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  v128.store(out + (<usize>t << 4), f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))));
}
