// The gradient through T: dL/dT by autograd against its closed form, and what descent on T does
// when the loss the student minimises is minimised over T as well.
import { tensor } from '../autograd/creation.js';
import type { Tensor } from '../autograd/tensor.js';
import { gradientReport } from '../distill/inspect.js';
import { distillationParts } from '../distill/kd.js';
import { Adam } from '../nn/optim/adam.js';
import { Parameter } from '../nn/parameter.js';
import { fmt, lesson, named, teacherLine } from './lesson.js';
import { equalUpToShift, SAME_LOGITS } from './slope.js';

export interface LearnedTLesson {
  /** dL/dT by autograd and by the closed form (docs/derivations.md §6), with and without T², per T. */
  rows: {
    T: number;
    kl: number;
    softLoss: number;
    dKLdT: number;
    dSoftdT: number;
    closedFormError: number;
  }[];
  /** Plain descent on log T from `start`, once on KL and once on T²·KL, the logits fixed. */
  descent: { scaled: boolean; path: { step: number; T: number; loss: number }[] }[];
  /** Adam's learning rate on θ = log T. */
  lr: number;
  conclusion: string;
}

/**
 * The gradient through T, and what learning T does. dL/dT is checked against its closed form;
 * then T = exp(θ) is learned by Adam on θ with the logits fixed. Descent on the loss the student
 * minimises drives T to an end of its range: up without T² (KL → 0 as T → ∞), down with it
 * (T²·KL → 0 as T → 0 when the argmaxes agree, and like T·margin when they do not).
 */
export function learnedTLesson(
  student: Tensor,
  teacher: Tensor,
  labels: number[] | Int32Array,
  o: { temperatures?: number[]; start?: number; steps?: number; lr?: number } = {},
): LearnedTLesson {
  const s = student.detach().to('float64');
  const t = teacher.detach().to('float64');
  const rows = (o.temperatures ?? [0.5, 1, 2, 4, 8, 16, 32]).map((Tv) => {
    const T = tensor(Tv, { dtype: 'float64' }).requiresGrad_();
    const sg = s.clone().requiresGrad_();
    const parts = distillationParts(sg, t, labels, { temperature: T, alpha: 1 });
    const r = gradientReport(parts, sg, labels, t);
    return {
      T: Tv,
      kl: parts.kl.item(),
      softLoss: parts.softLoss.item(),
      dKLdT: r.dLdTUnscaled,
      dSoftdT: r.dLdT,
      closedFormError: Math.max(
        Math.abs(r.dLdT - r.closedForm.dLdT!) / Math.max(Math.abs(r.dLdT), 1e-300),
        Math.abs(r.dLdTUnscaled - r.closedForm.dLdTUnscaled!) /
          Math.max(Math.abs(r.dLdTUnscaled), 1e-300),
      ),
    };
  });
  const start = o.start ?? 4;
  const steps = o.steps ?? 200;
  const lr = o.lr ?? 0.05;
  const descent = [false, true].map((scaled) => {
    const theta = new Parameter(tensor(Math.log(start), { dtype: 'float64' }));
    const opt = new Adam([theta], { lr });
    const path: { step: number; T: number; loss: number }[] = [];
    for (let step = 0; step <= steps; step++) {
      const T = theta.exp();
      const parts = distillationParts(s, t, labels, { temperature: T, alpha: 1 });
      const loss = scaled ? parts.softLoss : parts.kl;
      const shown = step % Math.max(1, Math.round(steps / 8)) === 0 || step === steps;
      if (shown) path.push({ step, T: T.item(), loss: loss.item() });
      if (step === steps) break;
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
    return { scaled, path };
  });
  const worst = Math.max(...rows.map((r) => r.closedFormError));
  const move = (d: (typeof descent)[number]) => {
    const [a, b] = [d.path[0]!, d.path.at(-1)!];
    const dir = b.T > a.T ? 'up' : 'down';
    return (
      `${d.scaled ? 'T²·KL' : 'KL'}: T ${dir} from ${a.T} to ${b.T.toPrecision(3)},` +
      ` loss ${a.loss.toPrecision(3)} → ${b.loss.toPrecision(3)}`
    );
  };
  const [plain, scaled] = descent as [(typeof descent)[0], (typeof descent)[0]];
  const opposite = plain.path.at(-1)!.T > start !== scaled.path.at(-1)!.T > start;
  const agree =
    worst < 1e-8
      ? `Autograd's dL/dT matches the closed form to ${worst.toExponential(1)} (relative) at every T.`
      : `Autograd's dL/dT and the closed form differ by up to ${worst.toExponential(1)} (relative): check the inputs (float64 logits).`;
  const conclusion = equalUpToShift(s, t)
    ? SAME_LOGITS
    : agree +
      ` Descent on T, the logits fixed — ${move(plain)}; ${move(scaled)}.` +
      (opposite
        ? " The two losses send T opposite ways, each towards the end where it vanishes: minimising the student's loss" +
          ' over T finds a degenerate temperature, so a learned T needs another objective (CTKD, for one, learns it' +
          ' adversarially, within bounds).'
        : ' Both losses moved T the same way here.');
  return { rows, descent, lr, conclusion };
}

export const learnedT = lesson<LearnedTLesson>({
  summary: 'dL/dT against its closed form, and where descent on T runs',
  images: 'sample',
  async run(ctx) {
    return learnedTLesson(
      ctx.logits(await ctx.student()),
      ctx.logits(await ctx.teacher()),
      ctx.labels,
    );
  },
  async report(r, ctx) {
    const [a, b] = r.descent as [LearnedDescent, LearnedDescent];
    return {
      title: `The gradient through T. ${await teacherLine(ctx)}; student ${named(await ctx.student())}`,
      blocks: [
        {
          columns: [
            'T',
            'KL',
            'T²·KL',
            'dKL/dT',
            'd(T²·KL)/dT',
            'autograd vs closed form (relative)',
          ],
          align: ['right', 'right', 'right', 'right', 'right', 'right'],
          rows: r.rows.map((row) => [
            String(row.T),
            fmt(row.kl),
            fmt(row.softLoss),
            fmt(row.dKLdT),
            fmt(row.dSoftdT),
            row.closedFormError.toExponential(1),
          ]),
        },
        `Descent on T = exp(θ) (Adam on θ, lr ${r.lr}), the logits fixed:`,
        {
          columns: ['step', 'T (minimising KL)', 'KL', 'T (minimising T²·KL)', 'T²·KL'],
          align: ['right', 'right', 'right', 'right', 'right'],
          rows: a.path.map((p, i) => {
            const q = b.path[i]!;
            return [String(p.step), fmt(p.T), fmt(p.loss), fmt(q.T), fmt(q.loss)];
          }),
        },
      ],
      conclusion: r.conclusion,
    };
  },
});

type LearnedDescent = LearnedTLesson['descent'][number];
