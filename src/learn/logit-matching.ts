// At high T, KD is logit matching (Hinton et al. §2.1): the per-sample soft gradient approaches
// (z_s − z_t)/(N·T²) for zero-mean logits, with an error that falls like 1/T.
import { autogradGrad } from '../autograd/engine.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../autograd/tensor.js';
import { l2Norm as norm } from '../distill/inspect.js';
import { distillationParts } from '../distill/kd.js';
import { lesson, named, teacherLine } from './lesson.js';
import { equalUpToShift, SAME_LOGITS, slope } from './slope.js';

export interface LogitMatchingLesson {
  rows: { T: number; relativeError: number }[];
  /** log-log slope of the relative error against T over the two highest temperatures. */
  slope: number;
  conclusion: string;
}

/**
 * At high T, KD is logit matching: per sample, ∂KL/∂s ≈ (z_s − z_t) / (N·T²) for zero-mean
 * logits z (N classes). The relative error of that approximation against autograd falls like 1/T.
 */
export function logitMatchingLesson(
  student: Tensor,
  teacher: Tensor,
  temperatures = [1, 2, 4, 8, 16, 32, 64],
): LogitMatchingLesson {
  const center = (x: Tensor) => x.sub(x.mean(1, true));
  const zs = noGrad(() => center(student.detach().to('float64')));
  const zt = noGrad(() => center(teacher.detach().to('float64')));
  const [B, N] = zs.shape as [number, number];
  const labels = new Array<number>(B).fill(0);
  const rows = temperatures.map((T) => {
    const s = zs.clone().requiresGrad_();
    const p = distillationParts(s, zt, labels, { temperature: T, alpha: 1 });
    const [g] = autogradGrad(p.kl, [s]);
    // batchmean divides by B: per sample the gradient is B times the batch's
    const exact = g!.mul(B);
    const approx = noGrad(() => zs.sub(zt).div(N * T * T));
    return { T, relativeError: norm(noGrad(() => exact.sub(approx))) / norm(exact) };
  });
  const [y, z] = [rows.at(-2)!, rows.at(-1)!];
  const sl = slope(y.T, y.relativeError, z.T, z.relativeError);
  const first = rows[0]!;
  // the limit is shown when the error falls like 1/T and ends small
  const matches = Math.abs(sl + 1) < 0.2 && z.relativeError < 0.1;
  const fell = z.relativeError < first.relativeError;
  const conclusion = equalUpToShift(student, teacher)
    ? SAME_LOGITS
    : `The relative error of (z_s − z_t)/(N·T²) ${fell ? 'falls' : 'goes'} from ${(100 * first.relativeError).toFixed(1)}%` +
      ` at T = ${first.T} to ${(100 * z.relativeError).toFixed(2)}% at T = ${z.T},` +
      ` as T^${sl.toFixed(2)}${Math.abs(sl + 1) < 0.2 ? ' (≈ 1/T)' : ''}` +
      (matches
        ? ': at high temperature the KD gradient is the gradient of ½‖z_s − z_t‖²/(N·T²) — matching centred logits.'
        : ': over these temperatures the KD gradient is not yet logit matching (the error must fall like 1/T to a few percent).');
  return { rows, slope: sl, conclusion };
}

export const logitMatching = lesson<LogitMatchingLesson>({
  summary: 'at high T, distillation is matching centred logits',
  images: 'sample',
  async run(ctx) {
    return logitMatchingLesson(ctx.logits(await ctx.student()), ctx.logits(await ctx.teacher()));
  },
  async report(r, ctx) {
    const title = `High T is logit matching. ${await teacherLine(ctx)}; student ${named(await ctx.student())}`;
    return {
      title,
      blocks: [
        {
          columns: ['T', 'relative error of (z_s − z_t)/(N·T²)'],
          align: ['right', 'right'],
          rows: r.rows.map((row) => [String(row.T), `${(100 * row.relativeError).toFixed(3)}%`]),
        },
      ],
      conclusion: r.conclusion,
    };
  },
});
