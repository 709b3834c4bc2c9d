// Logit-standardised KD (Sun et al., CVPR 2024): the soft term compares z-scored logits,
//   Z(x) = (x − mean(x)) / sqrt(var(x) + ε²)   per sample (≈ (x − mean) / (std + ε)),
// so the student matches the teacher's logit *shape* rather than its scale:
//   L = α · T² · KL( softmax(Z(t)/T) ‖ softmax(Z(s)/T) ) + (1 − α) · CE(s, y).
import type { Tensor } from '../autograd/tensor.js';
import type { Labels } from '../nn/functional/labels.js';
import {
  checkLogits,
  combine,
  softTerm,
  type KDOptions,
  type KDParts,
  detachedTeacher,
} from './kd.js';
import { isBatch, oneTeacher, type DistillBatch } from './batch.js';
import { asTemperature, checkAlpha, type TemperatureLike, checkOptionKeys } from './temperature.js';

/**
 * Per-row z-score with the unbiased std (as the paper's code). The paper divides by std + ε;
 * we divide by sqrt(var + ε²), equal to it up to ε for std ≫ ε, so that a constant row (std 0,
 * e.g. an untrained student) has a finite gradient instead of sqrt'(0) = ∞ times 0 = NaN.
 */
export function standardizeLogits(x: Tensor, eps = 1e-7): Tensor {
  if (x.ndim !== 2 || x.shape[1]! < 2)
    throw new RangeError(
      `standardizeLogits: expected logits [batch, classes >= 2], got shape [${x.shape.join(', ')}]`,
    );
  return x.sub(x.mean(1, true)).div(
    x
      .var(1, { keepdim: true })
      .add(eps * eps)
      .sqrt(),
  );
}

export class LogitStandardizedDistillationLoss {
  readonly temperature: TemperatureLike;
  readonly alpha: number;
  readonly teacherGrad: boolean;
  readonly probabilityTargets: boolean;
  readonly eps: number;

  constructor(opts: KDOptions & { eps?: number } = {}) {
    const op = 'LogitStandardizedDistillationLoss';
    checkOptionKeys(opts, ['temperature', 'alpha', 'teacherGrad', 'probabilityTargets', 'eps'], op);
    if (
      opts.eps !== undefined &&
      !(typeof opts.eps === 'number' && opts.eps >= 0 && Number.isFinite(opts.eps))
    )
      throw new RangeError(`${op}: eps must be a finite number >= 0, got ${String(opts.eps)}`);
    this.temperature = opts.temperature ?? 2;
    this.alpha = checkAlpha(opts.alpha ?? 0.5, 'LogitStandardizedDistillationLoss');
    this.teacherGrad = opts.teacherGrad ?? false;
    this.probabilityTargets = opts.probabilityTargets ?? false;
    this.eps = opts.eps ?? 1e-7;
    asTemperature(this.temperature, 'float64', 'LogitStandardizedDistillationLoss');
  }

  forward(studentLogits: Tensor, teacherLogits: Tensor, labels: Labels): Tensor {
    return this.parts(studentLogits, teacherLogits, labels).loss;
  }

  parts(batch: DistillBatch): KDParts;
  parts(studentLogits: Tensor, teacherLogits: Tensor, labels: Labels): KDParts;
  parts(studentLogits: Tensor | DistillBatch, teacherLogits?: Tensor, labels?: Labels): KDParts {
    const op = 'LogitStandardizedDistillationLoss';
    if (isBatch(studentLogits)) {
      const b = studentLogits;
      return this.parts(b.student, oneTeacher(b, op), b.labels);
    }
    const teacherIn = teacherLogits as Tensor;
    const labelsIn = labels as Labels;
    const dtype = checkLogits(studentLogits, teacherIn, op);
    const T = asTemperature(this.temperature, dtype, op);
    const teacher = this.teacherGrad ? teacherIn.to(dtype) : detachedTeacher(teacherIn, dtype);
    const teacherLogProbs = standardizeLogits(teacher, this.eps).div(T).logSoftmax(1);
    const soft = softTerm(standardizeLogits(studentLogits, this.eps), teacherLogProbs, T);
    return {
      ...combine(
        soft,
        studentLogits,
        labelsIn,
        T,
        teacherLogProbs,
        this.alpha,
        'LogitStandardizedDistillationLoss',
        this.probabilityTargets,
      ),
      standardized: { eps: this.eps },
    };
  }
}
