// WebAssembly SIMD kernels (AssemblyScript), compiled by `npm run build:wasm` into
// src/tensor/kernels/wasm-binary.generated.ts. The TypeScript reference kernels stay the definition;
// these must agree with them (test/tensor/wasm.test.ts).
//
// sgemm: C[n×m] = A[n×k] · B[k×m], row-major float32 at byte offsets a, b, c.
// Register blocking: each step of p updates a 4×8 block of C held in eight f32x4 accumulators
// (4 broadcast A values times two 4-wide B vectors), so every loaded value is used 4 or 8 times.
//
// Two builds of these sources ship (scripts/build-wasm.mjs): plain SIMD, where acc + x·y rounds
// twice, and relaxed SIMD, where it is one fused multiply-add (rounded once) wherever the
// processor has one. The order of every sum is the same in both, so they differ by rounding only.

/** acc + x·y, lane by lane. */
@inline export function madd(acc: v128, x: v128, y: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(x, y, acc);
  return f32x4.add(acc, f32x4.mul(x, y));
}

/**
 * acc + x·y for one float, rounded as madd rounds it, so an element of C comes out with the same
 * bits whether a SIMD block or a scalar tail computes it (the position of an element in the
 * blocks changes with the shape, e.g. between A @ B and (Bᵀ @ Aᵀ)ᵀ).
 */
@inline function madd1(acc: f32, x: f32, y: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    const v = f32x4.relaxed_madd(f32x4.splat(x), f32x4.splat(y), f32x4.splat(acc));
    return f32x4.extract_lane(v, 0);
  }
  return acc + x * y;
}

// Cache blocking: the columns go in panels of NC; while every block of rows passes over one
// k×NC panel of B, the panel stays in L2 (B is not re-read from memory for each row block).
// The sum for each element of C still runs over p in order, so results do not change.
const NC = 64;

// Packing: a k×8 strip of B is read once per block of 4 rows of A, down a column: in place that
// walk strides m·4 bytes per step of p, so every step touches another cache line (and, for rows
// of 1,024 floats and more, another 4 KiB page: the TLB, not the arithmetic, set the pace). So B
// is first copied into `pack` as strips of k×8 floats, read sequentially: 512³ went from about
// half of one thread's fused multiply-add peak to over 85% of it. The copy costs k·m moves
// against n·k·m multiply-adds, so it is skipped for fewer than PACK_MIN_N rows unless the rows of
// B are long. Panel width: PACK_FLOATS / k columns (8 to 256), so one packed panel stays in L2.
// `pack` must hold gemmPackFloats(k) floats (exported: the JavaScript side asks it how much to
// reserve). Packing moves values, never changes a sum: the result is the same bits either way.
const PACK_MIN_M = 1024;
const PACK_MIN_N = 8;
const PACK_FLOATS = 32768;

/** Whether sgemm packs B for a product of n rows and m columns. */
@inline function packs(n: i32, m: i32): bool {
  return m >= PACK_MIN_M || n >= PACK_MIN_N;
}

/** Floats of pack space sgemm needs for an inner dimension k. */
export function gemmPackFloats(k: i32): i32 {
  return max(PACK_FLOATS, k << 3);
}

/** Width of the packed panels for an inner dimension k (a multiple of 8). */
@inline function packWidth(k: i32): i32 {
  return max(8, min(256, (PACK_FLOATS / max(k, 1)) & ~7));
}

/** C = A @ B; `pack` is scratch of gemmPackFloats(k) floats (0: never pack). */
export function sgemm(a: usize, b: usize, c: usize, n: i32, k: i32, m: i32, pack: usize): void {
  sgemmColumns(a, b, c, n, k, m, 0, m, pack);
}

