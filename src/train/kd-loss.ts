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
import { MultiTeacherDistillationLoss, TEACHER_AVERAGES } from '../distill/multi-teacher.js';
import { LogitStandardizedDistillationLoss } from '../distill/standardized.js';
import type { KDConfig, ResolvedKD } from './config.js';

/** A row of `kdgrad compare` that a loss contributes (options over DEFAULT_KD and the run's α). */
export interface CompareSpec {
  name: string;
  description: string;
  kd: Partial<KDConfig>;
  /** Distils from every teacher given (default: the first only). */
  allTeachers?: boolean;
}

export interface KDLossEntry {
  /** One line for --loss's help. */
  summary: string;
  /** Takes several teachers (averaged as KDConfig.average says). */
  severalTeachers: boolean;
  /** Takes the adaptive temperature schedule. */
  adaptive: boolean;
  make(kd: ResolvedKD, teachers: number): DistillationObjective;
  /** Its rows in `kdgrad compare`, for this many teachers and epochs per run. */
  compare(teachers: number, epochs: number): CompareSpec[];
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
    compare(teachers, epochs) {
      // coarse to fine: T from 8 down to 1 at the last epoch
      const c2fDecay = epochs > 1 ? (1 / 8) ** (1 / (epochs - 1)) : 1;
      const rows: CompareSpec[] = [
        ...[1, 2, 4].map((T) => ({
          name: `kd-T${T}`,
          description: `KD, T = ${T}`,
          kd: { temperature: T },
        })),
        {
          name: 'adaptive-seed',
          description: "adaptive T, the article's defaults: T0 1, decay 0.95 (no floor)",
          kd: { schedule: 'adaptive', temperature: 1, tempDecay: 0.95, minTemp: 0 },
        },
        {
          name: 'adaptive-c2f',
          description: `coarse to fine: T0 8, decay ${c2fDecay.toFixed(3)}, floor 1`,
          kd: { schedule: 'adaptive', temperature: 8, tempDecay: c2fDecay, minTemp: 1 },
        },
      ];
      if (teachers > 1) {
        for (const average of TEACHER_AVERAGES) {
          rows.push({
            name: `multi-${average}`,
            description: `${teachers} teachers, ${average === 'probs' ? 'probabilities' : 'logits'} averaged, T = 4`,
            kd: { temperature: 4, average },
            allTeachers: true,
          });
        }
      }
      return rows;
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
    // warm-up over the first twelfth of the budget, as mdistiller's 20 of 240 epochs
    compare: (_, epochs) => [
      {
        name: 'dkd',
        description: 'DKD: alpha 1, beta 8, T 4',
        kd: {
          temperature: 4,
          dkdAlpha: 1,
          dkdBeta: 8,
          warmup: Math.max(1, Math.round(epochs / 12)),
        },
      },
    ],
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
    compare: () => [
      { name: 'lskd', description: 'logit-standardised KD, T = 2', kd: { temperature: 2 } },
    ],
  },
};

/** The loss for a resolved configuration (see resolveKD) and the number of teachers. */
export function makeKDLoss(kd: ResolvedKD, teachers: number): DistillationObjective {
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
