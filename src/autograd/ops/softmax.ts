// softmax and logSoftmax as compositions (tinygrad style): no hand-written backward.
import type { Tensor } from '../tensor.js';
import { sub } from './arithmetic.js';
import { logsumexp } from './reduce.js';
import { exp } from './unary.js';
import { floating } from './util.js';

/** log softmax(x)_i = x_i - log Σ_j exp(x_j); stable for |x| up to 1e4 and beyond. */
export function logSoftmax(a: Tensor, dim: number): Tensor {
  const x = floating(a);
  return sub(x, logsumexp(x, dim, true));
}

/** softmax(x) = exp(logSoftmax(x)): never overflows, rows sum to 1. */
export function softmax(a: Tensor, dim: number): Tensor {
  return exp(logSoftmax(a, dim));
}
