import { zeros } from '../../autograd/creation.js';
import type { Tensor } from '../../autograd/tensor.js';
import type { FloatDType } from '../../tensor/dtype.js';
import type { Generator } from '../../tensor/random.js';
import { linear } from '../functional/linear.js';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

export interface LayerOptions {
  bias?: boolean;
  dtype?: FloatDType;
  generator?: Generator;
}

/** y = x Wᵀ + b; W: [out, in], PyTorch's default init (U(±1/sqrt(in)) for W and b). */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LayerOptions = {},
  ) {
    super();
    for (const [name, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`Linear: ${name} must be a positive integer, got ${v}`);
    }
    const dtype = opts.dtype ?? 'float32';
    this.weight = new Parameter(
      kaimingUniform_(zeros([outFeatures, inFeatures], { dtype }), {
        a: Math.sqrt(5),
        ...gen(opts),
      }),
    );
    const bound = 1 / Math.sqrt(inFeatures);
    this.bias =
      opts.bias === false
        ? null
        : new Parameter(uniform_(zeros([outFeatures], { dtype }), -bound, bound, opts.generator));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

export const gen = (opts: { generator?: Generator }) =>
  opts.generator ? { generator: opts.generator } : {};
