// The knowledge-distillation loss of the article (Hinton et al. 2015), as graph ops:
//   L = α · T² · KL_batchmean( softmax(t/T) ‖ softmax(s/T) ) + (1 − α) · CE(s, y)
// with s the student logits, t the teacher logits, y the labels. The KL is taken between
// log-softmaxes (never log(softmax)), T² is its own node, and the teacher is detached.
import { Tensor } from '../autograd/tensor.js';
import { crossEntropy, klDiv } from '../nn/functional/loss.js';
import type { Labels } from '../nn/functional/labels.js';
import { formatShape } from '../tensor/shape.js';
import { isFloat, type FloatDType } from '../tensor/dtype.js';
import { isBatch, oneTeacher, type DistillBatch } from './batch.js';
import { asTemperature, checkAlpha, type TemperatureLike, checkOptionKeys } from './temperature.js';

/** Every part of a KD loss as graph tensors: read their .grad after backward (retainGrad is on). */
export interface KDParts {
  /** The total loss α · softLoss + (1 − α) · hardLoss (a scalar). */
  loss: Tensor;
  /** T² · KL: the scaled soft term. */
  softLoss: Tensor;
  /** KL_batchmean(p ‖ q), unscaled. */
  kl: Tensor;
  /** CE(s, y) on the unscaled student logits. */
  hardLoss: Tensor;
  /** T as used (0-d; a leaf if you passed a tensor with requiresGrad). */
  temperature: Tensor;
  /** The T² node. */
  tSquared: Tensor;
  /** softmax(t/T): the soft targets. */
  teacherProbs: Tensor;
  /** log softmax(s/T). */
  studentLogProbs: Tensor;
  alpha: number;
  /** Set by logit-standardised KD: the soft term compares Z(s) and Z(t), z-scores with this eps. */
  standardized?: { eps: number };
}

export interface KDOptions {
  temperature?: TemperatureLike;
  /** Weight of the soft (KL) term; the hard (CE) term gets 1 − alpha (as in the article). */
  alpha?: number;
  /** Let gradients reach the teacher logits (default false: the teacher is detached). */
  teacherGrad?: boolean;
  /**
   * Accept [batch, classes] probability rows as the hard targets (default false: labels must be
   * class indices, so teacher logits passed as labels by mistake are an error, not a loss).
   */
  probabilityTargets?: boolean;
}

/**
 * The hard targets of a KD loss: class indices [B] (number[], Int32Array or tensor), or, only when
 * asked for, probability rows [B, C] that are non-negative and sum to 1.
 */
export function checkHardTargets(
  labels: Labels,
  student: Tensor,
  op: string,
  probabilityTargets = false,
): void {
  if (!(labels instanceof Tensor) || labels.ndim !== 2) return; // indices: crossEntropy validates them
  const [b, c] = student.shape as [number, number];
  if (labels.shape[1] === 1 && labels.shape[0] === b) {
    throw new RangeError(
      `${op}: labels of shape ${formatShape(labels.shape)} are a column; class indices are 1-D: pass labels.squeeze(1)`,
    );
  }
  if (!probabilityTargets) {
    throw new RangeError(
      `${op}: labels of shape ${formatShape(labels.shape)} are not class indices [${b}]; ` +
        'to train on probability targets pass { probabilityTargets: true } (rows of probabilities, each summing to 1)',
    );
  }
  if (labels.shape[0] !== b || labels.shape[1] !== c)
    throw new RangeError(
      `${op}: probability targets ${formatShape(labels.shape)} must match the logits ${formatShape(student.shape)}`,
    );
  const rows = labels.toArray<number[][]>();
  rows.forEach((row, i) => {
    const sum = row.reduce((a, v) => a + v, 0);
    if (row.some((v) => !(v >= 0)) || Math.abs(sum - 1) > 1e-4) {
      throw new RangeError(
        `${op}: probability target row ${i} must be non-negative and sum to 1, got sum ${sum} (logits? apply softmax first)`,
      );
    }
  });
}

/** The teacher's logits cut from the graph, in `dtype`, named for graph exports. */
export function detachedTeacher(
  teacher: Tensor,
  dtype: FloatDType,
  name = 't (teacher logits)',
): Tensor {
  const d = teacher.detach().to(dtype);
  return d.label ? d : d.withLabel(teacher.label ?? name);
}

export function checkLogits(student: Tensor, teacher: Tensor, op: string): FloatDType {
  if (!(student instanceof Tensor) || !(teacher instanceof Tensor))
    throw new TypeError(`${op}: student and teacher logits must be Tensors`);
  if (student.ndim !== 2)
    throw new RangeError(
      `${op}: student logits must be [batch, classes], got shape ${formatShape(student.shape)}`,
    );
  if (student.shape.join() !== teacher.shape.join()) {
    throw new RangeError(
      `${op}: student logits ${formatShape(student.shape)} and teacher logits ${formatShape(teacher.shape)} must have the same shape`,
    );
  }
  if (!isFloat(student.dtype))
    throw new TypeError(`${op}: student logits must be float32 or float64, got ${student.dtype}`);
  return student.dtype;
}

