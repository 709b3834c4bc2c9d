// The WebAssembly SIMD kernels against the TypeScript reference kernels, and the embedded binary
// against a fresh AssemblyScript build (so assembly/*.ts and the shipped wasm cannot drift apart).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, randn } from '../../src/index.js';
import { typescriptBackend, wasmStatus } from '../../src/tensor/backend/index.js';
import { wasmBackend } from '../../src/tensor/backend/wasm/kernels.js';
import { matmulKernel } from '../../src/tensor/kernels/matmul.js';
import { fcParams } from '../helpers/arbitraries.js';

const dims = fc.record({
  n: fc.integer({ min: 1, max: 37 }),
  k: fc.integer({ min: 1, max: 37 }),
  m: fc.integer({ min: 1, max: 37 }),
  seed: fc.nat(),
});
// wide enough to cross the kernels' column panels (64 columns for sgemm, 16 for sgemmNT) with tails
const wide = fc.record({
  n: fc.integer({ min: 1, max: 11 }),
  k: fc.integer({ min: 1, max: 9 }),
  m: fc.integer({ min: 60, max: 200 }),
  seed: fc.nat(),
});

describe('wasm kernels', () => {
  it('load (WebAssembly SIMD is available in Node >= 20)', () => {
    const status = wasmStatus();
    expect(status.enabled).toBe(true);
    expect(status.reason).toMatch(/^WebAssembly (relaxed-)?SIMD kernels loaded/);
  });

  for (const transposeB of [false, true]) {
    it(`sgemm${transposeB ? 'NT' : ''} equals the reference kernel for odd sizes`, () => {
      fc.assert(
        fc.property(fc.oneof(dims, wide), ({ n, k, m, seed }) => {
          const g = new Generator(seed);
          const A = Float32Array.from({ length: n * k + 3 }, () => g.normal());
          const B = Float32Array.from({ length: k * m + 5 }, () => g.normal());
          // the reference on the explicit transpose when B is stored as [m, k]
          const Bn = transposeB
            ? Float32Array.from(
                { length: k * m },
                (_, i) => B[5 + (i % m) * k + Math.floor(i / m)]!,
              )
            : B.subarray(5);
          const want = new Float64Array(n * m);
          typescriptBackend.gemm(
            Float64Array.from(A.subarray(3)),
            0,
            Float64Array.from(Bn),
            0,
            want,
            0,
            n,
            k,
            m,
            false,
          );
          const got = new Float32Array(n * m + 2);
          wasmBackend.gemm(A, 3, B, 5, got, 2, n, k, m, transposeB);
          want.forEach((v, i) =>
            expect(Math.abs(got[i + 2]! - v)).toBeLessThanOrEqual(
              1e-5 * (1 + Math.sqrt(k)) * (1 + Math.abs(v)),
            ),
          );
          expect([got[0], got[1]]).toEqual([0, 0]); // nothing written before C
        }),
        fcParams(120),
      );
    });
  }

  // Rows of B of 1024 floats or more are packed into strips first (assembly/gemm.ts), whatever n;
  // each element is still one sum over k in the same order, so the result must be bit-identical
  // to products over column blocks too narrow to be packed (n < 8 rows: blocks of 512 columns are
  // not), and close to the float64 reference. test/tensor/fma.test.ts compares packed and
  // unpacked for every n.
  it('sgemm with packed B (m ≥ 1024) equals unpacked column blocks bit for bit', () => {
    const long = fc.record({
      n: fc.integer({ min: 1, max: 7 }),
      k: fc.integer({ min: 1, max: 300 }),
      m: fc.integer({ min: 1024, max: 1100 }),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(long, ({ n, k, m, seed }) => {
        const g = new Generator(seed);
        const A = Float32Array.from({ length: n * k }, () => g.normal());
        const B = Float32Array.from({ length: k * m }, () => g.normal());
        const got = new Float32Array(n * m);
        wasmBackend.gemm(A, 0, B, 0, got, 0, n, k, m, false);
        const half = 512; // columns [0, 512) and [512, m): both under the packing threshold
        for (const [j0, j1] of [
          [0, half],
          [half, m],
        ] as const) {
          const w = j1 - j0;
          const Bj = Float32Array.from(
            { length: k * w },
            (_, i) => B[Math.floor(i / w) * m + j0 + (i % w)]!,
          );
          const part = new Float32Array(n * w);
          wasmBackend.gemm(A, 0, Bj, 0, part, 0, n, k, w, false);
          for (let i = 0; i < n; i++) {
            const row = Array.from(got.subarray(i * m + j0, i * m + j1));
            if (row.some((v, j) => !Object.is(v, part[i * w + j]))) {
              expect(row).toEqual(Array.from(part.subarray(i * w, (i + 1) * w)));
            }
          }
        }
        const want = new Float64Array(n * m);
        typescriptBackend.gemm(
          Float64Array.from(A),
          0,
          Float64Array.from(B),
          0,
          want,
          0,
          n,
          k,
          m,
          false,
        );
        want.forEach((v, i) => {
          if (!(Math.abs(got[i]! - v) <= 1e-5 * (1 + Math.sqrt(k)) * (1 + Math.abs(v))))
            expect(got[i]).toBeCloseTo(v, 4);
        });
      }),
      fcParams(25),
    );
  });

  it('matmul through wasm (contiguous, transposed, batched/broadcast) equals float64 matmul', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 8, max: 30 }),
          k: fc.integer({ min: 8, max: 30 }),
          m: fc.integer({ min: 8, max: 30 }),
          seed: fc.nat(),
          tb: fc.boolean(),
          ta: fc.boolean(),
        }),
        ({ n, k, m, seed, tb, ta }) => {
          const g = new Generator(seed);
          const a = ta
            ? randn([2, k, n], { generator: g }).transpose(-2, -1)
            : randn([2, n, k], { generator: g });
          const b = tb ? randn([m, k], { generator: g }).t() : randn([k, m], { generator: g });
          const got = matmulKernel(a.storage, b.storage, 'float32').data;
          const want = a.double().matmul(b.double()).toTypedArray();
          want.forEach((v, i) =>
            expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v))),
          );
        },
      ),
      fcParams(30),
    );
  });

  // the build does not depend on which kernels this process loaded: checked once, not again in
  // the plain-simd project
  it.skipIf(process.env.KDGRAD_NO_FMA === '1')(
    'the embedded binaries match a fresh build',
    () => {
      const root = join(import.meta.dirname, '../..');
      expect(
        execFileSync(process.execPath, [join(root, 'scripts/build-wasm.mjs'), '--check'], {
          cwd: root,
          encoding: 'utf8',
        }),
      ).toMatch(/up to date/);
    },
    60_000,
  );
});
