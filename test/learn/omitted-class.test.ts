// The omitted-class experiment's pieces: the transfer set, the bias shift, the accuracies.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accuracies, biasShiftForShare, withoutClass } from '../../src/learn/omitted-class.js';
import { learnableSet } from '../helpers/fixtures.js';

describe('omitted-class', () => {
  it('withoutClass keeps every other image, in order, bytes intact', () => {
    const set = learnableSet(300, 1);
    const out = withoutClass(set, 3);
    const kept = Array.from(set.labels.keys()).filter((i) => set.labels[i] !== 3);
    expect(out.count).toBe(kept.length);
    expect(Array.from(out.labels)).toEqual(kept.map((i) => set.labels[i]));
    const same = kept.every((i, r) =>
      Buffer.from(out.images.subarray(r * 3072, (r + 1) * 3072)).equals(
        set.images.subarray(i * 3072, (i + 1) * 3072),
      ),
    );
    expect(same).toBe(true);
    expect(out.images.length).toBe(kept.length * 3072);
  });

  it('the bias shift makes the class predicted on exactly round(share · n) rows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1e6 }),
        (C, n, share, seed) => {
          // distinct logits so no two margins tie
          const z = Float64Array.from(
            { length: n * C },
            (_, i) => Math.sin(seed + i * 12.9898) * 5 + i * 1e-9,
          );
          const c = seed % C;
          const delta = biasShiftForShare(z, C, c, share);
          const labels = new Int32Array(n);
          expect(accuracies(z, labels, C, c, delta).predictedShare).toBe(Math.round(share * n) / n);
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });

  it('accuracies: overall, on the class, and the shifted class logit', () => {
    // rows: predicted 0, 1, 0 (class 1 is 0.5 behind in row 2)
    const z = [2, 1, 0, 3, 1, 0.5];
    expect(accuracies(z, [0, 1, 1], 2, 1)).toEqual({
      accuracy: 2 / 3,
      omittedAccuracy: 0.5,
      predictedShare: 1 / 3,
    });
    expect(accuracies(z, [0, 1, 1], 2, 1, 0.6)).toEqual({
      accuracy: 1,
      omittedAccuracy: 1,
      predictedShare: 2 / 3,
    });
  });
});
