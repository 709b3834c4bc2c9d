import type { PaddingMode } from '../data/augment.js';
import { TEMPERATURE_RANGE } from '../distill/temperature.js';
// Training configuration shared by `kdgrad train`, `distill` and `sweep`.
export interface TrainConfig {
  model: string;
  epochs: number;
  batchSize: number;
  /** Peak learning rate (one-cycle), or the constant / initial rate. */
  lr: number;
  optimizer: 'sgd' | 'adam' | 'adamw';
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  schedule: 'onecycle' | 'cosine' | 'constant';
  augment: boolean;
  /** The random crop's padding: torchvision's padding_mode, and the fill colour (pixel values or 'mean'). */
  cropPaddingMode?: PaddingMode;
  cropFill?: number[] | 'mean';
  /** Clip the global gradient norm at this value (0: off). */
  clipGradNorm: number;
  seed: number;
  /** Use only the first N training images (0: all). */
  trainLimit: number;
  /** Evaluate on the first N test images (0: all). */
  testLimit: number;
}

/** Temperatures a training run accepts (T0 of an adaptive schedule included). */
export const T_RANGE = TEMPERATURE_RANGE.float32;

export type KDLossName = 'kd' | 'dkd' | 'lskd';

export interface KDConfig {
  /**
   * kd: Hinton's KD (the seed's three losses: one teacher, the adaptive schedule, several
   * teachers); dkd: decoupled KD (Zhao et al. 2022); lskd: logit-standardised KD (Sun et al. 2024).
   * Absent in run files written before it existed: read as 'kd'.
   */
  loss?: KDLossName;
  temperature: number;
  /** kd and lskd: weight of T²·KL (CE gets 1 − alpha). */
  alpha: number;
  schedule: 'constant' | 'adaptive';
  tempDecay: number;
  minTemp: number;
  average: 'probs' | 'logits';
  /** dkd: weights of TCKD and NCKD, and the warm-up in epochs (mdistiller's defaults 1, 8, 20). */
  dkdAlpha?: number;
  dkdBeta?: number;
  warmup?: number;
  /** lskd: epsilon added to the standard deviation. */
  lskdEps?: number;
}

export const TEACHER_RECIPE: TrainConfig = {
  model: 'vgg-teacher',
  epochs: 30,
  batchSize: 64,
  lr: 0.05,
  optimizer: 'sgd',
  momentum: 0.9,
  nesterov: true,
  weightDecay: 5e-4,
  schedule: 'onecycle',
  augment: true,
  clipGradNorm: 0,
  seed: 0,
  trainLimit: 0,
  testLimit: 0,
};

export const DEFAULT_KD: Required<KDConfig> = {
  loss: 'kd',
  temperature: 4,
  alpha: 0.9,
  schedule: 'constant',
  tempDecay: 0.95,
  minTemp: 1,
  average: 'probs',
  dkdAlpha: 1,
  dkdBeta: 8,
  warmup: 20,
  lskdEps: 1e-7,
};

/** A KD configuration with every field present (defaults for the absent ones), checked. */
export function resolveKD(kd: KDConfig, teachers: number): Required<KDConfig> {
  const c: Required<KDConfig> = { ...DEFAULT_KD, ...kd };
  if (!['kd', 'dkd', 'lskd'].includes(c.loss))
    throw new RangeError(`--loss must be kd, dkd or lskd, got ${c.loss}`);
  // the range where every loss is checked in float32 (test/distill): beyond it the soft term
  // underflows (T → 0) or the float32 KL cancels to noise, even negative (T ≥ 1e5)
  if (!(c.temperature >= T_RANGE[0] && c.temperature <= T_RANGE[1])) {
    throw new RangeError(
      `--temperature must be in [${T_RANGE[0]}, ${T_RANGE[1]}], got ${c.temperature}`,
    );
  }
  if (!(c.alpha >= 0 && c.alpha <= 1))
    throw new RangeError(`--alpha must be in [0, 1], got ${c.alpha}`);
  if (!['constant', 'adaptive'].includes(c.schedule))
    throw new RangeError(`--schedule must be constant or adaptive, got ${c.schedule}`);
  if (!(c.tempDecay > 0) || !Number.isFinite(c.tempDecay))
    throw new RangeError(`--temp-decay must be a number > 0, got ${c.tempDecay}`);
  if (!(c.minTemp >= 0) || !Number.isFinite(c.minTemp))
    throw new RangeError(`--min-temp must be a number >= 0, got ${c.minTemp}`);
  for (const k of ['dkdAlpha', 'dkdBeta', 'warmup', 'lskdEps'] as const) {
    if (!(c[k] >= 0) || !Number.isFinite(c[k]))
      throw new RangeError(`--${kebab(k)} must be a number >= 0, got ${c[k]}`);
  }
  if (teachers > 1 && c.loss !== 'kd') {
    throw new RangeError(
      `several teachers work with --loss kd (averaged as --average probs | logits), not with --loss ${c.loss}`,
    );
  }
  if (teachers > 1 && c.schedule === 'adaptive') {
    throw new RangeError(
      'the adaptive temperature schedule takes one teacher; with several teachers use --schedule constant',
    );
  }
  if (c.loss !== 'kd' && c.schedule === 'adaptive') {
    throw new RangeError(
      `the adaptive temperature schedule is for --loss kd, not --loss ${c.loss}`,
    );
  }
  return c;
}

export function checkConfig(c: TrainConfig): void {
  const pos = (name: keyof TrainConfig, integer = false) => {
    const v = c[name] as number;
    if (!(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v)))
      throw new RangeError(
        `--${kebab(name)} must be a ${integer ? 'positive integer' : 'number > 0'}, got ${v}`,
      );
  };
  pos('epochs', true);
  pos('batchSize', true);
  pos('lr');
  if (!['sgd', 'adam', 'adamw'].includes(c.optimizer))
    throw new RangeError(`--optimizer must be sgd, adam or adamw, got ${c.optimizer}`);
  if (!['onecycle', 'cosine', 'constant'].includes(c.schedule))
    throw new RangeError(`--lr-schedule must be onecycle, cosine or constant, got ${c.schedule}`);
  if (
    c.cropPaddingMode !== undefined &&
    !['constant', 'edge', 'reflect', 'symmetric'].includes(c.cropPaddingMode)
  ) {
    throw new RangeError(
      `--crop-padding-mode must be constant, edge, reflect or symmetric, got ${c.cropPaddingMode}`,
    );
  }
  for (const k of ['weightDecay', 'momentum', 'clipGradNorm', 'trainLimit', 'testLimit'] as const) {
    if (!(c[k] >= 0) || !Number.isFinite(c[k]))
      throw new RangeError(`--${kebab(k)} must be a number >= 0, got ${c[k]}`);
  }
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
