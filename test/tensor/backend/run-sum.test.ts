// The summation order every backend shares (src/tensor/backend/run-sum.ts): eight interleaved
// partial sums combined as ((p0 + p2) + (p4 + p6)) + ((p1 + p3) + (p5 + p7)), then the tail in
// order. Checked bit for bit against that order written out, on float64 runs with wide exponents
// (so the order shows in the bits), with strides and offsets; and the order is not the plain
// running sum, which these inputs tell apart.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  runProductSum,
  runSquaredDeviations,
  runSum,
} from '../../../src/tensor/backend/run-sum.js';
import { Generator } from '../../../src/index.js';
import { fcParams } from '../../helpers/arbitraries.js';
import { runOrder } from '../../helpers/run-order.js';

const wide = (g: Generator, n: number) =>
  Float64Array.from({ length: n }, () => g.normal() * 2 ** g.integer(-60, 60));

const runs = fc.record({
  len: fc.integer({ min: 0, max: 70 }),
  at: fc.integer({ min: 0, max: 5 }),
  step: fc.integer({ min: 1, max: 3 }),
  seed: fc.nat(),
});

describe('run-sum order', () => {
  it('runSum, runSquaredDeviations and runProductSum follow the documented order bit for bit', () => {
    fc.assert(
      fc.property(runs, ({ len, at, step, seed }) => {
        const g = new Generator(seed);
        const x = wide(g, at + len * step + 1);
        const y = wide(g, at + len + 1);
        const m = g.normal() * 2 ** g.integer(-20, 20);
        expect(
          Object.is(
            runSum(x, at, len, step),
            runOrder((j) => x[at + j * step]!, len),
          ),
        ).toBe(true);
        const sq = runOrder((j) => (x[at + j]! - m) * (x[at + j]! - m), len);
        expect(Object.is(runSquaredDeviations(x, at, len, m), sq)).toBe(true);
        const gx = runOrder((j) => y[at + j]! * (x[at + j]! - m), len);
        expect(Object.is(runProductSum(y, x, at, len, m), gx)).toBe(true);
      }),
      fcParams(200),
    );
  });

  it('is not the plain running sum: some wide run sums to other bits', () => {
    const g = new Generator(7);
    let differ = 0;
    for (let r = 0; r < 50; r++) {
      const x = wide(g, 64);
      let plain = 0;
      for (const v of x) plain += v;
      if (!Object.is(plain, runSum(x, 0, 64))) differ++;
    }
    expect(differ).toBeGreaterThan(0);
  });
});
