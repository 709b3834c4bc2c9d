// Decoupled KD (Zhao et al., CVPR 2022). Per sample, with b = [p_y, 1 − p_y] the binary
// target/non-target split and p̂ the softmax over the non-target classes only:
//   KL(p ‖ q) = TCKD + (1 − p_y) · NCKD,  TCKD = KL(b_t ‖ b_s),  NCKD = KL(p̂_t ‖ p̂_s)
//   L = CE(s, y) + min(epoch / warmup, 1) · T² · (α · TCKD + β · NCKD)   (defaults α 1, β 8, T 4)
// The log binary split comes from log-sum-exps — log b_y = s_y/T − lse(s/T) — never from
// log(p_y) or log(1 − p_y), which underflow to −∞ in float32.
import { tensor } from '../autograd/creation.js';
import { gather } from '../autograd/ops/indexing.js';
import { stack } from '../autograd/ops/shape.js';
import type { Tensor } from '../autograd/tensor.js';
import { crossEntropy, klDiv } from '../nn/functional/loss.js';
import { labelColumn, toLabels, type Labels } from '../nn/functional/labels.js';
import { isBatch, oneTeacher, type DistillBatch } from './batch.js';
import { checkLogits, detachedTeacher } from './kd.js';
import { asTemperature, type TemperatureLike, checkOptionKeys } from './temperature.js';

export interface DKDOptions {
  /** Weight of TCKD (default 1). */
  alpha?: number;
  /** Weight of NCKD (default 8). */
  beta?: number;
  temperature?: TemperatureLike;
  /** Epochs over which the KD term ramps up linearly (default 20; 0 disables). */
  warmup?: number;
  teacherGrad?: boolean;
}

export interface DKDParts {
  loss: Tensor;
  /** KL between the binary target/non-target splits (unscaled, batchmean). */
  tckd: Tensor;
  /** KL between the non-target distributions (unscaled, batchmean). */
  nckd: Tensor;
  hardLoss: Tensor;
  temperature: Tensor;
  tSquared: Tensor;
  /** min(epoch / warmup, 1). */
  warmupFactor: number;
  /** The distillation term as it enters the loss: warm-up · T² · (α·TCKD + β·NCKD). */
  softLoss: Tensor;
}

/** Class indices other than each row's label: [B, C − 1], in increasing order. */
function otherClasses(y: Int32Array, C: number): Tensor {
  const out = new Int32Array(y.length * (C - 1));
  y.forEach((label, i) => {
    let k = 0;
    for (let c = 0; c < C; c++) if (c !== label) out[i * (C - 1) + k++] = c;
  });
  return tensor(out, { dtype: 'int32', shape: [y.length, C - 1] });
}

/** Log binary split [log b_y, log(1 − b_y)] and the non-target logits, from logits already divided by T. */
function split(z: Tensor, yCol: Tensor, others: Tensor): { logBinary: Tensor; nonTarget: Tensor } {
  const lse = z.logsumexp(1, true);
  const target = gather(z, 1, yCol);
  const nonTarget = gather(z, 1, others);
  const logBinary = stack([target.sub(lse), nonTarget.logsumexp(1, true).sub(lse)], 1).squeeze(2);
  return { logBinary, nonTarget };
}

/** TCKD and NCKD (unscaled, batchmean) for logits already divided by T. */
export function decoupledKL(zs: Tensor, zt: Tensor, y: Int32Array): { tckd: Tensor; nckd: Tensor } {
  const C = zs.shape[1]!;
  const yCol = labelColumn(y);
  const others = otherClasses(y, C);
  const s = split(zs, yCol, others);
  const t = split(zt, yCol, others);
  const tckd = klDiv(s.logBinary, t.logBinary, {
    reduction: 'batchmean',
    logTarget: true,
  }).withLabel('TCKD');
  const nckd = klDiv(s.nonTarget.logSoftmax(1), t.nonTarget.logSoftmax(1), {
    reduction: 'batchmean',
    logTarget: true,
  }).withLabel('NCKD');
  return { tckd, nckd };
}

