// Batch norm's passes over float32 inputs of 16,384 values and more run in wasm over the threads
// (assembly/batchnorm.ts). Their definition is the TypeScript kernel's arithmetic: per-channel
// sums in float64, each plane's run in eight interleaved partial sums (combined as
// ((p0 + p2) + (p4 + p6)) + ((p1 + p3) + (p5 + p7)), the last S mod 8 terms after) and the planes'
// sums added n by n, and each output the float64 expression rounded once to float32. Checked here bit for bit over random sizes (planes whose length is no multiple
// of 4 included, so the SIMD loops' tails run), with and without an affine weight and bias.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, randn } from '../../src/index.js';
import {
  batchNormBackwardKernel,
  batchNormForwardKernel,
  batchNormStatsKernel,
} from '../../src/tensor/kernels/batchnorm.js';
import { fcParams } from '../helpers/arbitraries.js';
import { runOrder } from '../helpers/run-order.js';

const sizes = fc
  .record({
    N: fc.integer({ min: 1, max: 5 }),
    C: fc.integer({ min: 1, max: 9 }),
    extra: fc.integer({ min: 0, max: 37 }),
    affine: fc.boolean(),
    seed: fc.nat(),
  })
  .map(({ N, C, extra, ...r }) => ({ ...r, N, C, S: Math.ceil(16384 / (N * C)) + extra }));

function same(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!Object.is(got[i], want[i]))
      expect({ what, i, got: got[i] }).toEqual({ what, i, got: want[i] });
}

describe('batch norm kernels on large float32 inputs (wasm)', () => {
  it('statistics, forward and backward are the float64 formulas of the TypeScript kernel, bit for bit', () => {
    fc.assert(
      fc.property(sizes, ({ N, C, S, affine, seed }) => {
        const g = new Generator(seed);
        const x = randn([N, C, S], { generator: g });
        const gy = randn([N, C, S], { generator: g });
        const w = affine ? randn([C], { generator: g }) : null;
        const b = affine ? randn([C], { generator: g }) : null;
        const X = x.storage.data,
          G = gy.storage.data;
        const at = (n: number, c: number, i: number) => (n * C + c) * S + i;
        const M = N * S;
        // the definition, written out: statistics
        const mean = new Float64Array(C),
          variance = new Float64Array(C),
          rstd = new Float64Array(C);
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let n = 0; n < N; n++) s += runOrder((i) => X[at(n, c, i)]!, S);
          const m = s / M;
          let q = 0;
          for (let n = 0; n < N; n++)
            q += runOrder((i) => (X[at(n, c, i)]! - m) * (X[at(n, c, i)]! - m), S);
          mean[c] = m;
          variance[c] = q / M;
          rstd[c] = 1 / Math.sqrt(q / M + 1e-5);
        }
        const stats = batchNormStatsKernel(x.storage);
        same(stats.mean, mean, 'mean');
        same(stats.variance, variance, 'variance');
        // forward
        const y = batchNormForwardKernel(
          x.storage,
          mean,
          rstd,
          w?.storage ?? null,
          b?.storage ?? null,
          'float32',
        );
        const wantY = new Float32Array(N * C * S);
        for (let n = 0; n < N; n++)
          for (let c = 0; c < C; c++) {
            const scale = rstd[c]! * (w ? w.storage.data[c]! : 1);
            const shift = (b ? b.storage.data[c]! : 0) - mean[c]! * scale;
            for (let i = 0; i < S; i++) wantY[at(n, c, i)] = X[at(n, c, i)]! * scale + shift;
          }
        same(y.data, wantY, 'y');
        // backward
        const back = batchNormBackwardKernel(
          gy.storage,
          x.storage,
          mean,
          rstd,
          w?.storage ?? null,
          true,
          'float32',
        );
        const wantDx = new Float32Array(N * C * S);
        for (let c = 0; c < C; c++) {
          let sg = 0,
            sgx = 0;
          for (let n = 0; n < N; n++) {
            sg += runOrder((i) => G[at(n, c, i)]!, S);
            sgx += runOrder((i) => G[at(n, c, i)]! * (X[at(n, c, i)]! - mean[c]!), S);
          }
          const sumGXhat = sgx * rstd[c]!;
          expect(Object.is(back.sumG[c], sg) && Object.is(back.sumGXhat[c], sumGXhat)).toBe(true);
          const k = ((w ? w.storage.data[c]! : 1) * rstd[c]!) / M;
          const bb = -k * rstd[c]! * sumGXhat;
          const a = M * k,
            d = -k * sg - bb * mean[c]!;
          for (let n = 0; n < N; n++)
            for (let i = 0; i < S; i++)
              wantDx[at(n, c, i)] = a * G[at(n, c, i)]! + bb * X[at(n, c, i)]! + d;
        }
        same(back.dx!.data, wantDx, 'dx');
      }),
      fcParams(15),
    );
  });
});
