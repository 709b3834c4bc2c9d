// Reference solution of exercise 6.
import type { Tensor } from 'kdgrad';

export function dKLdT(studentLogits: Tensor, teacherLogits: Tensor, T: number): number {
  const s = studentLogits.toArray<number[][]>();
  const t = teacherLogits.toArray<number[][]>();
  const softmax = (z: number[]) => {
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp((v - m) / T));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  };
  let total = 0;
  s.forEach((sr, b) => {
    const tr = t[b]!;
    const p = softmax(tr);
    const q = softmax(sr);
    const E = (w: number[], x: number[]) => w.reduce((acc, wc, c) => acc + wc * x[c]!, 0);
    const d = tr.map((v, c) => v - sr[c]!);
    const cov = E(
      p,
      tr.map((v, c) => (v - E(p, tr)) * (d[c]! - E(p, d))),
    );
    total += (E(p, sr) - E(q, sr)) / T ** 2 - cov / T ** 3;
  });
  return total / s.length;
}
