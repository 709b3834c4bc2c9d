// The order in which every backend sums a run of values in float64 (sums, batch-norm statistics
// and their gradients). One running total makes each addition wait for the last (about four
// cycles apiece); eight interleaved partial sums let SIMD kernels keep four float64x2 adders busy.
// Element j of the first ⌊len/8⌋·8 goes to partial j mod 8; the partials are combined as
//   ((p0 + p2) + (p4 + p6)) + ((p1 + p3) + (p5 + p7))
// (the lanes of two float64x2 pairs added lanewise, then lane 0 + lane 1), and the last len mod 8
// elements are added to that in order. The wasm kernels (assembly/batchnorm.ts) add in exactly
// this order, so both backends give the same bits.
import type { TypedArray } from '../dtype.js';

/** Σ x[i + j·step] for j = 0 … len − 1, in float64, in the order above. */
export function runSum(x: ArrayLike<number>, i: number, len: number, step = 1): number {
  let p0 = 0,
    p1 = 0,
    p2 = 0,
    p3 = 0,
    p4 = 0,
    p5 = 0,
    p6 = 0,
    p7 = 0;
  const whole = len - (len % 8);
  let j = 0;
  for (; j < whole; j += 8, i += 8 * step) {
    p0 += x[i]!;
    p1 += x[i + step]!;
    p2 += x[i + 2 * step]!;
    p3 += x[i + 3 * step]!;
    p4 += x[i + 4 * step]!;
    p5 += x[i + 5 * step]!;
    p6 += x[i + 6 * step]!;
    p7 += x[i + 7 * step]!;
  }
  let s = p0 + p2 + (p4 + p6) + (p1 + p3 + (p5 + p7));
  for (; j < len; j++, i += step) s += x[i]!;
  return s;
}

/** Σ (x[i + j] − m)² for j = 0 … len − 1, in float64, in the order above. */
export function runSquaredDeviations(x: TypedArray, i: number, len: number, m: number): number {
  let p0 = 0,
    p1 = 0,
    p2 = 0,
    p3 = 0,
    p4 = 0,
    p5 = 0,
    p6 = 0,
    p7 = 0;
  const end = i + len;
  const whole = i + len - (len % 8);
  for (; i < whole; i += 8) {
    const d0 = x[i]! - m,
      d1 = x[i + 1]! - m,
      d2 = x[i + 2]! - m,
      d3 = x[i + 3]! - m;
    const d4 = x[i + 4]! - m,
      d5 = x[i + 5]! - m,
      d6 = x[i + 6]! - m,
      d7 = x[i + 7]! - m;
    p0 += d0 * d0;
    p1 += d1 * d1;
    p2 += d2 * d2;
    p3 += d3 * d3;
    p4 += d4 * d4;
    p5 += d5 * d5;
    p6 += d6 * d6;
    p7 += d7 * d7;
  }
  let s = p0 + p2 + (p4 + p6) + (p1 + p3 + (p5 + p7));
  for (; i < end; i++) {
    const d = x[i]! - m;
    s += d * d;
  }
  return s;
}

/** Σ g[i + j]·(x[i + j] − m) for j = 0 … len − 1, in float64, in the order above. */
export function runProductSum(
  g: TypedArray,
  x: TypedArray,
  i: number,
  len: number,
  m: number,
): number {
  let p0 = 0,
    p1 = 0,
    p2 = 0,
    p3 = 0,
    p4 = 0,
    p5 = 0,
    p6 = 0,
    p7 = 0;
  const end = i + len;
  const whole = i + len - (len % 8);
  for (; i < whole; i += 8) {
    p0 += g[i]! * (x[i]! - m);
    p1 += g[i + 1]! * (x[i + 1]! - m);
    p2 += g[i + 2]! * (x[i + 2]! - m);
    p3 += g[i + 3]! * (x[i + 3]! - m);
    p4 += g[i + 4]! * (x[i + 4]! - m);
    p5 += g[i + 5]! * (x[i + 5]! - m);
    p6 += g[i + 6]! * (x[i + 6]! - m);
    p7 += g[i + 7]! * (x[i + 7]! - m);
  }
  let s = p0 + p2 + (p4 + p6) + (p1 + p3 + (p5 + p7));
  for (; i < end; i++) s += g[i]! * (x[i]! - m);
  return s;
}
