// WebAssembly SIMD kernels (AssemblyScript), compiled by `npm run build:wasm` into
// src/tensor/kernels/wasm-binary.generated.ts. The TypeScript reference kernels stay the definition;
// these must agree with them (test/tensor/wasm.test.ts).
//
// sgemm: C[n×m] = A[n×k] · B[k×m], row-major float32 at byte offsets a, b, c.
// Register blocking: each step of p updates a 4×8 block of C held in eight f32x4 accumulators
// (4 broadcast A values times two 4-wide B vectors), so every loaded value is used 4 or 8 times.

@inline function madd(acc: v128, x: v128, y: v128): v128 {
  return f32x4.add(acc, f32x4.mul(x, y));
}

export function sgemm(a: usize, b: usize, c: usize, n: i32, k: i32, m: i32): void {
  const m8 = m & ~7;
  const rowA = <usize>k << 2;
  const rowB = <usize>m << 2;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a0 = a + <usize>i * rowA;
    const a1 = a0 + rowA;
    const a2 = a1 + rowA;
    const a3 = a2 + rowA;
    const c0 = c + <usize>i * rowB;
    for (let j = 0; j < m8; j += 8) {
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0);
      let s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const off = <usize>p << 2;
        const x0 = f32x4.splat(load<f32>(a0 + off));
        const x1 = f32x4.splat(load<f32>(a1 + off));
        const x2 = f32x4.splat(load<f32>(a2 + off));
        const x3 = f32x4.splat(load<f32>(a3 + off));
        s00 = madd(s00, x0, b0); s01 = madd(s01, x0, b1);
        s10 = madd(s10, x1, b0); s11 = madd(s11, x1, b1);
        s20 = madd(s20, x2, b0); s21 = madd(s21, x2, b1);
        s30 = madd(s30, x3, b0); s31 = madd(s31, x3, b1);
        bp += rowB;
      }
      const cp = c0 + (<usize>j << 2);
      v128.store(cp, s00); v128.store(cp, s01, 16);
      v128.store(cp + rowB, s10); v128.store(cp + rowB, s11, 16);
      v128.store(cp + 2 * rowB, s20); v128.store(cp + 2 * rowB, s21, 16);
      v128.store(cp + 3 * rowB, s30); v128.store(cp + 3 * rowB, s31, 16);
    }
    for (let r = 0; r < 4; r++) tailColumns(a + <usize>(i + r) * rowA, b, c + <usize>(i + r) * rowB, k, m, m8);
  }
  for (; i < n; i++) {
    const ar = a + <usize>i * rowA;
    const cr = c + <usize>i * rowB;
    for (let j = 0; j < m8; j += 8) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        const x = f32x4.splat(load<f32>(ar + (<usize>p << 2)));
        s0 = madd(s0, x, v128.load(bp));
        s1 = madd(s1, x, v128.load(bp, 16));
        bp += rowB;
      }
      v128.store(cr + (<usize>j << 2), s0);
      v128.store(cr + (<usize>j << 2), s1, 16);
    }
    tailColumns(ar, b, cr, k, m, m8);
  }
}

/** Columns m8..m-1 of one row of C, scalar. */
@inline function tailColumns(ar: usize, b: usize, cr: usize, k: i32, m: i32, m8: i32): void {
  for (let j = m8; j < m; j++) {
    let s: f32 = 0;
    let bp = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      s += load<f32>(ar + (<usize>p << 2)) * load<f32>(bp);
      bp += <usize>m << 2;
    }
    store<f32>(cr + (<usize>j << 2), s);
  }
}
