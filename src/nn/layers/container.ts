import { describeValue } from '../../autograd/brand.js';
import type { Tensor } from '../../autograd/tensor.js';
import { Module } from '../module.js';
import { ReLU } from './activation.js';
import { BatchNormBase, batchNormThenRelu } from './batchnorm.js';
import { Conv2d, conv2dThenRelu } from './conv.js';

/** Applies its modules in order; they are named '0', '1', ... as in PyTorch. */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module))
        throw new TypeError(
          `Sequential: argument ${i} is not a Module: got ${describeValue(m, 'Module')}`,
        );
    });
    this.layers = layers;
  }

  override namedChildren(): [string, Module][] {
    return this.layers.map((m, i) => [String(i), m]);
  }

  /**
   * Each layer in turn; a BatchNorm or a Conv2d followed by a ReLU runs as one fused op
   * (batchNormThenRelu, conv2dThenRelu).
   */
  forward(x: Tensor): Tensor {
    let y = x;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i]!;
      const next = layers[i + 1];
      if (m instanceof BatchNormBase && next instanceof ReLU) {
        y = batchNormThenRelu(m, next, y);
        i++;
      } else if (m instanceof Conv2d && next instanceof ReLU) {
        y = conv2dThenRelu(m, next, y);
        i++;
      } else y = (m as unknown as { forward(t: Tensor): Tensor }).forward(y);
    }
    return y;
  }

  get length(): number {
    return this.layers.length;
  }

  at(i: number): Module {
    const m = this.layers.at(i);
    if (!m)
      throw new RangeError(`Sequential: index ${i} out of range for ${this.layers.length} layers`);
    return m;
  }
}
