// 8. Decoupled KD's split of the KL into a target-class and a non-target-class term.
import fc from 'fast-check';
import type { Tensor } from '../autograd/tensor.js';
import { asTensor, call, fn, forAll, pair, show } from './props.js';
import { PropertyFailure, type Exercise } from './types.js';

type Split = (s: Tensor, t: Tensor, y: number[], T: number) => unknown;

export const exercise: Exercise = {
  n: 8,
  file: '08-dkd-split.ts',
  title: "DKD's target and non-target terms",
  teaches:
    'KL = TCKD + (1 − p_y)·NCKD: the non-target term is suppressed when the teacher is confident',
  derivation: 'derivations.md#12-decoupled-kd',
  exports: ['dkdSplit'],
  properties: [
    {
      name: 'dkdSplit(s, t, y, T) gives TCKD and NCKD (batchmean, unscaled) as DKD defines them',
      run: (k, m) =>
        forAll(
          fc.tuple(pair(4, 3), fc.constantFrom(1, 2, 4)),
          ([input, T]) => {
            const s = k.tensor(input.rows, { dtype: 'float64' });
            const t = k.tensor(input.t, { dtype: 'float64' });
            const got = call('dkdSplit', () => fn<Split>(m, 'dkdSplit')(s, t, input.y, T)) as {
              tckd?: unknown;
              nckd?: unknown;
            };
            const want = new k.DecoupledDistillationLoss({ temperature: T, warmup: 0 }).parts(
              s,
              t,
              input.y,
              0,
            );
            const tckd = asTensor(k, got?.tckd, 'dkdSplit(…).tckd').item();
            const nckd = asTensor(k, got?.nckd, 'dkdSplit(…).nckd').item();
            const ok = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
            if (ok(tckd, want.tckd.item()) && ok(nckd, want.nckd.item())) return;
            const hint = !ok(tckd, want.tckd.item())
              ? 'TCKD is the KL between [p_y, 1 − p_y] and [q_y, 1 − q_y]; take log(1 − q_y) as lse over c ≠ y of s/T minus lse(s/T), never log(1 − q_y)'
              : 'NCKD is the KL between the softmaxes over the non-target classes only (renormalised without class y), averaged over the batch';
            throw new PropertyFailure(
              'dkdSplit',
              show({ studentLogits: input.rows, teacherLogits: input.t, labels: input.y, T }),
              show({ tckd: want.tckd.item(), nckd: want.nckd.item() }),
              show({ tckd, nckd }),
              hint,
            );
          },
          40,
        ),
    },
  ],
};
