// Planted mistake for exercise 1: exp without subtracting the max (overflows at large logits).
import type { Tensor } from 'kdgrad';

export function softmax(x: Tensor): Tensor {
  const e = x.exp(); // planted: no max subtraction
  return e.div(e.sum(1, true));
}

export function logSoftmax(x: Tensor): Tensor {
  const z = x.sub(x.amax(1, true));
  return z.sub(z.exp().sum(1, true).log());
}
