// softmax and logSoftmax as compositions (tinygrad style): no hand-written backward.
// Both subtract the row max first, so x - m is exact and no exp overflows (|x| up to 1e4 and beyond).
import { normalizeDim } from '../../tensor/shape.js';
import type { Tensor } from '../tensor.js';
import { div, sub } from './arithmetic.js';
import { shiftByMax, sum } from './reduce.js';
import { exp, log } from './unary.js';
import { floating } from './util.js';

/** log softmax(x)_i = (x_i - m) - log Σ_j exp(x_j - m) */
export function logSoftmax(a: Tensor, dim: number): Tensor {
  const x = floating(a);
  const d = normalizeDim(dim, x.ndim, 'logSoftmax');
  const { shifted } = shiftByMax(x, [d]);
  return sub(shifted, log(sum(exp(shifted), d, true)));
}

/** softmax(x)_i = exp(x_i - m) / Σ_j exp(x_j - m): rows sum to 1. */
export function softmax(a: Tensor, dim: number): Tensor {
  const x = floating(a);
  const d = normalizeDim(dim, x.ndim, 'softmax');
  const e = exp(shiftByMax(x, [d]).shifted);
  return div(e, sum(e, d, true));
}
