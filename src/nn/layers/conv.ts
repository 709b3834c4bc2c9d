import { zeros } from '../../autograd/creation.js';
import { toPair as pair, type Pair } from '../../autograd/ops/window.js';
import type { Tensor } from '../../autograd/tensor.js';
import { conv2d } from '../functional/conv.js';
import { fans, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { fusesWithRelu, type ReLU } from './activation.js';
import { Parameter } from '../parameter.js';
import { gen, type LayerOptions } from './linear.js';

/** 2-D convolution over NCHW input; weight [out, in, kh, kw] and init as PyTorch. */
export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    opts: LayerOptions & { stride?: Pair; padding?: Pair } = {},
  ) {
    super();
    for (const [name, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`Conv2d: ${name} must be a positive integer, got ${v}`);
    }
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    this.padding = pair(opts.padding ?? 0);
    const dtype = opts.dtype ?? 'float32';
    this.weight = new Parameter(
      kaimingUniform_(zeros([outChannels, inChannels, ...this.kernelSize], { dtype }), {
        a: Math.sqrt(5),
        ...gen(opts),
      }),
    );
    const bound = 1 / Math.sqrt(fans(this.weight).fanIn);
    this.bias =
      opts.bias === false
        ? null
        : new Parameter(uniform_(zeros([outChannels], { dtype }), -bound, bound, opts.generator));
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }

  /** relu(this.forward(x)) as one op, the ReLU in the convolution's epilogue (conv2dThenRelu). */
  forwardRelu(x: Tensor): Tensor {
    const opts = { stride: this.stride, padding: this.padding, relu: true };
    return conv2d(x, this.weight, this.bias, opts);
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}], padding=[${this.padding}], bias=${this.bias !== null}`;
  }
}

const CONV_FORWARD = Conv2d.prototype.forward;

/**
 * relu(conv(x)): one fused op when both run their classes' own forward — no forward hook (a hook
 * must see the module's own output) and no subclass's override — else the two forwards.
 * Sequential calls this for a Conv2d followed by a ReLU.
 */
export function conv2dThenRelu(conv: Conv2d, relu: ReLU, x: Tensor): Tensor {
  return fusesWithRelu(conv, CONV_FORWARD, relu)
    ? conv.forwardRelu(x)
    : relu.forward(conv.forward(x));
}
