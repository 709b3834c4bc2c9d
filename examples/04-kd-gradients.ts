// 04 — the textbook argument for T², computed: how the gradient w.r.t. the student logits
// (its norm, and the soft vs hard share) and dL/dT change with the temperature, with and
// without the T² factor. Every autograd number is checked against its closed form.
// Run: npx tsx examples/04-kd-gradients.ts
import { inspectDistillation, tensor } from 'kdgrad';

// 4 samples, 5 classes: a confident teacher, a student that is partly wrong.
const teacher = tensor(
  [
    [6, 2, 1, 0, -1],
    [1, 5, 3, 0, 0],
    [0, 1, 2, 7, 1],
    [2, 2, 1, 0, 4],
  ],
  { dtype: 'float64' },
);
const student = tensor(
  [
    [3, 3, 0, 0, 0],
    [0, 2, 2.5, 1, 0],
    [1, 0, 1, 2, 1],
    [0, 1, 0, 0, 1.5],
  ],
  { dtype: 'float64' },
);
const labels = [0, 1, 3, 4];
const alpha = 0.5;

const rows = [0.5, 1, 2, 4, 8, 16, 32, 100].map((T) =>
  inspectDistillation(student, teacher, labels, { temperature: T, alpha }),
);
const f = (v: number, w = 10) =>
  (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(2)).padStart(w);
console.log(
  `alpha = ${alpha}; L = alpha·T²·KL + (1 − alpha)·CE; norms are L2 over the [4, 5] gradient\n`,
);
console.log(
  '     T |  ‖soft‖ T² | ‖soft‖ no T² |    ‖hard‖ | soft share T² | no T² |   dL/dT T² | dL/dT no T² | max |autograd − closed form|',
);
console.log(
  '-------+------------+--------------+-----------+---------------+-------+------------+-------------+------------------------------',
);
for (const r of rows) {
  const worst = Math.max(r.maxAbsError.soft, r.maxAbsError.hard, r.maxAbsError.dLdT ?? 0);
  console.log(
    `${String(r.temperature).padStart(6)} | ${f(r.norms.soft)} | ${f(r.norms.softUnscaled, 12)} | ${f(r.norms.hard, 9)} | ${(100 * r.softShare.scaled).toFixed(1).padStart(12)}% | ${(100 * r.softShare.unscaled).toFixed(1).padStart(4)}% | ${f(r.dLdT)} | ${f(r.dLdTUnscaled, 11)} | ${worst.toExponential(1)}`,
  );
}
const hi = rows[rows.length - 1]!;
const lo = rows[rows.length - 2]!;
const shrink = lo.norms.softUnscaled / hi.norms.softUnscaled;
const tRatio = (hi.temperature / lo.temperature) ** 2;
const change = hi.norms.soft / lo.norms.soft;
// the first T from which the T²-scaled soft share stays within 5 points of the last one
let from = rows.length - 1;
while (from > 0 && Math.abs(rows[from - 1]!.softShare.scaled - hi.softShare.scaled) < 0.05) from--;
const shares = rows.slice(from).map((r) => 100 * r.softShare.scaled);
const pct = (v: number) => `${v.toFixed(1)}%`;
console.log(
  `\nFrom T = ${lo.temperature} to ${hi.temperature}: the unscaled soft gradient shrinks ×${shrink.toFixed(2)} (T² ratio ${tRatio.toFixed(2)}),`,
);
console.log(
  `the T²-scaled one changes ×${change.toFixed(3)}` +
    (Math.abs(shrink / tRatio - 1) < 0.05 && Math.abs(change - 1) < 0.05
      ? `: with T², the soft term's share of the gradient stays between ${pct(Math.min(...shares))} and ${pct(Math.max(...shares))} from T = ${rows[from]!.temperature} on` +
        (from > 0
          ? `, but not below (T = ${rows[from - 1]!.temperature}: ${pct(100 * rows[from - 1]!.softShare.scaled)}).`
          : '.')
      : ': these temperatures are not high enough for the 1/T² law to show.'),
);
