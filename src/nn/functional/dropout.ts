// Inverted dropout: zero each element with probability p and scale the rest by 1/(1 − p),
// so the expectation is unchanged and eval mode is the identity.
import { rand } from '../../autograd/creation.js';
import type { Tensor } from '../../autograd/tensor.js';
import type { Generator } from '../../tensor/random.js';
import { isFloat } from '../../tensor/dtype.js';

export function dropout(x: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  if (!(p >= 0 && p <= 1))
    throw new RangeError(`dropout: probability p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const dtype = isFloat(x.dtype) ? x.dtype : 'float32';
  const keep = rand(x.shape, { dtype, ...(generator ? { generator } : {}) }).ge(p);
  return x.mul(keep.to(dtype)).div(1 - p);
}
