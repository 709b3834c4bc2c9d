// The summation order of src/tensor/backend/run-sum.ts written out independently, for the tests
// that check kernels against it: eight interleaved partial sums, combined as
// ((p0 + p2) + (p4 + p6)) + ((p1 + p3) + (p5 + p7)), then the last len mod 8 terms in order.

/** Σ term(0 … len − 1) in float64, in the order above. */
export function runOrder(term: (j: number) => number, len: number): number {
  const p = [0, 0, 0, 0, 0, 0, 0, 0];
  const whole = len - (len % 8);
  for (let j = 0; j < whole; j++) p[j % 8]! += term(j);
  let s = p[0]! + p[2]! + (p[4]! + p[6]!) + (p[1]! + p[3]! + (p[5]! + p[7]!));
  for (let j = whole; j < len; j++) s += term(j);
  return s;
}
