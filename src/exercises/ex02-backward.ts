// 2. log-softmax as a custom op: its backward written by hand and checked by gradcheck.
import type { Tensor } from '../autograd/tensor.js';
import { asTensor, call, fn, forAll, logits, show } from './props.js';
import { PropertyFailure, type Exercise } from './types.js';

export const exercise: Exercise = {
  n: 2,
  file: '02-log-softmax-backward.ts',
  title: "log-softmax's backward, as a custom op",
  teaches:
    'the Jacobian of log-softmax, ∂ log σ_i/∂x_j = δ_ij − σ_j, applied to an upstream gradient',
  derivation: 'derivations.md#0-softmax-and-log-softmax',
  exports: ['logSoftmaxOp'],
  properties: [
    {
      name: 'forward equals x − logsumexp(x)',
      run: (k, m) =>
        forAll(logits(5), (input) => {
          const x = k.tensor(input.rows, { dtype: 'float64' });
          const f = fn<(x: Tensor) => unknown>(m, 'logSoftmaxOp');
          const got = asTensor(
            k,
            call('logSoftmaxOp', () => f(x)),
            'logSoftmaxOp',
          );
          const want = x.logSoftmax(1);
          if (got.sub(want).abs().max().item() > 1e-9)
            throw new PropertyFailure(
              'forward equals x − logsumexp(x)',
              show(input.rows),
              show(want.toArray()),
              show(got.toArray()),
              'the forward of the op is exercise 1’s logSoftmax',
            );
        }),
    },
    {
      name: 'backward passes gradcheck (float64 finite differences)',
      run: (k, m) =>
        forAll(
          logits(3),
          (input) => {
            const x = k.tensor(input.rows, { dtype: 'float64', requiresGrad: true });
            const f = fn<(x: Tensor) => Tensor>(m, 'logSoftmaxOp');
            // a non-uniform upstream gradient, so the Σ g term matters
            const w = k.arange(1, input.C + 1, 1, { dtype: 'float64' });
            const report = call('gradcheck of logSoftmaxOp', () =>
              k.gradcheck((a: Tensor) => asTensor(k, f(a), 'logSoftmaxOp').mul(w).sum(), [x]),
            );
            if (!report.ok)
              throw new PropertyFailure(
                'backward passes gradcheck',
                show(input.rows),
                'analytical = numerical gradient',
                report.failures[0] ?? `max error ${report.maxAbsError}`,
                'for upstream g, dx = g − softmax(x) · Σ_j g_j (per row): the Σ g factor is easy to forget, and x.requiresGrad must be the input you return a gradient for',
              );
          },
          25,
        ),
    },
  ],
};
