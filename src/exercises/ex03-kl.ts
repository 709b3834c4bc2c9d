// 3. KL divergence with batchmean reduction, from the student's log-probabilities and the
// teacher's probabilities.
import type { Tensor } from '../autograd/tensor.js';
import { asTensor, call, fn, forAll, pair, show } from './props.js';
import { PropertyFailure, type Exercise } from './types.js';

export const exercise: Exercise = {
  n: 3,
  file: '03-kl-batchmean.ts',
  title: 'KL divergence with batchmean',
  teaches: "batchmean divides by the batch size only; PyTorch's 'mean' also divides by the classes",
  derivation: 'derivations.md#11-reductions',
  exports: ['klDivBatchmean'],
  properties: [
    {
      name: 'klDivBatchmean(log q, p) = Σ_b Σ_c p (log p − log q) / B',
      run: (k, m) =>
        forAll(pair(4), (input) => {
          const logQ = k.tensor(input.rows, { dtype: 'float64' }).logSoftmax(1);
          const p = k.tensor(input.t, { dtype: 'float64' }).softmax(1);
          const f = fn<(lq: Tensor, p: Tensor) => unknown>(m, 'klDivBatchmean');
          const got = asTensor(
            k,
            call('klDivBatchmean', () => f(logQ, p)),
            'klDivBatchmean',
          );
          const want = p.mul(p.log().sub(logQ)).sum().div(input.B).item();
          const v = got.numel() === 1 ? got.item() : NaN;
          if (Math.abs(v - want) <= 1e-9 * Math.max(1, Math.abs(want))) return;
          const near = (a: number) => Math.abs(v - a) <= 1e-9 * Math.max(1, Math.abs(a));
          const hint =
            got.numel() !== 1
              ? `return one number (a 0-d tensor): sum over classes and batch, then divide by B; got shape [${got.shape.join(', ')}]`
              : near(want * input.B) && input.B > 1
                ? 'summed over the batch without dividing by B: batchmean is the sum divided by the batch size'
                : near(want / input.C)
                  ? "divided by B·C (PyTorch's reduction='mean'): batchmean divides by B only — the classic KD bug"
                  : near(-want)
                    ? 'the sign is reversed: KL = Σ p (log p − log q), teacher first'
                    : 'KL(p ‖ q) = Σ_c p_c (log p_c − log q_c), summed over classes, averaged over the batch';
          throw new PropertyFailure(
            'KL with batchmean',
            show({ studentLogits: input.rows, teacherLogits: input.t }),
            String(want),
            String(v),
            hint,
          );
        }),
    },
  ],
};
