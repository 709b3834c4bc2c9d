// The article's MultiTeacherDistillationLoss: one student, K teachers.
//   average 'probs' (the article's): p̄ = Σ_k w_k softmax(t_k/T), computed as
//       log p̄ = logsumexp_k( log w_k + logSoftmax(t_k/T) )  (stable: no log of a sum of probabilities)
//   average 'logits':             p̄ = softmax( (Σ_k w_k t_k) / T )
// then L = α · T² · KL(p̄ ‖ softmax(s/T)) + (1 − α) · CE(s, y). Weights are normalised to sum 1.
import { tensor } from '../autograd/creation.js';
import { stack } from '../autograd/ops/shape.js';
import { Tensor } from '../autograd/tensor.js';
import type { Labels } from '../nn/functional/labels.js';
import { formatShape, isList } from '../tensor/shape.js';
import { isBatch, type DistillBatch } from './batch.js';
import { checkLogits, combine, softTerm, type KDParts, detachedTeacher } from './kd.js';
import { asTemperature, checkAlpha, type TemperatureLike, checkOptionKeys } from './temperature.js';

/** How several teachers' targets combine. */
export const TEACHER_AVERAGES = ['probs', 'logits'] as const;
export type TeacherAverage = (typeof TEACHER_AVERAGES)[number];

export interface MultiTeacherOptions {
  temperature?: TemperatureLike;
  alpha?: number;
  /** One non-negative weight per teacher (normalised); default: equal weights. */
  weights?: readonly number[];
  /** Average the teachers' probabilities (the article's choice) or their logits. */
  average?: TeacherAverage;
  teacherGrad?: boolean;
  /** See KDOptions.probabilityTargets. */
  probabilityTargets?: boolean;
}

export class MultiTeacherDistillationLoss {
  readonly temperature: TemperatureLike;
  readonly alpha: number;
  readonly weights: readonly number[] | undefined;
  readonly average: TeacherAverage;
  readonly teacherGrad: boolean;
  readonly probabilityTargets: boolean;

  constructor(opts: MultiTeacherOptions = {}) {
    const op = 'MultiTeacherDistillationLoss';
    checkOptionKeys(
      opts,
      ['temperature', 'alpha', 'weights', 'average', 'teacherGrad', 'probabilityTargets'],
      op,
    );
    this.temperature = opts.temperature ?? 1;
    this.alpha = checkAlpha(opts.alpha ?? 0.5, op);
    this.average = opts.average ?? 'probs';
    if (!TEACHER_AVERAGES.includes(this.average))
      throw new RangeError(
        `${op}: average must be 'probs' or 'logits', got ${JSON.stringify(this.average)}`,
      );
    if (opts.weights) normalizeWeights(opts.weights, opts.weights.length, op);
    this.weights = opts.weights;
    this.teacherGrad = opts.teacherGrad ?? false;
    this.probabilityTargets = opts.probabilityTargets ?? false;
    asTemperature(this.temperature, 'float64', op);
  }

  forward(studentLogits: Tensor, teacherLogitsList: readonly Tensor[], labels: Labels): Tensor {
    return this.parts(studentLogits, teacherLogitsList, labels).loss;
  }

  parts(batch: DistillBatch): KDParts;
  parts(studentLogits: Tensor, teacherLogitsList: readonly Tensor[], labels: Labels): KDParts;
  parts(
    studentLogits: Tensor | DistillBatch,
    teacherLogitsList: readonly Tensor[] = [],
    labels?: Labels,
  ): KDParts {
    if (isBatch(studentLogits)) {
      const b = studentLogits;
      return this.parts(b.student, b.teachers, b.labels);
    }
    const y = labels as Labels;
    const op = 'MultiTeacherDistillationLoss';
    if (!isList(teacherLogitsList) || teacherLogitsList.length === 0)
      throw new RangeError(`${op}: expected a non-empty list of teacher logits`);
    teacherLogitsList.forEach((t, k) => {
      if (!(t instanceof Tensor) || t.shape.join() !== studentLogits.shape.join()) {
        throw new RangeError(
          `${op}: teacher ${k} logits ${t instanceof Tensor ? formatShape(t.shape) : String(t)} and student logits ${formatShape(studentLogits.shape)} must have the same shape`,
        );
      }
    });
    const dtype = checkLogits(studentLogits, teacherLogitsList[0]!, op);
    const K = teacherLogitsList.length;
    const w = normalizeWeights(this.weights ?? new Array<number>(K).fill(1), K, op);
    const T = asTemperature(this.temperature, dtype, op);
    const teachers = teacherLogitsList.map((t, k) =>
      this.teacherGrad
        ? t.to(dtype)
        : detachedTeacher(t, dtype, `t${k + 1} (teacher ${k + 1} logits)`),
    );
    let teacherLogProbs: Tensor;
    if (this.average === 'logits') {
      const mean = teachers.map((t, k) => t.mul(w[k]!)).reduce((a, b) => a.add(b));
      teacherLogProbs = mean.div(T).logSoftmax(1);
    } else {
      const logW = tensor(
        w.map((v) => (v > 0 ? Math.log(v) : -Infinity)),
        { dtype },
      ).reshape(K, 1, 1);
      teacherLogProbs = stack(teachers.map((t) => t.div(T).logSoftmax(1)))
        .add(logW)
        .logsumexp(0);
    }
    teacherLogProbs.withLabel(`log p̄ (${this.average})`);
    return combine(
      softTerm(studentLogits, teacherLogProbs, T),
      studentLogits,
      y,
      T,
      teacherLogProbs,
      this.alpha,
      'MultiTeacherDistillationLoss',
      this.probabilityTargets,
    );
  }
}

/** Checks one finite weight >= 0 per teacher, not all zero, and returns them summing to 1. */
export function normalizeWeights(weights: readonly number[], K: number, op: string): number[] {
  if (weights.length !== K)
    throw new RangeError(`${op}: got ${weights.length} weights for ${K} teachers`);
  weights.forEach((v, k) => {
    if (!(v >= 0) || !Number.isFinite(v))
      throw new RangeError(`${op}: weight ${k} must be a finite number >= 0, got ${v}`);
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) throw new RangeError(`${op}: teacher weights sum to 0`);
  return weights.map((v) => v / sum);
}
