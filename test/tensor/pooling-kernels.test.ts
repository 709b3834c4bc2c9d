// Max pooling: the wasm kernel (float32, planes split over threads) against the TypeScript loop
// (run on the same values in float64) over random shapes, windows, strides and paddings, with
// ties, NaN and −∞ among the values: the same maxima and the same (first) positions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, tensor } from '../../src/index.js';
import { maxPool2dKernel } from '../../src/tensor/kernels/pooling.js';
import type { Window } from '../../src/tensor/kernels/conv.js';
import { fcParams, seedArb } from '../helpers/arbitraries.js';

const caseArb = fc
  .record({
    B: fc.integer({ min: 1, max: 3 }),
    C: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 1, max: 9 }),
    W: fc.integer({ min: 1, max: 9 }),
    kh: fc.integer({ min: 1, max: 3 }),
    kw: fc.integer({ min: 1, max: 3 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    ph: fc.integer({ min: 0, max: 1 }),
    pw: fc.integer({ min: 0, max: 1 }),
    special: fc.boolean(),
    seed: seedArb,
  })
  .filter(
    (r) => r.H + 2 * r.ph >= r.kh && r.W + 2 * r.pw >= r.kw && r.ph <= r.kh / 2 && r.pw <= r.kw / 2,
  );

// the 2×2, stride-2, unpadded pooling of every CNN in the zoo, which the kernel runs four
// outputs at a time (assembly/conv.ts): planes wide enough for that path, odd sizes for its edges
const pool2x2Arb = fc.record({
  B: fc.integer({ min: 1, max: 2 }),
  C: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 2, max: 19 }),
  W: fc.integer({ min: 2, max: 41 }),
  kh: fc.constant(2),
  kw: fc.constant(2),
  sh: fc.constant(2),
  sw: fc.constant(2),
  ph: fc.constant(0),
  pw: fc.constant(0),
  special: fc.boolean(),
  seed: seedArb,
});

describe('maxPool2d kernel: wasm (float32) against the TypeScript loop (float64)', () => {
  it('gives the same values and first-maximum indices, ties, NaN and −∞ included', () => {
    fc.assert(
      fc.property(fc.oneof(caseArb, pool2x2Arb), (r) => {
        const g = new Generator(r.seed);
        const n = r.B * r.C * r.H * r.W;
        // values on a coarse grid, so windows have ties; sometimes NaN and −∞ as well
        const vals = Array.from({ length: n }, () => {
          const u = g.random();
          if (r.special && u < 0.05) return NaN;
          if (r.special && u < 0.15) return -Infinity;
          return Math.round(g.normal() * 2) / 2;
        });
        const x32 = tensor(vals, { shape: [r.B, r.C, r.H, r.W] });
        const x64 = x32.double();
        const win: Window = { kernel: [r.kh, r.kw], stride: [r.sh, r.sw], padding: [r.ph, r.pw] };
        const fast = maxPool2dKernel(x32.storage, win);
        const ref = maxPool2dKernel(x64.storage, win);
        expect(fast.values.data).toBeInstanceOf(Float32Array);
        expect(Array.from(fast.indices.data)).toEqual(Array.from(ref.indices.data));
        expect(Array.from(fast.values.data)).toEqual(Array.from(ref.values.data));
      }),
      fcParams(200),
    );
  });
});
