// Dark knowledge: the teacher's soft targets for the images of a class, averaged, put their
// wrong-class mass on a few similar classes; raising T makes those small probabilities visible.
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../autograd/tensor.js';
import { fmt, lesson, teacherLine } from './lesson.js';

export interface DarkKnowledgeLesson {
  /** Per true class: the teacher's most probable wrong class, its mean probability at each T. */
  rows: { cls: string; images: number; nearest: string; probability: Record<string, number> }[];
  /** Classes with no image among those used: left out of the rows and the conclusion. */
  missing: string[];
  /** Pairs (a → b, b → a) that name each other. */
  mutual: [string, string][];
  conclusion: string;
}

/**
 * Dark knowledge: the teacher's soft targets for images of a class, averaged, put most of their
 * wrong-class mass on a few similar classes — visible at T = 1 only in tiny numbers, at T = 4 clearly.
 */
export function darkKnowledgeLesson(
  teacherLogits: Tensor,
  labels: ArrayLike<number>,
  names: readonly string[],
  temperatures = [1, 4],
): DarkKnowledgeLesson {
  const C = names.length;
  const probsAt = (T: number) =>
    noGrad(() => teacherLogits.detach().to('float64').div(T).softmax(1)).toArray<number[][]>();
  const byT = Object.fromEntries(temperatures.map((T) => [T, probsAt(T)])) as Record<
    number,
    number[][]
  >;
  const mean = (T: number, c: number) => {
    const acc = new Array<number>(C).fill(0);
    let n = 0;
    byT[T]!.forEach((row, i) => {
      if (labels[i] === c) {
        n++;
        row.forEach((v, k) => {
          acc[k]! += v;
        });
      }
    });
    return acc.map((v) => v / Math.max(n, 1));
  };
  const Thi = temperatures.at(-1)!;
  const count = (c: number) => Array.from(labels).filter((y) => y === c).length;
  const present = names.map((_, c) => c).filter((c) => count(c) > 0);
  const missing = names.filter((_, c) => count(c) === 0);
  const rows = present.map((c) => {
    const cls = names[c]!;
    const m = mean(Thi, c);
    let nearest = c === 0 ? 1 : 0;
    m.forEach((v, k) => {
      if (k !== c && v > m[nearest]!) nearest = k;
    });
    const probability = Object.fromEntries(
      temperatures.map((T) => [`T=${T}`, mean(T, c)[nearest]!]),
    );
    return { cls, images: count(c), nearest: names[nearest]!, probability };
  });
  const mutual: [string, string][] = [];
  rows.forEach((r) => {
    const back = rows.find((x) => x.cls === r.nearest);
    if (back?.nearest === r.cls && r.cls < r.nearest) mutual.push([r.cls, r.nearest]);
  });
  const lo = `T=${temperatures[0]}`;
  const hi = `T=${Thi}`;
  if (rows.length < 2) {
    const conclusion = `Inconclusive: ${rows.length} of ${C} classes have images among the ${labels.length} used (${missing.join(', ')} have none); use more images.`;
    return { rows, missing, mutual, conclusion };
  }
  const left = missing.length
    ? ` (${missing.length} class${missing.length === 1 ? '' : 'es'} without images left out: ${missing.join(', ')})`
    : '';
  const ratio = rows.reduce((s, r) => s + r.probability[hi]! / r.probability[lo]!, 0) / rows.length;
  const conclusion =
    `${mutual.length} pair${mutual.length === 1 ? '' : 's'} of classes name each other as nearest` +
    `${mutual.length ? ` (${mutual.map(([a, b]) => `${a} ↔ ${b}`).join(', ')})` : ''};` +
    ` raising T from ${temperatures[0]} to ${Thi}` +
    ` multiplies the nearest wrong class's probability by ${ratio.toFixed(1)} on average:` +
    ' that is the similarity structure a student learns from soft targets and not from labels' +
    `${left}.`;
  return { rows, missing, mutual, conclusion };
}

export const darkKnowledge = lesson<DarkKnowledgeLesson>({
  summary: "soft targets carry dark knowledge: each class's nearest wrong class at T = 1 and 4",
  images: 'all',
  async run(ctx) {
    return darkKnowledgeLesson(ctx.logits(await ctx.teacher()), ctx.labels, await ctx.classNames());
  },
  async report(r, ctx) {
    const all = ctx.allImages ? ' (all of them)' : '';
    return {
      title: `Dark knowledge. ${await teacherLine(ctx)}${all}`,
      blocks: [
        {
          columns: [
            'true class',
            "teacher's nearest wrong class",
            'its mean probability at T = 1',
            'at T = 4',
          ],
          align: ['left', 'left', 'right', 'right'],
          rows: r.rows.map((row) => [
            row.cls,
            row.nearest,
            fmt(row.probability['T=1']!),
            fmt(row.probability['T=4']!),
          ]),
        },
      ],
      conclusion: r.conclusion,
    };
  },
});