export class DecoupledDistillationLoss {
  readonly alpha: number;
  readonly beta: number;
  readonly temperature: TemperatureLike;
  readonly warmup: number;
  readonly teacherGrad: boolean;

  constructor(opts: DKDOptions = {}) {
    const op = 'DecoupledDistillationLoss';
    checkOptionKeys(opts, ['alpha', 'beta', 'temperature', 'warmup', 'teacherGrad'], op);
    this.alpha = opts.alpha ?? 1;
    this.beta = opts.beta ?? 8;
    for (const [k, v] of [
      ['alpha', this.alpha],
      ['beta', this.beta],
    ] as const) {
      if (!(v >= 0) || !Number.isFinite(v))
        throw new RangeError(`${op}: ${k} must be a finite number >= 0, got ${v}`);
    }
    this.temperature = opts.temperature ?? 4;
    this.warmup = opts.warmup ?? 20;
    if (!(this.warmup >= 0) || !Number.isFinite(this.warmup))
      throw new RangeError(`${op}: warmup must be a finite number >= 0, got ${this.warmup}`);
    this.teacherGrad = opts.teacherGrad ?? false;
    asTemperature(this.temperature, 'float64', op);
  }

  /**
   * `epoch` drives the warm-up, min(epoch / warmup, 1), counted as mdistiller counts training
   * epochs: from 1 (the first epoch has weight 1/warmup; the trainer passes its 0-based epoch + 1).
   * It may be fractional; omit it for the full KD term.
   */
  forward(studentLogits: Tensor, teacherLogits: Tensor, labels: Labels, epoch?: number): Tensor {
    return this.parts(studentLogits, teacherLogits, labels, epoch).loss;
  }

  parts(batch: DistillBatch): DKDParts;
  parts(studentLogits: Tensor, teacherLogits: Tensor, labels: Labels, epoch?: number): DKDParts;
  parts(
    studentLogits: Tensor | DistillBatch,
    teacherLogits?: Tensor,
    labels?: Labels,
    epoch?: number,
  ): DKDParts {
    const op = 'DecoupledDistillationLoss';
    if (isBatch(studentLogits)) {
      // mdistiller counts epochs from 1
      const b = studentLogits;
      return this.parts(b.student, oneTeacher(b, op), b.labels, (b.epoch ?? 0) + 1);
    }
    const teacherIn = teacherLogits as Tensor;
    const labelsIn = labels as Labels;
    const dtype = checkLogits(studentLogits, teacherIn, op);
    const [B, C] = studentLogits.shape as [number, number];
    if (C < 2) throw new RangeError(`${op}: needs at least 2 classes, got ${C}`);
    const y = toLabels(labelsIn, B, C, op);
    const T = asTemperature(this.temperature, dtype, op);
    const teacher = this.teacherGrad ? teacherIn.to(dtype) : detachedTeacher(teacherIn, dtype);
    const { tckd, nckd } = decoupledKL(studentLogits.div(T), teacher.div(T), y);
    const tSquared = T.square().withLabel('T²');
    const warmupFactor =
      epoch === undefined || this.warmup === 0 ? 1 : Math.min(epoch / this.warmup, 1);
    if (!(warmupFactor >= 0)) throw new RangeError(`${op}: epoch must be >= 0, got ${epoch}`);
    const hardLoss = crossEntropy(studentLogits, y).withLabel('CE(s, y)');
    const kd = tckd.mul(this.alpha).add(nckd.mul(this.beta)).mul(tSquared).mul(warmupFactor);
    const loss = hardLoss.add(kd).withLabel('loss');
    for (const t of [tckd, nckd, hardLoss, tSquared])
      if (t.requiresGrad && !t.isLeaf) t.retainGrad();
    return { loss, tckd, nckd, hardLoss, temperature: T, tSquared, warmupFactor, softLoss: kd };
  }
}
