// Losses with PyTorch's formulas and reductions.
import { gather, where } from '../../autograd/ops/indexing.js';
import { logSoftmax } from '../../autograd/ops/softmax.js';
import { Tensor } from '../../autograd/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import { labelColumn, toLabels, type Labels } from './labels.js';

export type Reduction = 'none' | 'mean' | 'sum';
export type KLReduction = Reduction | 'batchmean';

function reduce(loss: Tensor, reduction: string, op: string): Tensor {
  switch (reduction) {
    case 'none':
      return loss;
    case 'sum':
      return loss.sum();
    case 'mean':
      return loss.mean();
    default:
      throw new RangeError(
        `${op}: unknown reduction ${JSON.stringify(reduction)} (expected 'none', 'mean' or 'sum')`,
      );
  }
}

function check2d(op: string, input: Tensor): [number, number] {
  if (input.ndim !== 2)
    throw new RangeError(
      `${op}: expected input [batch, classes], got shape ${formatShape(input.shape)}`,
    );
  return input.shape as [number, number];
}

/** loss_i = −logProbs[i, y_i] */
export function nllLoss(
  logProbs: Tensor,
  target: Labels,
  opts: { reduction?: Reduction } = {},
): Tensor {
  const [n, c] = check2d('nllLoss', logProbs);
  const y = toLabels(target, n, c, 'nllLoss');
  return reduce(
    gather(logProbs, 1, labelColumn(y)).reshape(n).neg(),
    opts.reduction ?? 'mean',
    'nllLoss',
  );
}

export interface CrossEntropyOptions {
  reduction?: Reduction;
  /** ε: the target becomes (1 − ε)·onehot + ε/C (as PyTorch's label_smoothing). */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of logits against class indices or class probabilities:
 *   indices:       loss_i = (1 − ε)(−log p_i[y_i]) + ε · mean_c(−log p_i[c])
 *   probabilities: loss_i = −Σ_c ((1 − ε) t_ic + ε/C) log p_ic
 * with log p = logSoftmax(input) (never log(softmax)); 'mean' averages over the batch.
 */
export function crossEntropy(
  input: Tensor,
  target: Labels,
  opts: CrossEntropyOptions = {},
): Tensor {
  const [n, c] = check2d('crossEntropy', input);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1))
    throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
  const logp = logSoftmax(input, 1);
  let loss: Tensor;
  if (target instanceof Tensor && target.ndim === 2) {
    if (target.shape.join() !== input.shape.join()) {
      throw new RangeError(
        `crossEntropy: probability targets of shape ${formatShape(target.shape)} must match the input ${formatShape(input.shape)}`,
      );
    }
    const t = eps ? target.mul(1 - eps).add(eps / c) : target;
    loss = t.mul(logp).sum(1).neg();
  } else {
    const y = toLabels(target, n, c, 'crossEntropy');
    const nll = gather(logp, 1, labelColumn(y)).reshape(n).neg();
    loss = eps ? nll.mul(1 - eps).add(logp.mean(1).neg().mul(eps)) : nll;
  }
  return reduce(loss, opts.reduction ?? 'mean', 'crossEntropy');
}

let warnedMean = false;

/** Whether any element is −∞ (read in place: no copy of the target per call). */
function hasNegativeInfinity(t: Tensor): boolean {
  let found = false;
  const data = t.storage.data;
  t.storage.forEachOffset((_, at) => {
    if (data[at] === -Infinity) found = true;
  });
  return found;
}

/**
 * KL divergence with PyTorch's argument order: `input` holds log-probabilities (of the model,
 * e.g. the student), `target` probabilities (or log-probabilities with logTarget).
 *   pointwise = target · (log target − input), with 0 · log 0 = 0
 * Reductions: 'none'; 'sum'; 'batchmean' = sum / batch (the KL of the math, use this for KD);
 * 'mean' = sum / numel — PyTorch's default, which also divides by the number of classes.
 * With logTarget, `target` holds log-probabilities and pointwise = exp(target) · (target − input).
 */
export function klDiv(
  input: Tensor,
  target: Tensor,
  opts: { reduction?: KLReduction; logTarget?: boolean } = {},
): Tensor {
  if (input.shape.join() !== target.shape.join()) {
    throw new RangeError(
      `klDiv: input ${formatShape(input.shape)} and target ${formatShape(target.shape)} must have the same shape`,
    );
  }
  const reduction = opts.reduction ?? 'mean';
  if (opts.reduction === undefined && !warnedMean) {
    warnedMean = true;
    console.warn(
      "kdgrad klDiv: reduction 'mean' (the default, as in PyTorch) divides by batch AND classes; 'batchmean' is the KL divergence. Pass reduction explicitly.",
    );
  }
  let pointwise: Tensor;
  if (opts.logTarget) {
    // exp(t)·(t − input); a target of log 0 = −∞ contributes 0 (PyTorch would give NaN).
    // Only −∞ is masked: NaN and +∞ in the target propagate (ne, unlike gt, is true for NaN).
    if (hasNegativeInfinity(target)) {
      const kept = target.ne(-Infinity);
      const t = where(kept, target, 0);
      pointwise = where(kept, t.exp().mul(t.sub(input)), 0);
    } else {
      pointwise = target.exp().mul(target.sub(input));
    }
  } else {
    // xlogy: where target = 0 use log(1) = 0 inside, so neither value nor gradient is NaN.
    const positive = target.gt(0);
    const safeLog = where(positive, target, 1).log();
    pointwise = target.mul(safeLog.sub(input));
  }
  if (reduction === 'batchmean') return pointwise.sum().div(input.ndim ? input.shape[0]! : 1);
  return reduce(pointwise, reduction, 'klDiv');
}

/** (input − target)², reduced. */
export function mseLoss(
  input: Tensor,
  target: Tensor,
  opts: { reduction?: Reduction } = {},
): Tensor {
  if (input.shape.join() !== target.shape.join()) {
    throw new RangeError(
      `mseLoss: input ${formatShape(input.shape)} and target ${formatShape(target.shape)} must have the same shape`,
    );
  }
  return reduce(input.sub(target).square(), opts.reduction ?? 'mean', 'mseLoss');
}