/** T² · KL_batchmean(p ‖ softmax(s/T)) for soft targets given as log-probabilities. */
export function softTerm(
  student: Tensor,
  teacherLogProbs: Tensor,
  T: Tensor,
): { kl: Tensor; softLoss: Tensor; tSquared: Tensor; studentLogProbs: Tensor } {
  const studentLogProbs = student.div(T).logSoftmax(1).withLabel('log q = logSoftmax(s/T)');
  const kl = klDiv(studentLogProbs, teacherLogProbs, {
    reduction: 'batchmean',
    logTarget: true,
  }).withLabel('KL');
  const tSquared = T.square().withLabel('T²');
  return { kl, tSquared, studentLogProbs, softLoss: kl.mul(tSquared).withLabel('T²·KL') };
}

/** Combines the parts: L = α · soft + (1 − α) · hard, keeping every part's gradient. */
export function combine(
  soft: { kl: Tensor; softLoss: Tensor; tSquared: Tensor; studentLogProbs: Tensor },
  student: Tensor,
  labels: Labels,
  T: Tensor,
  teacherLogProbs: Tensor,
  alpha: number,
  op = 'DistillationLoss',
  probabilityTargets = false,
): KDParts {
  checkHardTargets(labels, student, op, probabilityTargets);
  const hardLoss = crossEntropy(student, labels).withLabel('CE(s, y)');
  const loss = soft.softLoss
    .mul(alpha)
    .add(hardLoss.mul(1 - alpha))
    .withLabel('loss');
  for (const t of [soft.kl, soft.softLoss, hardLoss, soft.tSquared])
    if (t.requiresGrad && !t.isLeaf) t.retainGrad();
  let teacherProbs: Tensor | undefined;
  // computed on first use only: a training step never needs p itself
  return {
    loss,
    ...soft,
    hardLoss,
    temperature: T,
    alpha,
    get teacherProbs() {
      return (teacherProbs ??= teacherLogProbs.exp());
    },
  };
}

/** The standard KD loss and its parts (the functional form of DistillationLoss). */
export function distillationParts(
  student: Tensor,
  teacher: Tensor,
  labels: Labels,
  opts: KDOptions & { op?: string } = {},
): KDParts {
  const op = 'DistillationLoss';
  const dtype = checkLogits(student, teacher, op);
  const alpha = checkAlpha(opts.alpha ?? 0.5, op);
  const T = asTemperature(opts.temperature ?? 1, dtype, op);
  const t = opts.teacherGrad ? teacher.to(dtype) : detachedTeacher(teacher, dtype);
  const scaledTeacher = t.div(T);
  const teacherLogProbs = scaledTeacher.logSoftmax(1).withLabel('log p = logSoftmax(t/T)');
  const soft = softTerm(student, teacherLogProbs, T);
  return combine(
    soft,
    student,
    labels,
    T,
    teacherLogProbs,
    alpha,
    opts.op ?? op,
    opts.probabilityTargets,
  );
}

/** L = α · T² · KL(softmax(t/T) ‖ softmax(s/T)) + (1 − α) · CE(s, y). */
export class DistillationLoss {
  readonly temperature: TemperatureLike;
  readonly alpha: number;
  readonly teacherGrad: boolean;
  readonly probabilityTargets: boolean;

  constructor(opts: KDOptions = {}) {
    checkOptionKeys(
      opts,
      ['temperature', 'alpha', 'teacherGrad', 'probabilityTargets'],
      'DistillationLoss',
    );
    this.temperature = opts.temperature ?? 1;
    this.alpha = checkAlpha(opts.alpha ?? 0.5, 'DistillationLoss');
    this.teacherGrad = opts.teacherGrad ?? false;
    this.probabilityTargets = opts.probabilityTargets ?? false;
    asTemperature(this.temperature, 'float64', 'DistillationLoss');
  }

  forward(studentLogits: Tensor, teacherLogits: Tensor, labels: Labels): Tensor {
    return this.parts(studentLogits, teacherLogits, labels).loss;
  }

  /** The loss and its parts (KL, T²·KL, CE, T, T²) as graph tensors. */
  parts(batch: DistillBatch): KDParts;
  parts(studentLogits: Tensor, teacherLogits: Tensor, labels: Labels): KDParts;
  parts(studentLogits: Tensor | DistillBatch, teacherLogits?: Tensor, labels?: Labels): KDParts {
    if (isBatch(studentLogits)) {
      const b = studentLogits;
      return this.parts(b.student, oneTeacher(b, 'DistillationLoss'), b.labels);
    }
    return distillationParts(studentLogits, teacherLogits!, labels!, {
      temperature: this.temperature,
      alpha: this.alpha,
      teacherGrad: this.teacherGrad,
      probabilityTargets: this.probabilityTargets,
    });
  }
}
