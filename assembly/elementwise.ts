// Elementwise float32 kernels: the hot loops of a training step (bias add, ReLU and its backward,
// gradient accumulation) as SIMD passes split over the threads. The TypeScript loops in
// src/tensor/kernels/elementwise.ts define every op; float32 +, −, × give the same bits here as
// there (a float64 result rounded to float32 is the float32 result for these operations).
import { nextUnit } from './gemm';

// Binary ops, by code: out = x + y, x − y, x · y, and relu's backward x · [y > 0].
const ADD = 0, SUB = 1, MUL = 2, RELU_GRAD = 3;

/** Elements per unit of work: big enough that taking a unit costs nothing, small enough to share. */
export const UNIT = 16384;

@inline function vop(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return f32x4.add(x, y);
  if (op == SUB) return f32x4.sub(x, y);
  if (op == MUL) return f32x4.mul(x, y);
  return f32x4.mul(x, v128.bitselect(f32x4.splat(1), f32x4.splat(0), f32x4.gt(y, f32x4.splat(0))));
}

@inline function sop(op: i32, x: f32, y: f32): f32 {
  if (op == ADD) return x + y;
  if (op == SUB) return x - y;
  if (op == MUL) return x * y;
  return x * <f32>(y > 0 ? 1 : 0);
}

/** One row of `len` outputs; x and y step by sx, sy ∈ {0, 1} (SIMD) or anything (scalar). */
@inline function row(op: i32, x: usize, sx: i32, y: usize, sy: i32, out: usize, len: i32): void {
  let j = 0;
  if (sx == 1 && sy == 1) {
    for (; j + 4 <= len; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, vop(op, v128.load(x + o), v128.load(y + o)));
    }
  } else if (sx == 1 && sy == 0) {
    const yv = v128.load32_splat(y);
    for (; j + 4 <= len; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, vop(op, v128.load(x + o), yv));
    }
  } else if (sx == 0 && sy == 1) {
    const xv = v128.load32_splat(x);
    for (; j + 4 <= len; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, vop(op, xv, v128.load(y + o)));
    }
  }
  for (; j < len; j++) {
    const v = sop(op, load<f32>(x + (<usize>(j * sx) << 2)), load<f32>(y + (<usize>(j * sy) << 2)));
    store<f32>(out + (<usize>j << 2), v);
  }
}

@inline function binaryRows(op: i32, x: usize, y: usize, out: usize, geo: usize, next: usize): void {
  // the coalesced shape [d0, d1, d2] and each operand's strides in elements (output contiguous)
  const d0 = load<i32>(geo), d1 = load<i32>(geo, 4), d2 = load<i32>(geo, 8);
  const sx0 = load<i32>(geo, 12), sx1 = load<i32>(geo, 16), sx2 = load<i32>(geo, 20);
  const sy0 = load<i32>(geo, 24), sy1 = load<i32>(geo, 28), sy2 = load<i32>(geo, 32);
  const rows = d0 * d1;
  if (d2 > UNIT) {
    // long rows (a contiguous op coalesces to one row of n): a unit is UNIT columns of a row, so
    // every thread gets a share of even a single row
    const chunks = (d2 + UNIT - 1) / UNIT;
    for (let u = nextUnit(next); u < rows * chunks; u = nextUnit(next)) {
      const r = u / chunks, j0 = (u % chunks) * UNIT;
      const i0 = r / d1, i1 = r % d1;
      const xo = x + (<usize>(i0 * sx0 + i1 * sx1 + j0 * sx2) << 2);
      const yo = y + (<usize>(i0 * sy0 + i1 * sy1 + j0 * sy2) << 2);
      row(op, xo, sx2, yo, sy2, out + (<usize>(r * d2 + j0) << 2), min(UNIT, d2 - j0));
    }
    return;
  }
  const per = max(1, UNIT / max(d2, 1));
  for (let u = nextUnit(next); u * per < rows; u = nextUnit(next)) {
    const r1 = min(rows, (u + 1) * per);
    for (let r = u * per; r < r1; r++) {
      const i0 = r / d1, i1 = r % d1;
      const xo = x + (<usize>(i0 * sx0 + i1 * sx1) << 2);
      const yo = y + (<usize>(i0 * sy0 + i1 * sy1) << 2);
      row(op, xo, sx2, yo, sy2, out + (<usize>(r * d2) << 2), d2);
    }
  }
}

/**
 * out = op(x, y) over a broadcast of up to 3 coalesced dims (geometry: 9 int32 at `geo`), the
 * rows dealt out to the threads in units of about UNIT elements.
 */
export function binaryF32(
  op: i32, x: usize, y: usize, out: usize, geo: usize, next: usize, t: i32, nt: i32,
): void {
  // one instantiation per op, so each inner loop is straight-line SIMD
  if (op == ADD) binaryRows(ADD, x, y, out, geo, next);
  else if (op == SUB) binaryRows(SUB, x, y, out, geo, next);
  else if (op == MUL) binaryRows(MUL, x, y, out, geo, next);
  else binaryRows(RELU_GRAD, x, y, out, geo, next);
}

/**
 * out[0..n) = 0 (+0.0): a gradient zeroed between steps, a reused buffer cleared. Filling a
 * typed array on a SharedArrayBuffer from JavaScript is several times slower than a memset
 * (every element is stored as a relaxed atomic), so resident arrays are cleared here.
 */
export function zeroF32(out: usize, n: i32, next: usize, t: i32, nt: i32): void {
  for (let u = nextUnit(next); u * UNIT < n; u = nextUnit(next)) {
    const j0 = u * UNIT;
    memory.fill(out + (<usize>j0 << 2), 0, <usize>(min(n, j0 + UNIT) - j0) << 2);
  }
}

/**
 * out = relu(x) over n contiguous elements: x where x > 0 or x is NaN, else +0 (as the
 * TypeScript loop: −0 and −∞ give 0, NaN stays NaN).
 */
export function reluF32(x: usize, out: usize, n: i32, next: usize, t: i32, nt: i32): void {
  const zero = f32x4.splat(0);
  for (let u = nextUnit(next); u * UNIT < n; u = nextUnit(next)) {
    const j1 = min(n, (u + 1) * UNIT);
    let j = u * UNIT;
    for (; j + 4 <= j1; j += 4) {
      const v = v128.load(x + (<usize>j << 2));
      const keep = v128.or(f32x4.gt(v, zero), f32x4.ne(v, v));
      v128.store(out + (<usize>j << 2), v128.and(v, keep));
    }
    for (; j < j1; j++) {
      const v = load<f32>(x + (<usize>j << 2));
      store<f32>(out + (<usize>j << 2), v > 0 || v != v ? v : 0);
    }
  }
}
