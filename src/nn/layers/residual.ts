// BasicBlock: the residual unit of He et al. (2016), as torchvision and RepDistiller define it.
// It is also the pattern for any non-sequential net: sub-modules in fields (their field names
// become the state-dict names) and a forward that wires them by hand.
import type { Tensor } from '../../autograd/tensor.js';
import type { FloatDType } from '../../tensor/dtype.js';
import type { Generator } from '../../tensor/random.js';
import { Module } from '../module.js';
import { BatchNorm2d, batchNormThenRelu } from './batchnorm.js';
import { Sequential } from './container.js';
import { Conv2d } from './conv.js';
import { ReLU } from './activation.js';

export interface BasicBlockOptions {
  stride?: number;
  generator?: Generator;
  dtype?: FloatDType;
}

/**
 * y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), convolutions 3×3 without bias.
 * shortcut is the identity, or `downsample` = Sequential(conv1×1 stride s, BatchNorm) when the
 * stride or the channel count changes. State-dict names: conv1, bn1, conv2, bn2, downsample.0,
 * downsample.1 (torchvision's).
 */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu = new ReLU();
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;
  readonly stride: number;

  constructor(
    readonly inPlanes: number,
    readonly planes: number,
    opts: BasicBlockOptions = {},
  ) {
    super();
    const stride = opts.stride ?? 1;
    if (!Number.isInteger(stride) || stride < 1)
      throw new RangeError(`BasicBlock: stride must be a positive integer, got ${stride}`);
    const g = {
      ...(opts.generator ? { generator: opts.generator } : {}),
      dtype: opts.dtype ?? 'float32',
    } as const;
    const bn = { dtype: g.dtype };
    this.stride = stride;
    this.conv1 = new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false, ...g });
    this.bn1 = new BatchNorm2d(planes, bn);
    this.conv2 = new Conv2d(planes, planes, 3, { padding: 1, bias: false, ...g });
    this.bn2 = new BatchNorm2d(planes, bn);
    this.downsample =
      stride !== 1 || inPlanes !== planes
        ? new Sequential(
            new Conv2d(inPlanes, planes, 1, { stride, bias: false, ...g }),
            new BatchNorm2d(planes, bn),
          )
        : null;
  }

  forward(x: Tensor): Tensor {
    // relu(bn1(·)) as one fused op (the same bits as the two)
    const h = batchNormThenRelu(this.bn1, this.relu, this.conv1.forward(x));
    const out = this.bn2.forward(this.conv2.forward(h));
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return this.relu.forward(out.add(identity));
  }

  override extraRepr(): string {
    return `${this.inPlanes}, ${this.planes}, stride=${this.stride}`;
  }
}
