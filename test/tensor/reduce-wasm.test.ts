// Per-channel sums of large float32 tensors (a bias's gradient: sum over every dim but one) run in
// wasm over the threads (assembly/batchnorm.ts, channelSumsF32) in sumKernel's order: each run of
// the innermost reduced dims summed in float64 in eight interleaved partial sums (combined as
// ((p0 + p2) + (p4 + p6)) + ((p1 + p3) + (p5 + p7)), the last len mod 8 terms after), then added to
// its channel's total. Checked bit for bit against that order written out, for the layouts a bias
// gradient takes, NaN and ±∞ included; other layouts keep the TypeScript loop.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, tensor } from '../../src/index.js';
import { fcParams } from '../helpers/arbitraries.js';
import { runOrder } from '../helpers/run-order.js';

const SPECIAL = [NaN, Infinity, -Infinity, -0, 3e38];

describe('per-channel sums of large float32 tensors (wasm)', () => {
  it("sum over [0, 2, 3], [1] and [0] give sumKernel's float64 order, bit for bit", () => {
    const cases = fc
      .record({
        B: fc.integer({ min: 1, max: 6 }),
        C: fc.integer({ min: 1, max: 12 }),
        S: fc.integer({ min: 1, max: 900 }),
        seed: fc.nat(),
        specials: fc.boolean(),
      })
      .filter(({ B, C, S }) => B * C * S >= 16384);
    fc.assert(
      fc.property(cases, ({ B, C, S, seed, specials }) => {
        const g = new Generator(seed);
        // exponents over ±40 so float64 sums round (rounded to float32 an order change rarely
        // shows: backend/parity.test.ts checks the order on the float64 sums themselves)
        const data = Float32Array.from({ length: B * C * S }, () =>
          specials && g.random() < 0.01
            ? SPECIAL[g.integer(0, SPECIAL.length)]!
            : g.normal() * 2 ** g.integer(-40, 40),
        );
        const x = tensor(data).reshape([B, C, S]);
        const at = (b: number, c: number, s: number) => data[(b * C + c) * S + s]!;
        // over batch and positions, per channel: runs of S in the order above, added per b
        const perChannel = Array.from({ length: C }, (_, c) => {
          let acc = 0;
          for (let b = 0; b < B; b++) acc += runOrder((i) => at(b, c, i), S);
          return Math.fround(acc);
        });
        expect(Array.from(x.reshape([B, C, S, 1]).sum([0, 2, 3]).toTypedArray())).toEqual(
          perChannel,
        );
        // over the last dim of [B·C, S] (one run per row) and over the first of [B, C·S] (one value per run)
        const rows = Array.from({ length: B * C }, (_, r) => {
          return Math.fround(0 + runOrder((i) => data[r * S + i]!, S));
        });
        expect(
          Array.from(
            x
              .reshape([B * C, S])
              .sum(1)
              .toTypedArray(),
          ),
        ).toEqual(rows);
        const cols = Array.from({ length: C * S }, (_, k) => {
          let acc = 0;
          for (let b = 0; b < B; b++) acc += data[b * C * S + k]!;
          return Math.fround(acc);
        });
        expect(
          Array.from(
            x
              .reshape([B, C * S])
              .sum(0)
              .toTypedArray(),
          ),
        ).toEqual(cols);
      }),
      fcParams(15),
    );
  });
});
