// 7. The article's adaptive temperature with a floor, and the targets of several teachers
// (average of probabilities, or softmax of the averaged logits).
import fc from 'fast-check';
import type { Tensor } from '../autograd/tensor.js';
import { asTensor, call, expectClose, fn, forAll, logits, show } from './props.js';
import { PropertyFailure, type Exercise } from './types.js';

export const exercise: Exercise = {
  n: 7,
  file: '07-schedule-and-teachers.ts',
  title: 'the adaptive temperature with a floor, and several teachers’ targets',
  teaches:
    'an exponential decay falls below 1 unless floored; averaging probabilities ≠ averaging logits',
  derivation: 'derivations.md#13-the-adaptive-temperature-schedule',
  exports: ['temperatureAt', 'averagedTargets'],
  properties: [
    {
      name: 'temperatureAt(e, T0, decay, minTemp) = max(minTemp, T0 · decay^e)',
      run: (_k, m) =>
        forAll(
          fc.record({
            e: fc.integer({ min: 0, max: 60 }),
            T0: fc.constantFrom(1, 2, 4, 8),
            decay: fc.constantFrom(0.8, 0.9, 0.95, 1),
            minTemp: fc.constantFrom(0, 0.5, 1),
          }),
          (o) => {
            const f = fn<(e: number, T0: number, d: number, min: number) => unknown>(
              m,
              'temperatureAt',
            );
            const v = call('temperatureAt', () => f(o.e, o.T0, o.decay, o.minTemp));
            const want = Math.max(o.minTemp, o.T0 * o.decay ** o.e);
            if (typeof v === 'number' && Math.abs(v - want) <= 1e-12 * want) return;
            const hint =
              typeof v === 'number' && Math.abs(v - o.T0 * o.decay ** o.e) <= 1e-12
                ? 'the floor is missing: T must never go below minTemp'
                : 'T0 · decay^epoch, then at least minTemp (epochs count from 0)';
            throw new PropertyFailure('temperatureAt', show(o), String(want), String(v), hint);
          },
        ),
    },
    {
      name: "averagedTargets(teachers, T, 'probs' | 'logits') is the mean of softmaxes, or the softmax of the mean",
      run: (k, m) =>
        forAll(
          fc.tuple(
            logits(5),
            fc.integer({ min: 2, max: 3 }),
            fc.constantFrom(1, 4),
            fc.constantFrom('probs' as const, 'logits' as const),
          ),
          ([base, K, T, average]) => {
            // K teachers: the base logits shifted per teacher and per class, so they disagree
            const ts = Array.from({ length: K }, (_, i) =>
              k.tensor(
                base.rows.map((r) => r.map((v, c) => v + (i + 1) * ((c % 3) - 1))),
                { dtype: 'float64' },
              ),
            );
            const f = fn<(t: Tensor[], T: number, a: string) => unknown>(m, 'averagedTargets');
            const got = asTensor(
              k,
              call('averagedTargets', () => f(ts, T, average)),
              'averagedTargets',
            );
            const probs = ts
              .map((t) => t.div(T).softmax(1))
              .reduce((a, b) => a.add(b))
              .div(K);
            const fromLogits = ts
              .reduce((a, b) => a.add(b))
              .div(K)
              .div(T)
              .softmax(1);
            const want = average === 'probs' ? probs : fromLogits;
            const other = average === 'probs' ? fromLogits : probs;
            expectClose(
              `averagedTargets(…, '${average}')`,
              { teacherLogits: ts.map((t) => t.toArray<number[][]>()), T, average },
              got,
              want,
              1e-9,
              (g) =>
                g.sub(other).abs().sum().item() < 1e-9
                  ? `this is the other average: '${average}' means ${average === 'probs' ? 'mean_k softmax(t_k/T)' : 'softmax(mean_k t_k / T)'}`
                  : 'probs: mean over teachers of softmax(t_k/T); logits: softmax of (mean over teachers of t_k) / T',
            );
          },
          40,
        ),
    },
  ],
};
