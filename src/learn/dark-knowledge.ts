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
  /**
   * Per class at the lowest T, the nearest wrong class's mean probability over the mean of the
   * other wrong classes', averaged over classes: about 1 when the teacher finds no wrong class
   * closer than another, large when it singles one out.
   */
  structure: number;
  /** Test images the teacher classifies correctly (the ratios below are over them). */
  correct: number;
  /**
   * Per T, over correctly classified images: the mean wrong-class mass 1 − p_y, and the medians of
   * the largest wrong probability over the mean of the other wrong ones, and of the largest wrong
   * probability over the smallest.
   */
  ratios: { T: number; wrongMass: number; nearestOverRest: number; largestOverSmallest: number }[];
  conclusion: string;
}

const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};

/** The wrong-class ratios of one T over the rows of probabilities whose argmax is the label. */
function wrongRatios(probs: number[][], labels: ArrayLike<number>, T: number) {
  const mass: number[] = [];
  const nearest: number[] = [];
  const spread: number[] = [];
  probs.forEach((row, i) => {
    const y = labels[i]!;
    if (row.indexOf(Math.max(...row)) !== y) return;
    const wrong = row.filter((_, k) => k !== y).sort((a, b) => b - a);
    const top = wrong[0]!;
    const rest = wrong.slice(1);
    mass.push(1 - row[y]!);
    nearest.push(top / (rest.reduce((a, b) => a + b, 0) / rest.length));
    spread.push(top / wrong.at(-1)!);
  });
  const n = mass.length;
  return {
    T,
    wrongMass: n ? mass.reduce((a, b) => a + b, 0) / n : NaN,
    nearestOverRest: n ? median(nearest) : NaN,
    largestOverSmallest: n ? median(spread) : NaN,
  };
}

/** What raising T did, from the ratios at the lowest and the highest T (10% counts as a change). */
function reading(r0: WrongRatios, r1: WrongRatios, structured: boolean): string {
  const changed =
    r1.wrongMass > 1.1 * r0.wrongMass && r1.largestOverSmallest < 0.9 * r0.largestOverSmallest;
  if (!changed)
    return ' Here a higher T changed the wrong-class mass and the ratios by less than 10%.';
  if (!structured)
    return ' A higher T flattens the ratios and raises the wrong-class mass, but there is little structure for it to reveal.';
  return (
    ' A higher T keeps the order of the wrong classes (softmax is monotonic) but flattens' +
    ' their ratios and gives them more mass: the similarities become large enough to weigh' +
    ' in the loss, not plainer.'
  );
}

type WrongRatios = ReturnType<typeof wrongRatios>;

const times = (v: number) =>
  v >= 1000 ? `${Math.round(v).toLocaleString('en-US')}×` : `${v.toPrecision(2)}×`;

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
  const correct = Array.from(labels).filter((y, i) => {
    const row = byT[temperatures[0]!]![i]!;
    return row.indexOf(Math.max(...row)) === y;
  }).length;
  const ratios = temperatures.map((T) => wrongRatios(byT[T]!, labels, T));
  const structureOf = (c: number, nearest: number) => {
    const m = mean(temperatures[0]!, c);
    const others = m.filter((_, k) => k !== c && k !== nearest);
    return m[nearest]! / (others.reduce((x, y) => x + y, 0) / others.length);
  };
  const structure = rows.length
    ? rows.reduce(
        (acc, r) => acc + structureOf(names.indexOf(r.cls), names.indexOf(r.nearest)),
        0,
      ) / rows.length
    : NaN;
  const base = { rows, missing, mutual, structure, correct, ratios };
  if (rows.length < 2 || C < 3) {
    const conclusion = `Inconclusive: ${rows.length} of ${C} classes have images among the ${labels.length} used (${missing.join(', ') || 'and fewer than 3 classes'} have none); use more images.`;
    return { ...base, conclusion };
  }
  const left = missing.length
    ? ` (${missing.length} class${missing.length === 1 ? '' : 'es'} without images left out: ${missing.join(', ')})`
    : '';
  const pairs =
    `${mutual.length} pair${mutual.length === 1 ? '' : 's'} of classes name each other as nearest` +
    `${mutual.length ? ` (${mutual.map(([a, b]) => `${a} ↔ ${b}`).join(', ')})` : ''}`;
  // a wrong class singled out: twice the mean of the others, per class on average
  const structured = structure >= 2;
  const found = structured
    ? `${pairs}; at ${lo.replace('=', ' = ')} each class's nearest wrong class gets ${times(structure)} the` +
      ` probability of the other wrong classes on average: the teacher finds some classes alike${left}.`
    : `The teacher singles out no wrong class: the nearest gets ${times(structure)} the probability of` +
      ` the other wrong classes on average (1× is no preference), so its soft targets carry little` +
      ` similarity structure here${left}.`;
  const [r0, r1] = [ratios[0]!, ratios.at(-1)!];
  const effect = !correct
    ? ' No test image is classified correctly, so what T does to the wrong-class ratios is not measured.'
    : ` On the ${correct} correctly classified images, raising T from ${r0.T} to ${r1.T} moves the` +
      ` wrong-class mass from ${r0.wrongMass.toFixed(2)} to ${r1.wrongMass.toFixed(2)}; the median` +
      ` ratio of the largest wrong probability to the mean of the others goes from` +
      ` ${times(r0.nearestOverRest)} to ${times(r1.nearestOverRest)}, and of the largest to the` +
      ` smallest from ${times(r0.largestOverSmallest)} to ${times(r1.largestOverSmallest)}.` +
      reading(r0, r1, structured);
  return { ...base, conclusion: found + effect };
}

export const darkKnowledge = lesson<DarkKnowledgeLesson>({
  summary:
    "soft targets carry dark knowledge: each class's nearest wrong class, and what T does to the wrong-class ratios",
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
        {
          columns: [
            'T',
            'wrong-class mass (correct images)',
            'largest wrong ÷ mean of other wrong (median)',
            'largest wrong ÷ smallest wrong (median)',
          ],
          align: ['right', 'right', 'right', 'right'],
          rows: r.ratios.map((x) => [
            String(x.T),
            fmt(x.wrongMass),
            times(x.nearestOverRest),
            times(x.largestOverSmallest),
          ]),
        },
      ],
      conclusion: r.conclusion,
    };
  },
});
