import { ones, zeros } from '../../autograd/creation.js';
import type { Tensor } from '../../autograd/tensor.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { formatShape } from '../../tensor/shape.js';
import { fusesWithRelu, type ReLU } from './activation.js';
import { batchNorm } from '../functional/batchnorm.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

export interface BatchNormLayerOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
  dtype?: FloatDType;
}

export abstract class BatchNormBase extends Module {
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number;
  protected abstract readonly ranks: readonly number[];

  constructor(
    readonly numFeatures: number,
    opts: BatchNormLayerOptions = {},
  ) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1)
      throw new RangeError(
        `${new.target.name}: numFeatures must be a positive integer, got ${numFeatures}`,
      );
    const dtype = opts.dtype ?? 'float32';
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    const affine = opts.affine ?? true;
    this.weight = affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    const track = opts.trackRunningStats ?? true;
    // Buffer names are PyTorch's, so checkpoints interoperate.
    this.runningMean = track
      ? this.registerBuffer('running_mean', zeros([numFeatures], { dtype }))
      : null;
    this.runningVar = track
      ? this.registerBuffer('running_var', ones([numFeatures], { dtype }))
      : null;
    this.numBatchesTracked = track
      ? this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int32' }))
      : null;
  }

  forward(x: Tensor): Tensor {
    return this.normalise(x, false);
  }

  /**
   * relu(this.forward(x)) as one op, bit for bit the same forward and backward (see
   * F.batchNorm's `relu`); what a Sequential runs for this layer followed by a ReLU.
   */
  forwardRelu(x: Tensor): Tensor {
    return this.normalise(x, true);
  }

  private normalise(x: Tensor, relu: boolean): Tensor {
    if (!this.ranks.includes(x.ndim)) {
      throw new RangeError(
        `${this.constructor.name}: expected a ${this.ranks.join('-D or ')}-D input, got shape ${formatShape(x.shape)}`,
      );
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(
        `${this.constructor.name}: expected ${this.numFeatures} channels in dim 1, got shape ${formatShape(x.shape)}`,
      );
    }
    if (this.training && this.numBatchesTracked) this.numBatchesTracked.storage.data[0]! += 1;
    return batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: this.training || !this.runningMean,
      momentum: this.momentum,
      eps: this.eps,
      relu,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.runningMean !== null}`;
  }
}

const BN_FORWARD = BatchNormBase.prototype.forward;

/**
 * relu(bn(x)): one fused op when both run their classes' own forward — no forward hook (a hook
 * must see the module's own output) and no subclass's override — else the two forwards.
 * Sequential and the ResNets call this for a BatchNorm followed by a ReLU.
 */
export function batchNormThenRelu(bn: BatchNormBase, relu: ReLU, x: Tensor): Tensor {
  return fusesWithRelu(bn, BN_FORWARD, relu) ? bn.forwardRelu(x) : relu.forward(bn.forward(x));
}

/** Normalises [B, C] or [B, C, L] over the batch (and length). */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3];
}

/** Normalises [B, C, H, W] per channel over batch, height and width. */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4];
}
