import type { Pair } from '../../autograd/ops/window.js';
import type { Tensor } from '../../autograd/tensor.js';
import { avgPool2d, globalAvgPool2d, maxPool2d } from '../functional/conv.js';
import { Module } from '../module.js';

/** Window settings shared by the pooling layers; stride defaults to the kernel size. */
abstract class Pool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly stride: Pair | null = null,
    readonly padding: Pair = 0,
  ) {
    super();
  }
  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}, stride=${JSON.stringify(this.stride ?? this.kernelSize)}, padding=${JSON.stringify(this.padding)}`;
  }
}

export class MaxPool2d extends Pool2d {
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.stride, this.padding);
  }
}

export class AvgPool2d extends Pool2d {
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.stride, this.padding);
  }
}

/** [B, C, H, W] -> [B, C] by averaging each channel. */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    return globalAvgPool2d(x);
  }
}
