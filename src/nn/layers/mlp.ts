import type { Tensor } from '../../autograd/tensor.js';
import type { FloatDType } from '../../tensor/dtype.js';
import type { Generator } from '../../tensor/random.js';
import { ReLU, Flatten } from './activation.js';
import { Sequential } from './container.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import type { Module } from '../module.js';

export interface MLPOptions {
  /** Activation between layers (default ReLU). */
  activation?: () => Module;
  /** Dropout probability after each hidden activation (default 0: none). */
  dropout?: number;
  dtype?: FloatDType;
  generator?: Generator;
}

/**
 * MLP([3072, 256, 10]) = Flatten, Linear(3072, 256), ReLU, Linear(256, 10).
 * The input is flattened from dim 1, so images can be fed directly.
 */
export class MLP extends Sequential {
  constructor(
    readonly sizes: readonly number[],
    opts: MLPOptions = {},
  ) {
    if (sizes.length < 2)
      throw new RangeError(
        `MLP: need at least input and output sizes, got ${JSON.stringify(sizes)}`,
      );
    const layers: Module[] = [new Flatten()];
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(
        new Linear(sizes[i]!, sizes[i + 1]!, {
          ...(opts.dtype ? { dtype: opts.dtype } : {}),
          ...(opts.generator ? { generator: opts.generator } : {}),
        }),
      );
      if (i + 2 < sizes.length) {
        layers.push(opts.activation ? opts.activation() : new ReLU());
        if (opts.dropout) layers.push(new Dropout(opts.dropout, opts.generator));
      }
    }
    super(...layers);
  }

  override forward(x: Tensor): Tensor {
    return super.forward(x);
  }
}