/** Columns [j0, j1) of C = A @ B: j0 a multiple of 8, j1 a multiple of 8 or m. */
function sgemmColumns(a: usize, b: usize, c: usize, n: i32, k: i32, m: i32, j0: i32, j1: i32, pack: usize): void {
  const e8 = j0 + ((j1 - j0) & ~7);
  if (pack != 0 && packs(n, m)) {
    const nc = packWidth(k);
    for (let p0 = j0; p0 < e8; p0 += nc) {
      const p1 = min(e8, p0 + nc);
      packPanel(b, pack, k, m, p0, p1);
      sgemmPanel(a, pack, 32, <usize>k << 5, c, n, k, m, p0, p1);
    }
  } else {
    const rowB = <usize>m << 2;
    for (let p0 = j0; p0 < e8; p0 += NC) {
      sgemmPanel(a, b + (<usize>p0 << 2), rowB, 32, c, n, k, m, p0, min(e8, p0 + NC));
    }
  }
  const rowA = <usize>k << 2;
  const rowC = <usize>m << 2;
  if (e8 < j1) for (let i = 0; i < n; i++) tailColumns(a + <usize>i * rowA, b, c + <usize>i * rowC, k, m, e8, j1);
}

/** B[0..k, j0..j1) into pack as (j1 − j0)/8 strips of k×8 floats, each contiguous. */
function packPanel(b: usize, pack: usize, k: i32, m: i32, j0: i32, j1: i32): void {
  const rowB = <usize>m << 2;
  let dst = pack;
  for (let j = j0; j < j1; j += 8) {
    let src = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      dst += 32;
      src += rowB;
    }
  }
}

/**
 * Columns [j0, j1) of C (multiples of 8). The panel of B starts at `panel`; element (p, j0 + 8q + r)
 * is at panel + p·stepP + q·stepQ + 4r: (m·4, 32) reads B in place, (32, k·32) packed strips.
 */
function sgemmPanel(
  a: usize, panel: usize, stepP: usize, stepQ: usize, c: usize, n: i32, k: i32, m: i32, j0: i32, j1: i32,
): void {
  const rowA = <usize>k << 2;
  const rowC = <usize>m << 2;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a0 = a + <usize>i * rowA;
    const a1 = a0 + rowA;
    const a2 = a1 + rowA;
    const a3 = a2 + rowA;
    const c0 = c + <usize>i * rowC;
    let sp = panel;
    for (let j = j0; j < j1; j += 8) {
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0);
      let s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      let bp = sp;
      sp += stepQ;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const off = <usize>p << 2;
        const x0 = v128.load32_splat(a0 + off);
        const x1 = v128.load32_splat(a1 + off);
        const x2 = v128.load32_splat(a2 + off);
        const x3 = v128.load32_splat(a3 + off);
        s00 = madd(s00, x0, b0); s01 = madd(s01, x0, b1);
        s10 = madd(s10, x1, b0); s11 = madd(s11, x1, b1);
        s20 = madd(s20, x2, b0); s21 = madd(s21, x2, b1);
        s30 = madd(s30, x3, b0); s31 = madd(s31, x3, b1);
        bp += stepP;
      }
      const cp = c0 + (<usize>j << 2);
      v128.store(cp, s00); v128.store(cp, s01, 16);
      v128.store(cp + rowC, s10); v128.store(cp + rowC, s11, 16);
      v128.store(cp + 2 * rowC, s20); v128.store(cp + 2 * rowC, s21, 16);
      v128.store(cp + 3 * rowC, s30); v128.store(cp + 3 * rowC, s31, 16);
    }
  }
  for (; i < n; i++) {
    const ar = a + <usize>i * rowA;
    const cr = c + <usize>i * rowC;
    let sp = panel;
    for (let j = j0; j < j1; j += 8) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      let bp = sp;
      sp += stepQ;
      for (let p = 0; p < k; p++) {
        const x = v128.load32_splat(ar + (<usize>p << 2));
        s0 = madd(s0, x, v128.load(bp));
        s1 = madd(s1, x, v128.load(bp, 16));
        bp += stepP;
      }
      v128.store(cr + (<usize>j << 2), s0);
      v128.store(cr + (<usize>j << 2), s1, 16);
    }
  }
}

