// 9. The omitted-class bias shift (Hinton et al. §3): the shift of one class's logit that makes a
// student predict it as often as its share of the training data, chosen without labels.
import fc from 'fast-check';
import { call, fn, forAll, show } from './props.js';
import { PropertyFailure, type Exercise } from './types.js';

export const exercise: Exercise = {
  n: 9,
  file: '09-bias-shift.ts',
  title: 'the omitted-class bias shift',
  teaches:
    'a student that never saw a class under-predicts it; one bias, chosen without labels, fixes the rate',
  derivation: 'learn.md#3b-hinton-et-als-omitted-class-experiment-at-small-scale',
  exports: ['biasShift'],
  properties: [
    {
      name: 'after adding biasShift(logits, c, share) to class c, about share of the rows predict c',
      run: (k, m) =>
        forAll(
          fc.record({
            rows: fc.array(
              fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 4, maxLength: 4 }),
              { minLength: 10, maxLength: 40 },
            ),
            c: fc.integer({ min: 0, max: 3 }),
            share: fc.constantFrom(0.1, 0.25, 0.5),
          }),
          ({ rows, c, share }) => {
            void k;
            const f = fn<(z: number[][], c: number, share: number) => unknown>(m, 'biasShift');
            const d = call('biasShift', () =>
              f(
                rows.map((r) => [...r]),
                c,
                share,
              ),
            );
            const n = rows.length;
            const predicted =
              typeof d === 'number'
                ? rows.filter((r) =>
                    r.map((v, j) => (j === c ? v + d : v)).every((v, _j, a) => v <= a[c]!),
                  ).length
                : NaN;
            // a tie-free shift can hit the share to within one row
            if (Math.abs(predicted - share * n) <= 1) return;
            throw new PropertyFailure(
              'the shifted logits predict class c at the given share',
              show({ rows: rows.length, c, share }),
              `about ${Math.round(share * n)} of ${n} rows predicting class ${c}`,
              typeof d === 'number'
                ? `${predicted} with a shift of ${d.toPrecision(4)}`
                : `a ${typeof d}, not a number`,
              'row i predicts c once δ > max_{k≠c} z_k − z_c: sort those margins and put δ between the ones at rank share·n',
            );
          },
        ),
    },
  ],
};
