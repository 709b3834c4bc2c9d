// Why T²: the soft gradient ‖∂KL/∂s‖ falls like 1/T² at high T (not at low T), so the soft term is
// multiplied by T² to keep its weight against cross-entropy as T changes.
import { autogradGrad } from '../autograd/engine.js';
import type { Tensor } from '../autograd/tensor.js';
import { l2Norm as norm } from '../distill/inspect.js';
import { distillationParts } from '../distill/kd.js';
import { fmt, lesson, teacherLine, named } from './lesson.js';
import { equalUpToShift, SAME_LOGITS, slope } from './slope.js';

export interface TSquaredLesson {
  rows: { T: number; softUnscaled: number; softScaled: number }[];
  /** log-log slope of ‖∂KL/∂s‖ against T over the two lowest and the two highest temperatures. */
  lowSlope: number;
  highSlope: number;
  /** max / min of ‖∂(T²·KL)/∂s‖ over the high-T half of the rows. */
  scaledSpreadHigh: number;
  conclusion: string;
}

/**
 * Why T²: the soft gradient ‖∂KL/∂s‖ falls like 1/T² at high T — not at low T — while the
 * T²-scaled one levels off, so T² keeps the soft term's weight against CE as T changes.
 */
export function tSquaredLesson(
  student: Tensor,
  teacher: Tensor,
  labels: number[] | Int32Array,
  temperatures = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
): TSquaredLesson {
  const s = student.detach().to('float64').requiresGrad_();
  const t = teacher.detach().to('float64');
  const rows = temperatures.map((T) => {
    const p = distillationParts(s, t, labels, { temperature: T, alpha: 1 });
    const [g] = autogradGrad(p.kl, [s], { retainGraph: true });
    const u = norm(g!);
    return { T, softUnscaled: u, softScaled: u * T * T };
  });
  const [a, b] = [rows[0]!, rows[1]!];
  const [y, z] = [rows.at(-2)!, rows.at(-1)!];
  const lowSlope = slope(a.T, a.softUnscaled, b.T, b.softUnscaled);
  const highSlope = slope(y.T, y.softUnscaled, z.T, z.softUnscaled);
  const high = rows.slice(Math.floor(rows.length / 2)).map((r) => r.softScaled);
  const scaledSpreadHigh = Math.max(...high) / Math.min(...high);
  const f = (v: number) => v.toFixed(2);
  const from = rows[Math.floor(rows.length / 2)]!.T;
  // the 1/T² law within 0.15 of the exponent; "levelled" within ×1.5 over the upper half
  const highLaw = Math.abs(highSlope + 2) < 0.15;
  const lowLaw = Math.abs(lowSlope + 2) < 0.3;
  const levelled = scaledSpreadHigh < 1.5;
  const law =
    `From T = ${y.T} to ${z.T} the unscaled soft gradient falls as T^${f(highSlope)}` +
    `${highLaw ? ' (≈ 1/T²)' : ''}, while from T = ${a.T} to ${b.T} it goes as T^${f(lowSlope)}` +
    `${highLaw && !lowLaw ? ' — the 1/T² law holds only at high T' : ''}.` +
    ` Multiplied by T², the gradient varies by ×${f(scaledSpreadHigh)} over T ≥ ${from}`;
  let reading: string;
  if (!highLaw)
    reading =
      ': these temperatures do not reach the regime where the soft gradient falls as 1/T²' +
      ' (it needs T well above the logits’ spread), so they do not show what T² is for.';
  else if (levelled)
    reading = ": T² keeps the soft term's scale there, so α means the same at any high T.";
  else
    reading =
      ': T² does not yet level it over these temperatures, so α still means different things' +
      ' across them.';
  const conclusion = equalUpToShift(student, teacher) ? SAME_LOGITS : law + reading;
  return { rows, lowSlope, highSlope, scaledSpreadHigh, conclusion };
}

export const tSquared = lesson<TSquaredLesson>({
  summary: 'why T²: the soft gradient against T, with and without T²',
  images: 'sample',
  async run(ctx) {
    return tSquaredLesson(
      ctx.logits(await ctx.student()),
      ctx.logits(await ctx.teacher()),
      ctx.labels,
    );
  },
  async report(r, ctx) {
    return {
      title: `Why T²? ${await teacherLine(ctx)}; student ${named(await ctx.student())}`,
      blocks: [
        {
          columns: ['T', '‖∂KL/∂s‖', '‖∂(T²·KL)/∂s‖'],
          align: ['right', 'right', 'right'],
          rows: r.rows.map((row) => [String(row.T), fmt(row.softUnscaled), fmt(row.softScaled)]),
        },
      ],
      conclusion: r.conclusion,
    };
  },
});
