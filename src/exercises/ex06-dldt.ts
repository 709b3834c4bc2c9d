// 6. dKL/dT in closed form, checked against autograd with T in the graph.
import fc from 'fast-check';
import type { Tensor } from '../autograd/tensor.js';
import { call, fn, forAll, pair, show } from './props.js';
import { PropertyFailure, type Exercise } from './types.js';

export const exercise: Exercise = {
  n: 6,
  file: '06-dl-dt.ts',
  title: 'dKL/dT by hand',
  teaches:
    'the temperature is an input of the loss like any other: its derivative has a closed form',
  derivation: 'derivations.md#6-the-gradient-with-respect-to-t',
  exports: ['dKLdT'],
  properties: [
    {
      name: 'dKLdT(s, t, T) equals autograd’s dKL_batchmean/dT',
      run: (k, m) =>
        forAll(fc.tuple(pair(4), fc.constantFrom(0.5, 1, 2, 4, 10)), ([input, Tv]) => {
          const s = k.tensor(input.rows, { dtype: 'float64' });
          const t = k.tensor(input.t, { dtype: 'float64' });
          const T = k.tensor(Tv, { dtype: 'float64', requiresGrad: true });
          k.distillationParts(s, t, input.y, { temperature: T, alpha: 1 }).kl.backward();
          const want = T.grad!.item();
          const f = fn<(s: Tensor, t: Tensor, T: number) => unknown>(m, 'dKLdT');
          const got = call('dKLdT', () => f(s, t, Tv));
          const v = typeof got === 'number' ? got : got instanceof k.Tensor ? got.item() : NaN;
          if (Math.abs(v - want) <= 1e-8 * Math.max(1, Math.abs(want))) return;
          const near = (x: number) => Math.abs(v - x) <= 1e-8 * Math.max(1, Math.abs(x));
          const hint = near(-want)
            ? 'the sign is reversed: with β = 1/T, dβ/dT = −1/T²'
            : near(want * input.B) && input.B > 1
              ? 'summed over the batch: average the per-row values (batchmean)'
              : 'dKL/dT = (E_p[s] − E_q[s]) / T² − Cov_p(t, t − s) / T³ per row, averaged over the batch';
          throw new PropertyFailure(
            'dKL/dT',
            show({ studentLogits: input.rows, teacherLogits: input.t, T: Tv }),
            String(want),
            String(v),
            hint,
          );
        }),
    },
  ],
};