/** Columns [j0, j1) of one row of C, scalar. */
@inline function tailColumns(ar: usize, b: usize, cr: usize, k: i32, m: i32, j0: i32, j1: i32): void {
  for (let j = j0; j < j1; j++) {
    let s: f32 = 0;
    let bp = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      s = madd1(s, load<f32>(ar + (<usize>p << 2)), load<f32>(bp));
      bp += <usize>m << 2;
    }
    store<f32>(cr + (<usize>j << 2), s);
  }
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Scalar dot product of rows x and y (float32, length k), SIMD over the first k4 elements. */
@inline function dot(x: usize, y: usize, k: i32, k4: i32): f32 {
  let s = f32x4.splat(0);
  for (let p = 0; p < k4; p += 4) s = madd(s, v128.load(x + (<usize>p << 2)), v128.load(y + (<usize>p << 2)));
  let r = hsum(s);
  for (let p = k4; p < k; p++) {
    r = madd1(r, load<f32>(x + (<usize>p << 2)), load<f32>(y + (<usize>p << 2)));
  }
  return r;
}

// sgemmNT: C[n×m] = A[n×k] · Bᵀ with B stored row-major as [m×k] (the transposed operand of a
// backward pass, read without copying). Each C element is a dot product over contiguous rows;
// a 2×4 block of C shares its loads (8 f32x4 accumulators).
// Cache blocking as in sgemm: panels of NJ rows of B (e.g. 16 rows of 3072 = 192 KiB) stay in
// L2 while every pair of A rows passes; each element is still one dot product in the same order.
const NJ = 16;

export function sgemmNT(a: usize, b: usize, c: usize, n: i32, k: i32, m: i32): void {
  sgemmNTColumns(a, b, c, n, k, m, 0, m);
}

/** Columns [j0, j1) of C = A @ Bᵀ: j0 a multiple of 4, j1 a multiple of 4 or m. */
function sgemmNTColumns(a: usize, b: usize, c: usize, n: i32, k: i32, m: i32, j0: i32, j1: i32): void {
  const e4 = j0 + ((j1 - j0) & ~3);
  for (let p0 = j0; p0 < e4; p0 += NJ) sgemmNTPanel(a, b, c, n, k, m, p0, min(e4, p0 + NJ));
  const k4 = k & ~3;
  const row = <usize>k << 2;
  const rowC = <usize>m << 2;
  for (let i = 0; i < n; i++) {
    const x = a + <usize>i * row;
    for (let j = e4; j < j1; j++) store<f32>(c + <usize>i * rowC + (<usize>j << 2), dot(x, b + <usize>j * row, k, k4));
  }
}

