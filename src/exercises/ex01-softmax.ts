// 1. A numerically stable softmax and log-softmax over the rows of [B, C] logits (forward only).
import type { Tensor } from '../autograd/tensor.js';
import { asTensor, call, expectClose, fn, forAll, logits, type Logits } from './props.js';
import type { Exercise, K, LearnerModule } from './types.js';

type Row = (x: Tensor) => unknown;

function run(k: K, m: LearnerModule, name: string, input: Logits): { got: Tensor; x: Tensor } {
  const x = k.tensor(input.rows, { dtype: 'float64' });
  const got = asTensor(
    k,
    call(name, () => fn<Row>(m, name)(x)),
    name,
  );
  return { got, x };
}

const softmaxHint = (k: K, x: Tensor) => (got: Tensor) => {
  if (
    got
      .toArray<number[][]>()
      .flat()
      .some((v) => !Number.isFinite(v))
  )
    return 'exp of a large logit overflows: subtract each row’s max before exp (softmax(x) = softmax(x − max x))';
  const cols = x.softmax(0);
  if (x.shape[0]! > 1 && cols.sub(got).abs().max().item() < 1e-9)
    return 'the softmax runs over the wrong axis: normalise each row (dim 1), not each column';
  void k;
  return 'softmax(x)_j = exp(x_j − max x) / Σ_c exp(x_c − max x), per row (dim 1, keepdim)';
};

export const exercise: Exercise = {
  n: 1,
  file: '01-softmax.ts',
  title: 'a numerically stable softmax and log-softmax',
  teaches: 'the max-subtraction trick, and why log-softmax is x − logsumexp(x), not log(softmax)',
  derivation: 'derivations.md#0-softmax-and-log-softmax',
  exports: ['softmax', 'logSoftmax'],
  properties: [
    {
      name: 'softmax equals the definition on every row',
      run: (k, m) =>
        forAll(logits(5), (input) => {
          const { got, x } = run(k, m, 'softmax', input);
          expectClose(
            'softmax equals the definition',
            input.rows,
            got,
            x.softmax(1),
            1e-9,
            softmaxHint(k, x),
          );
        }),
    },
    {
      name: 'softmax stays finite and exact for logits up to ±1000',
      run: (k, m) =>
        forAll(logits(1000), (input) => {
          const { got, x } = run(k, m, 'softmax', input);
          expectClose(
            'softmax of large logits',
            input.rows,
            got,
            x.softmax(1),
            1e-9,
            softmaxHint(k, x),
          );
        }),
    },
    {
      name: 'logSoftmax equals x − logsumexp(x), finite even for very unlikely classes',
      run: (k, m) =>
        forAll(logits(1000), (input) => {
          const { got, x } = run(k, m, 'logSoftmax', input);
          expectClose(
            'logSoftmax equals x − logsumexp(x)',
            input.rows,
            got,
            x.logSoftmax(1),
            1e-8,
            (g) =>
              g
                .toArray<number[][]>()
                .flat()
                .some((v) => !Number.isFinite(v))
                ? 'log(softmax(x)) is −Infinity once a probability underflows to 0: compute x − max − log Σ exp(x − max) instead'
                : 'logSoftmax(x)_j = x_j − max x − log Σ_c exp(x_c − max x), per row',
          );
        }),
    },
  ],
};
