import type { Tensor } from '../autograd/tensor.js';

/** Slope of log y against log x between two points (the exponent of a power law through them). */
export const slope = (x0: number, y0: number, x1: number, y1: number): number =>
  Math.log(y1 / y0) / Math.log(x1 / x0);

/**
 * Whether two [B, C] logit tensors are equal up to a per-row constant (then every soft term and
 * its gradient vanish, and a lesson's reading is inconclusive, not a law).
 */
export function equalUpToShift(a: Tensor, b: Tensor): boolean {
  const x = a.toArray<number[][]>();
  const y = b.toArray<number[][]>();
  let scale = 1;
  let worst = 0;
  x.forEach((row, i) => {
    const d = row.map((v, j) => v - y[i]![j]!);
    const m = d.reduce((acc, v) => acc + v, 0) / d.length;
    for (const v of d) worst = Math.max(worst, Math.abs(v - m));
    for (const v of row) scale = Math.max(scale, Math.abs(v));
  });
  return worst <= 1e-9 * scale;
}

export const SAME_LOGITS =
  "Inconclusive: the student's logits equal the teacher's up to a constant per row, so the soft" +
  ' term and its gradient are zero at every T (what remains is rounding); use a student that differs' +
  ' from its teacher.';