/** Columns [j0, j1) of C (multiples of 4). */
function sgemmNTPanel(a: usize, b: usize, c: usize, n: i32, k: i32, m: i32, j0: i32, j1: i32): void {
  const k4 = k & ~3;
  const row = <usize>k << 2;
  const rowC = <usize>m << 2;
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const x0 = a + <usize>i * row;
    const x1 = x0 + row;
    const c0 = c + <usize>i * rowC;
    for (let j = j0; j < j1; j += 4) {
      const y0 = b + <usize>j * row;
      const y1 = y0 + row;
      const y2 = y1 + row;
      const y3 = y2 + row;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
      for (let p = 0; p < k4; p += 4) {
        const off = <usize>p << 2;
        const u0 = v128.load(x0 + off);
        const u1 = v128.load(x1 + off);
        const v0 = v128.load(y0 + off);
        const v1 = v128.load(y1 + off);
        const v2 = v128.load(y2 + off);
        const v3 = v128.load(y3 + off);
        s00 = madd(s00, u0, v0); s01 = madd(s01, u0, v1); s02 = madd(s02, u0, v2); s03 = madd(s03, u0, v3);
        s10 = madd(s10, u1, v0); s11 = madd(s11, u1, v1); s12 = madd(s12, u1, v2); s13 = madd(s13, u1, v3);
      }
      let r00 = hsum(s00), r01 = hsum(s01), r02 = hsum(s02), r03 = hsum(s03);
      let r10 = hsum(s10), r11 = hsum(s11), r12 = hsum(s12), r13 = hsum(s13);
      for (let p = k4; p < k; p++) {
        const off = <usize>p << 2;
        const u0 = load<f32>(x0 + off);
        const u1 = load<f32>(x1 + off);
        const v0 = load<f32>(y0 + off), v1 = load<f32>(y1 + off), v2 = load<f32>(y2 + off), v3 = load<f32>(y3 + off);
        r00 = madd1(r00, u0, v0); r01 = madd1(r01, u0, v1);
        r02 = madd1(r02, u0, v2); r03 = madd1(r03, u0, v3);
        r10 = madd1(r10, u1, v0); r11 = madd1(r11, u1, v1);
        r12 = madd1(r12, u1, v2); r13 = madd1(r13, u1, v3);
      }
      const cp = c0 + (<usize>j << 2);
      store<f32>(cp, r00); store<f32>(cp, r01, 4); store<f32>(cp, r02, 8); store<f32>(cp, r03, 12);
      store<f32>(cp + rowC, r10); store<f32>(cp + rowC, r11, 4); store<f32>(cp + rowC, r12, 8); store<f32>(cp + rowC, r13, 12);
    }
  }
  for (; i < n; i++) {
    const x = a + <usize>i * row;
    for (let j = j0; j < j1; j++) store<f32>(c + <usize>i * rowC + (<usize>j << 2), dot(x, b + <usize>j * row, k, k4));
  }
}

/** The next unit of work: units are handed out in turn from a counter all threads share. */
@inline export function nextUnit(counter: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(counter, 1);
  const u = load<i32>(counter);
  store<i32>(counter, u + 1);
  return u;
}

/**
 * C = A @ B (or A @ Bᵀ) on all threads. The work is cut into units — a column panel of C times
 * a block of rows (rows only as finely as needed for about 4 units per thread) — and each thread
 * takes the next unit from the shared counter at `next` until none is left, so a thread that
 * runs slower (its caches colder, its core shared) does fewer units instead of holding up the
 * others. Each element of C is the same sum in the same order whichever thread computes it, so
 * the result does not depend on nt. Thread t packs at scratch + t·scratchBytes.
 */
export function sgemmParallel(
  a: usize, b: usize, c: usize, n: i32, k: i32, m: i32, transposeB: i32, scratch: usize,
  scratchBytes: usize, next: usize, t: i32, nt: i32,
): void {
  const width = transposeB ? NJ : packs(n, m) ? packWidth(k) : NC;
  const colUnits = max(1, m / width);
  const blocks = (n + 3) >> 2;
  const rowUnits = min(blocks, max(1, (4 * nt + colUnits - 1) / colUnits));
  const rows = ((blocks + rowUnits - 1) / rowUnits) << 2;
  const pack = scratch + <usize>t * scratchBytes;
  const units = rowUnits * colUnits;
  for (let u = nextUnit(next); u < units; u = nextUnit(next)) {
    const i0 = (u / colUnits) * rows;
    if (i0 >= n) continue;
    const i1 = min(n, i0 + rows);
    const cu = u % colUnits;
    const j0 = cu * width;
    const j1 = cu == colUnits - 1 ? m : j0 + width; // the last panel takes the columns left over
    const aa = a + (<usize>(i0 * k) << 2);
    const cc = c + (<usize>(i0 * m) << 2);
    if (transposeB) sgemmNTColumns(aa, b, cc, i1 - i0, k, m, j0, j1);
    else sgemmColumns(aa, b, cc, i1 - i0, k, m, j0, j1, pack);
  }
}
