// softmax and logSoftmax: fused kernels (speed: they sit under every classifier and KD loss),
// with backward rules written in tensor ops so second derivatives still work. Both subtract the
// row max first, so no exp overflows for logits of ±1e4 and beyond.
import { logSoftmaxKernel, logSoftmaxWithProbs } from '../../tensor/kernels/softmax.js';
import { isGradEnabled } from '../grad-mode.js';
import { Tensor } from '../tensor.js';
import { normalizeDim } from '../../tensor/shape.js';
import { record } from '../node.js';
import { mul, sub } from './arithmetic.js';
import { sum } from './reduce.js';
import { exp } from './unary.js';
import { floating } from './util.js';

// y = x − log Σ exp(x);  d = g − softmax(x) · Σ_j g_j
// softmax(x) is kept from the forward pass; under createGraph it is exp(y), a graph op, so the
// second derivative sees its dependence on x.
export function logSoftmax(a: Tensor, dim: number): Tensor {
  const x = floating(a);
  const d = normalizeDim(dim, x.ndim, 'logSoftmax');
  const keep = isGradEnabled() && x.requiresGrad;
  const { out: data, probs } = logSoftmaxWithProbs(x.storage, d, x.dtype, false, keep);
  const out: Tensor = record('logSoftmax', [x], data, (g) => [
    () =>
      sub(
        g,
        mul(
          isGradEnabled() || !probs ? exp(out) : new Tensor(probs),
          sum(g, x.ndim ? d : undefined, true),
        ),
      ),
  ]);
  return out;
}

// p = exp(x) / Σ exp(x);  d = p · (g − Σ_j g_j p_j)
export function softmax(a: Tensor, dim: number): Tensor {
  const x = floating(a);
  const d = normalizeDim(dim, x.ndim, 'softmax');
  const out: Tensor = record('softmax', [x], logSoftmaxKernel(x.storage, d, x.dtype, true), (g) => [
    () => mul(out, sub(g, sum(mul(g, out), x.ndim ? d : undefined, true))),
  ]);
  return out;
}
