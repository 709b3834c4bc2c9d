// The distillation loss a training run uses, built from its KDConfig, and one call that gives
// every kind's parts in the same shape (for the trainer's running sums).
import type { Tensor } from '../autograd/tensor.js';
import { AdaptiveDistillationLoss } from '../distill/adaptive.js';
import { DecoupledDistillationLoss } from '../distill/dkd.js';
import { DistillationLoss } from '../distill/kd.js';
import { MultiTeacherDistillationLoss } from '../distill/multi-teacher.js';
import { LogitStandardizedDistillationLoss } from '../distill/standardized.js';
import type { KDConfig } from './config.js';

export type KDLoss =
  | DistillationLoss
  | AdaptiveDistillationLoss
  | MultiTeacherDistillationLoss
  | DecoupledDistillationLoss
  | LogitStandardizedDistillationLoss;

export interface LossParts {
  loss: Tensor;
  hardLoss: Tensor;
  /** The distillation term as it enters the loss, as a number (kd, lskd: T²·KL; dkd: the warmed-up DKD term). */
  soft(): number;
}

/** The loss for a resolved configuration (see resolveKD) and the number of teachers. */
export function makeKDLoss(kd: Required<KDConfig>, teachers: number): KDLoss {
  switch (kd.loss) {
    case 'dkd':
      return new DecoupledDistillationLoss({
        temperature: kd.temperature,
        alpha: kd.dkdAlpha,
        beta: kd.dkdBeta,
        warmup: kd.warmup,
      });
    case 'lskd':
      return new LogitStandardizedDistillationLoss({
        temperature: kd.temperature,
        alpha: kd.alpha,
        eps: kd.lskdEps,
      });
    case 'kd':
      if (teachers > 1)
        return new MultiTeacherDistillationLoss({
          temperature: kd.temperature,
          alpha: kd.alpha,
          average: kd.average,
        });
      if (kd.schedule === 'adaptive') {
        const { temperature: initialTemp, tempDecay, minTemp, alpha } = kd;
        return new AdaptiveDistillationLoss({ initialTemp, tempDecay, minTemp, alpha });
      }
      return new DistillationLoss({ temperature: kd.temperature, alpha: kd.alpha });
  }
}

/**
 * Parts of one batch. `epoch` is 0-based here; DKD's warm-up gets epoch + 1, because mdistiller
 * counts training epochs from 1 (its first epoch has weight 1/warmup, not 0).
 */
export function kdLossParts(
  loss: KDLoss,
  student: Tensor,
  teachers: Tensor[],
  labels: Int32Array,
  epoch: number,
): LossParts {
  if (loss instanceof DecoupledDistillationLoss) {
    const p = loss.parts(student, teachers[0]!, labels, epoch + 1);
    return { loss: p.loss, hardLoss: p.hardLoss, soft: () => p.loss.item() - p.hardLoss.item() };
  }
  const p =
    loss instanceof MultiTeacherDistillationLoss
      ? loss.parts(student, teachers, labels)
      : loss instanceof AdaptiveDistillationLoss
        ? loss.parts(student, teachers[0]!, labels, epoch)
        : loss.parts(student, teachers[0]!, labels);
  return { loss: p.loss, hardLoss: p.hardLoss, soft: () => p.softLoss.item() };
}
