// Gradient accumulation into a .grad buffer the engine owns is done in place (+=, no new array),
// and linear's weight gradient arrives in the weight's own layout: both bit-identical to the
// plain formulas.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, randn, type Tensor } from '../../src/index.js';
import { accumulateInto } from '../../src/tensor/kernels/elementwise.js';

const bits = (t: Tensor) => Array.from(t.contiguous().toTypedArray());

describe('gradient accumulation', () => {
  it('accumulateInto(dst, view) equals dst.add(view) bit for bit, for transposed and broadcast views', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 1e6 }),
        (r, c, seed) => {
          const g = new Generator(seed);
          const dst = randn([r, c], { generator: g });
          for (const src of [
            randn([c, r], { generator: g }).t(),
            randn([1, c], { generator: g }).expand([r, c]),
            randn([r, c], { generator: g }),
          ]) {
            const want = bits(dst.add(src));
            const d = dst.clone();
            accumulateInto(d.storage, src.storage);
            expect(bits(d)).toEqual(want);
          }
        },
      ),
      { seed: 5, numRuns: 60 },
    );
  });

  it('linear: W.grad is contiguous, equals (xᵀg)ᵀ exactly, and accumulates over two backward passes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 2, max: 70 }),
        fc.integer({ min: 2, max: 33 }),
        fc.integer({ min: 0, max: 1e6 }),
        (b, i, o, seed) => {
          const g = new Generator(seed);
          const W = randn([o, i], { generator: g }).requiresGrad_();
          const x = randn([b, i], { generator: g });
          const c = randn([b, o], { generator: g });
          let arriving: readonly number[] = [];
          W.registerHook((grad) => {
            arriving = grad.storage.strides;
          });
          x.matmul(W.t()).mul(c).sum().backward();
          // the gradient reaches W already in W's layout (not a transposed view to copy)
          expect(arriving).toEqual([i, 1]);
          expect(W.grad!.storage.strides).toEqual([i, 1]);
          const once = x.t().matmul(c).t();
          expect(bits(W.grad!)).toEqual(bits(once));
          W.zeroGrad({ setToNone: false });
          const buffer = W.grad!.storage.data;
          x.matmul(W.t()).mul(c).sum().backward();
          x.matmul(W.t()).mul(c).sum().backward();
          expect(W.grad!.storage.data).toBe(buffer); // accumulated into the same array
          expect(bits(W.grad!)).toEqual(bits(once.add(once)));
        },
      ),
      { seed: 9, numRuns: 40 },
    );
  });
});
