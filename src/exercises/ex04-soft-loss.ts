// 4. The teacher's soft targets at temperature T, and the T²-scaled soft loss.
import type { Tensor } from '../autograd/tensor.js';
import fc from 'fast-check';
import { asTensor, call, expectClose, fn, forAll, pair, show } from './props.js';
import { PropertyFailure, type Exercise } from './types.js';

const temperature = fc.constantFrom(0.5, 1, 2, 4, 8);

export const exercise: Exercise = {
  n: 4,
  file: '04-soft-loss.ts',
  title: 'soft targets at temperature T and the T²-scaled soft loss',
  teaches: 'softmax(t/T) flattens the targets; T² keeps the soft gradient’s scale as T changes',
  derivation: 'derivations.md#5-why-t-the-soft-gradient-shrinks-like-1t--at-high-t-only',
  exports: ['softTargets', 'softLoss'],
  properties: [
    {
      name: 'softTargets(t, T) = softmax(t / T) per row',
      run: (k, m) =>
        forAll(fc.tuple(pair(5), temperature), ([input, T]) => {
          const t = k.tensor(input.t, { dtype: 'float64' });
          const f = fn<(t: Tensor, T: number) => unknown>(m, 'softTargets');
          const got = asTensor(
            k,
            call('softTargets', () => f(t, T)),
            'softTargets',
          );
          expectClose(
            'softTargets',
            { teacherLogits: input.t, T },
            got,
            t.div(T).softmax(1),
            1e-9,
            (g) =>
              g.sub(t.softmax(1)).abs().sum().item() < 1e-9 && T !== 1
                ? 'T is not used: divide the logits by T before the softmax'
                : g.sub(t.mul(T).softmax(1)).abs().sum().item() < 1e-9
                  ? 'the logits are multiplied by T: divide them'
                  : 'p = softmax(t / T) over each row',
          );
        }),
    },
    {
      name: 'softLoss(s, t, T) = T² · KL_batchmean(softmax(t/T) ‖ softmax(s/T))',
      run: (k, m) =>
        forAll(
          fc.tuple(
            pair(5),
            temperature.filter((T) => T !== 1),
          ),
          ([input, T]) => {
            const s = k.tensor(input.rows, { dtype: 'float64' });
            const t = k.tensor(input.t, { dtype: 'float64' });
            const f = fn<(s: Tensor, t: Tensor, T: number) => unknown>(m, 'softLoss');
            const got = asTensor(
              k,
              call('softLoss', () => f(s, t, T)),
              'softLoss',
            );
            const want = k
              .distillationParts(s, t, input.y, { temperature: T, alpha: 1 })
              .softLoss.item();
            const v = got.numel() === 1 ? got.item() : NaN;
            const near = (a: number) => Math.abs(v - a) <= 1e-9 * Math.max(1, Math.abs(a));
            if (near(want)) return;
            const hint = near(want / (T * T))
              ? 'the T² factor is missing: multiply the KL by T² so the soft gradient keeps its scale'
              : near(want / T)
                ? 'multiplied by T, not T²'
                : near((want * input.B) / 1) && input.B > 1
                  ? 'summed over the batch: divide by B (batchmean)'
                  : 'T² · Σ_b Σ_c p (log p − log q) / B, with p = softmax(t/T) and log q = logSoftmax(s/T)';
            throw new PropertyFailure(
              'softLoss',
              show({ studentLogits: input.rows, teacherLogits: input.t, T }),
              String(want),
              String(v),
              hint,
            );
          },
        ),
    },
  ],
};
