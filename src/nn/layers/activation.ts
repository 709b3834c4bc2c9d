import type { Tensor } from '../../autograd/tensor.js';
import { leakyRelu } from '../functional/activation.js';
import { flatten } from '../../autograd/ops/shape.js';
import { Module } from '../module.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/** ReLU's own forward, as the class defines it (a later patch of the prototype is not it). */
const RELU_FORWARD = ReLU.prototype.forward;

/**
 * Whether module m followed by relu may run as one fused op: m runs `ownForward` (its class's own
 * as defined, not a subclass's override, a patched prototype's or a hook's wrapper: whatever
 * replaces it must see the module's own output) and relu is a plain ReLU with its own forward.
 */
export function fusesWithRelu(m: { forward: unknown }, ownForward: unknown, relu: ReLU): boolean {
  return m.forward === ownForward && relu.constructor === ReLU && relu.forward === RELU_FORWARD;
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/** Flattens dims startDim..endDim (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
