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
  /** Clip the global gradient norm at this value (0: off). */
  clipGradNorm: number;
  seed: number;
  /** Use only the first N training images (0: all). */
  trainLimit: number;
  /** Evaluate on the first N test images (0: all). */
  testLimit: number;
}

export interface KDConfig {
  temperature: number;
  alpha: number;
  schedule: 'constant' | 'adaptive';
  tempDecay: number;
  minTemp: number;
  average: 'probs' | 'logits';
}

export const TEACHER_RECIPE: TrainConfig = {
  model: 'vgg-teacher', epochs: 30, batchSize: 64, lr: 0.05, optimizer: 'sgd', momentum: 0.9, nesterov: true,
  weightDecay: 5e-4, schedule: 'onecycle', augment: true, clipGradNorm: 0, seed: 0, trainLimit: 0, testLimit: 0,
};

export const DEFAULT_KD: KDConfig = {
  temperature: 4, alpha: 0.9, schedule: 'constant', tempDecay: 0.95, minTemp: 1, average: 'probs',
};

export function checkConfig(c: TrainConfig): void {
  const pos = (name: keyof TrainConfig, integer = false) => {
    const v = c[name] as number;
    if (!(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v))) throw new RangeError(`--${kebab(name)} must be a ${integer ? 'positive integer' : 'number > 0'}, got ${v}`);
  };
  pos('epochs', true);
  pos('batchSize', true);
  pos('lr');
  if (!['sgd', 'adam', 'adamw'].includes(c.optimizer)) throw new RangeError(`--optimizer must be sgd, adam or adamw, got ${c.optimizer}`);
  if (!['onecycle', 'cosine', 'constant'].includes(c.schedule)) throw new RangeError(`--lr-schedule must be onecycle, cosine or constant, got ${c.schedule}`);
  for (const k of ['weightDecay', 'momentum', 'clipGradNorm', 'trainLimit', 'testLimit'] as const) {
    if (!(c[k] >= 0) || !Number.isFinite(c[k])) throw new RangeError(`--${kebab(k)} must be a number >= 0, got ${c[k]}`);
  }
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
