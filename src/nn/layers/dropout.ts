import type { Tensor } from '../../autograd/tensor.js';
import type { Generator } from '../../tensor/random.js';
import { dropout } from '../functional/dropout.js';
import { Module } from '../module.js';

/** Zeroes elements with probability p in train mode (masks drawn from `generator`); identity in eval. */
export class Dropout extends Module {
  constructor(
    readonly p = 0.5,
    readonly generator?: Generator,
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.generator);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
