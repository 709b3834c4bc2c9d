// The distillation losses a training run can use, one entry each: name → what it is, what it
// accepts and how to build it from a resolved KDConfig. `--loss`, its help, the option checks and
// the trainer read this table; every loss answers the same parts({ student, teachers, labels,
// epoch }), so the trainer treats them alike. Adding a loss: its file in src/distill, one entry
// here, and its own options (if any) in KD_FIELDS (config.ts) with the losses they apply to.
import type { Tensor } from '../autograd/tensor.js';
import { AdaptiveDistillationLoss } from '../distill/adaptive.js';
import type { DistillationObjective, DistillParts } from '../distill/batch.js';
import { DecoupledDistillationLoss } from '../distill/dkd.js';
import { DistillationLoss } from '../distill/kd.js';
import { MultiTeacherDistillationLoss } from '../distill/multi-teacher.js';
import { LogitStandardizedDistillationLoss } from '../distill/standardized.js';
import type { KDConfig } from './config.js';

export interface KDLossEntry {
  /** One line for --loss's help. */
  summary: string;
  /** Takes several teachers (averaged as KDConfig.average says). */
  severalTeachers: boolean;
  /** Takes the adaptive temperature schedule. */
  adaptive: boolean;
  make(kd: Required<KDConfig>, teachers: number): DistillationObjective;
}

/** The losses by name (the table below has an entry for each). */
export const KD_LOSS_NAMES = ['kd', 'dkd', 'lskd'] as const;
export type KDLossName = (typeof KD_LOSS_NAMES)[number];

export const KD_LOSSES: Record<KDLossName, KDLossEntry> = {
  kd: {
    summary:
      "Hinton's KD: the article's losses, one teacher, the adaptive schedule, several teachers",
    severalTeachers: true,
    adaptive: true,
    make(kd, teachers) {
      const { temperature, alpha } = kd;
      if (teachers > 1)
        return new MultiTeacherDistillationLoss({ temperature, alpha, average: kd.average });
      if (kd.schedule === 'adaptive') {
        const { tempDecay, minTemp } = kd;
        return new AdaptiveDistillationLoss({
          initialTemp: temperature,
          tempDecay,
          minTemp,
          alpha,
        });
      }
      return new DistillationLoss({ temperature, alpha });
    },
  },
  dkd: {
    summary: 'decoupled KD (Zhao et al. 2022)',
    severalTeachers: false,
    adaptive: false,
    make: (kd) =>
      new DecoupledDistillationLoss({
        temperature: kd.temperature,
        alpha: kd.dkdAlpha,
        beta: kd.dkdBeta,
        warmup: kd.warmup,
      }),
  },
  lskd: {
    summary: 'logit-standardised KD (Sun et al. 2024)',
    severalTeachers: false,
    adaptive: false,
    make: (kd) =>
      new LogitStandardizedDistillationLoss({
        temperature: kd.temperature,
        alpha: kd.alpha,
        eps: kd.lskdEps,
      }),
  },
};

/** The loss for a resolved configuration (see resolveKD) and the number of teachers. */
export function makeKDLoss(kd: Required<KDConfig>, teachers: number): DistillationObjective {
  return KD_LOSSES[kd.loss].make(kd, teachers);
}

/** The parts of one batch (`epoch` counted from 0), as every loss gives them. */
export function kdLossParts(
  loss: DistillationObjective,
  student: Tensor,
  teachers: Tensor[],
  labels: Int32Array,
  epoch: number,
): DistillParts {
  return loss.parts({ student, teachers, labels, epoch });
}
