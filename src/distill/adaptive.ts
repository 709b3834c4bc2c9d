// The article's AdaptiveDistillationLoss: the standard loss at T_e = max(minTemp, T0 · decay^e).
import type { Tensor } from '../autograd/tensor.js';
import type { Labels } from '../nn/functional/labels.js';
import { isBatch, oneTeacher, type DistillBatch } from './batch.js';
import { distillationParts, type KDParts } from './kd.js';
import { adaptiveTemperature, checkAlpha, checkOptionKeys } from './temperature.js';

export interface AdaptiveKDOptions {
  /** T0 (seed default 1). */
  initialTemp?: number;
  /** Per-epoch factor (seed default 0.95). */
  tempDecay?: number;
  alpha?: number;
  /** Floor for T (default 0 reproduces the article; 1 keeps targets soft). */
  minTemp?: number;
  teacherGrad?: boolean;
  /** See KDOptions.probabilityTargets. */
  probabilityTargets?: boolean;
}

export class AdaptiveDistillationLoss {
  readonly initialTemp: number;
  readonly tempDecay: number;
  readonly alpha: number;
  readonly minTemp: number;
  readonly teacherGrad: boolean;
  readonly probabilityTargets: boolean;

  constructor(opts: AdaptiveKDOptions = {}) {
    checkOptionKeys(
      opts,
      ['initialTemp', 'tempDecay', 'alpha', 'minTemp', 'teacherGrad', 'probabilityTargets'],
      'AdaptiveDistillationLoss',
    );
    this.initialTemp = opts.initialTemp ?? 1;
    this.tempDecay = opts.tempDecay ?? 0.95;
    this.minTemp = opts.minTemp ?? 0;
    this.alpha = checkAlpha(opts.alpha ?? 0.5, 'AdaptiveDistillationLoss');
    this.teacherGrad = opts.teacherGrad ?? false;
    this.probabilityTargets = opts.probabilityTargets ?? false;
    adaptiveTemperature(this.initialTemp, this.tempDecay, 0, this.minTemp); // validates
  }

  /** T at an epoch: max(minTemp, initialTemp · tempDecay^epoch). */
  temperatureAt(epoch: number): number {
    return adaptiveTemperature(this.initialTemp, this.tempDecay, epoch, this.minTemp);
  }

  forward(studentLogits: Tensor, teacherLogits: Tensor, labels: Labels, epoch: number): Tensor {
    return this.parts(studentLogits, teacherLogits, labels, epoch).loss;
  }

  parts(batch: DistillBatch): KDParts;
  parts(studentLogits: Tensor, teacherLogits: Tensor, labels: Labels, epoch: number): KDParts;
  parts(
    studentLogits: Tensor | DistillBatch,
    teacherLogits?: Tensor,
    labels?: Labels,
    epoch?: number,
  ): KDParts {
    if (isBatch(studentLogits)) {
      const b = studentLogits;
      const t = oneTeacher(b, 'AdaptiveDistillationLoss');
      return this.parts(b.student, t, b.labels, b.epoch ?? 0);
    }
    return distillationParts(studentLogits, teacherLogits!, labels!, {
      temperature: this.temperatureAt(epoch!),
      alpha: this.alpha,
      teacherGrad: this.teacherGrad,
      probabilityTargets: this.probabilityTargets,
      op: 'AdaptiveDistillationLoss',
    });
  }
}
