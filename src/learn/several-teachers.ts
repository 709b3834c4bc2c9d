// Several teachers: their target as the average of their softened probabilities (the article's
// MultiTeacherDistillationLoss) or as softmax of their averaged logits, compared on real images.
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../autograd/tensor.js';
import { lesson, named, pct } from './lesson.js';

export interface SeveralTeachersLesson {
  /** Test accuracy of each teacher alone (argmax of its logits). */
  teachers: { name: string; accuracy: number }[];
  /** Per T: both ensemble targets, their mean entropy and top probability, accuracy, disagreement. */
  rows: {
    T: number;
    probs: { entropy: number; top: number; accuracy: number };
    logits: { entropy: number; top: number; accuracy: number };
    /** fraction of images whose two targets name different top classes */
    disagree: number;
    /** mean KL(probability average ‖ logit average) */
    kl: number;
  }[];
  conclusion: string;
}

/**
 * Several teachers on real images: the target as the average of the teachers' softened
 * probabilities (the article's MultiTeacherDistillationLoss) against softmax of their averaged
 * logits, per T: how soft each is (entropy, top probability), how often they disagree, and how
 * accurate each ensemble is against each teacher alone.
 */
export function severalTeachersLesson(
  logits: readonly Tensor[],
  labels: ArrayLike<number>,
  names: readonly string[],
  temperatures = [1, 4],
): SeveralTeachersLesson {
  if (logits.length < 2)
    throw new RangeError(`severalTeachersLesson: needs at least 2 teachers, got ${logits.length}`);
  const z = logits.map((t) => t.detach().to('float64'));
  const [B, C] = z[0]!.shape as [number, number];
  const rowsOf = (t: Tensor) => t.toArray<number[][]>();
  const top = (row: number[]) => row.indexOf(Math.max(...row));
  const accuracy = (p: number[][]) =>
    p.reduce((s, row, i) => s + (top(row) === labels[i] ? 1 : 0), 0) / B;
  const teachers = z.map((t, k) => ({
    name: names[k] ?? `teacher ${k + 1}`,
    accuracy: accuracy(rowsOf(t)),
  }));
  const rows = temperatures.map((T) => {
    const probs = rowsOf(
      noGrad(() =>
        z
          .map((t) => t.div(T).softmax(1))
          .reduce((a, b) => a.add(b))
          .div(z.length),
      ),
    );
    const logitsAvg = rowsOf(
      noGrad(() =>
        z
          .reduce((a, b) => a.add(b))
          .div(z.length)
          .div(T)
          .softmax(1),
      ),
    );
    const stats = (p: number[][]) => ({
      entropy:
        p.reduce((s, row) => s - row.reduce((h, v) => h + (v > 0 ? v * Math.log(v) : 0), 0), 0) / B,
      top: p.reduce((s, row) => s + Math.max(...row), 0) / B,
      accuracy: accuracy(p),
    });
    let disagree = 0;
    let kl = 0;
    probs.forEach((p, i) => {
      const q = logitsAvg[i]!;
      if (top(p) !== top(q)) disagree++;
      kl += p.reduce((s, v, c) => s + (v > 0 ? v * (Math.log(v) - Math.log(q[c]!)) : 0), 0);
    });
    return { T, probs: stats(probs), logits: stats(logitsAvg), disagree: disagree / B, kl: kl / B };
  });
  const hi = rows.at(-1)!;
  const best = teachers.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const lo = rows[0]!;
  const soft = (r: (typeof rows)[number]) =>
    `${r.probs.entropy > r.logits.entropy ? 'probability' : 'logit'} average`;
  const ens = Math.max(lo.probs.accuracy, lo.logits.accuracy);
  const conclusion =
    `At T = ${lo.T} the ${soft(lo)} is the softer target (mean entropy ${lo.probs.entropy.toFixed(3)}` +
    ` nats for probabilities, ${lo.logits.entropy.toFixed(3)} for logits,` +
    ` of at most ${Math.log(C).toFixed(3)}); the two` +
    ` name different top classes on ${pct(lo.disagree)} of the images, KL ${lo.kl.toFixed(4)} apart.` +
    ` At T = ${hi.T} the ${soft(hi)} is softer` +
    ` (${hi.probs.entropy.toFixed(3)} against ${hi.logits.entropy.toFixed(3)}),` +
    ` ${hi.kl < lo.kl ? 'and the targets are closer' : 'and the targets are further apart'}: KL ${hi.kl.toFixed(4)},` +
    ` top classes differ on ${pct(hi.disagree)}. As classifiers the ensembles reach` +
    ` ${pct(lo.probs.accuracy)} (probabilities, T = ${lo.T}) and ${pct(lo.logits.accuracy)} (logits)` +
    ` against ${pct(best.accuracy)} for the best teacher alone (${best.name})` +
    (ens > best.accuracy
      ? ': the combined target is more accurate than either teacher.'
      : ': combining did not beat the best teacher here.');
  return { teachers, rows, conclusion };
}

export const severalTeachers = lesson<SeveralTeachersLesson>({
  summary: 'several teachers: averaging their probabilities or their logits',
  images: 'all',
  async run(ctx) {
    const teachers = await ctx.teachers();
    return severalTeachersLesson(
      teachers.map((t) => ctx.logits(t)),
      ctx.labels,
      teachers.map((t) => t.name),
    );
  },
  async report(r, ctx) {
    const teachers = await ctx.teachers();
    const who = r.teachers.map((t, k) => `${named(teachers[k]!)} ${pct(t.accuracy)}%`).join(', ');
    const all = ctx.allImages ? ' (all of them)' : '';
    const rows: string[][] = [];
    for (const row of r.rows) {
      rows.push([
        String(row.T),
        'average of probabilities',
        row.probs.entropy.toFixed(4),
        row.probs.top.toFixed(4),
        pct(row.probs.accuracy),
        `${pct(row.disagree)}%`,
        row.kl.toFixed(4),
      ]);
      const s = row.logits;
      rows.push([
        String(row.T),
        'softmax of averaged logits',
        s.entropy.toFixed(4),
        s.top.toFixed(4),
        pct(s.accuracy),
        '',
        '',
      ]);
    }
    return {
      title: `Several teachers: ${who}; ${ctx.images.length} test images${all}`,
      blocks: [
        {
          columns: [
            'T',
            'target',
            'mean entropy (nats)',
            'mean top probability',
            'accuracy %',
            'top classes differ',
            'KL(probs ‖ logits)',
          ],
          align: ['right', 'left', 'right', 'right', 'right', 'right', 'right'],
          rows,
        },
      ],
      conclusion: r.conclusion,
    };
  },
});
