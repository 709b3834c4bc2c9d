// The two builds of the WebAssembly kernels: relaxed SIMD (fused multiply-add in the GEMM
// micro-kernels) and plain SIMD. Which one loads, and why, is reported by wasmStatus(); the two
// must agree within float32 rounding on every shape (the order of each sum is the same, only the
// rounding of each multiply-add differs). Each build with itself across thread counts is
// test/tensor/threads.test.ts, run under both (vitest.config.ts: project plain-simd).
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator } from '../../src/index.js';
import { wasmStatus } from '../../src/tensor/backend/index.js';
import { WASM_FMA_BASE64 } from '../../src/tensor/backend/wasm/binary-relaxed.generated.js';
import { WASM_BASE64 } from '../../src/tensor/backend/wasm/binary.generated.js';
import type { Exports } from '../../src/tensor/backend/wasm/exports.generated.js';
import { fcParams } from '../helpers/arbitraries.js';

const noFma = process.env.KDGRAD_NO_FMA === '1';
// Linux names the x86 fused multiply-add instructions in /proc/cpuinfo's flags
const cpuHasFma = (() => {
  try {
    return /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return null;
  }
})();

interface Build {
  x: Exports;
  heap: Float32Array;
}

function build(base64: string): Build {
  setFlagsFromString('--experimental-wasm-relaxed-simd'); // Node 20 has it behind this flag
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536 });
  const module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
  const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => {} } });
  return { x: instance.exports as unknown as Exports, heap: new Float32Array(memory.buffer) };
}

/**
 * C = A·B (or A·Bᵀ with B stored [m, k]) on one build; A, B, C, packing space laid out in turn.
 * `pack` false: sgemm gets no packing space and reads B in place.
 */
function gemm(
  b: Build,
  A: Float32Array,
  B: Float32Array,
  n: number,
  k: number,
  m: number,
  nt: boolean,
  pack = true,
) {
  b.heap.fill(0);
  b.heap.set(A, 0);
  b.heap.set(B, A.length);
  const c = A.length + B.length;
  if (nt) b.x.sgemmNT(0, A.length * 4, c * 4, n, k, m);
  else b.x.sgemm(0, A.length * 4, c * 4, n, k, m, pack ? (c + n * m) * 4 : 0);
  return b.heap.slice(c, c + n * m);
}

const shapes = fc.record({
  n: fc.integer({ min: 1, max: 23 }),
  k: fc.integer({ min: 1, max: 300 }),
  m: fc.oneof(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1024, max: 1050 })),
  nt: fc.boolean(),
  seed: fc.nat(),
});

describe('relaxed-SIMD and plain SIMD kernels', () => {
  it('wasmStatus() names the build that runs and why', () => {
    const s = wasmStatus();
    if (noFma) {
      expect(s).toEqual({
        enabled: true,
        kernels: 'simd',
        fusedMultiplyAdd: false,
        reason:
          'WebAssembly SIMD kernels loaded (no fused multiply-add: disabled by KDGRAD_NO_FMA=1)',
      });
    } else {
      // Node 20 has relaxed SIMD behind a V8 flag the loader sets; later Node ships it
      expect(s.kernels).toBe('relaxed-simd');
      if (cpuHasFma !== null) expect(s.fusedMultiplyAdd).toBe(cpuHasFma);
      expect(s.reason).toMatch(/^WebAssembly relaxed-SIMD kernels loaded/);
    }
  });

  it('the relaxed build holds relaxed_madd and the plain one does not', () => {
    const has = (b64: string) =>
      Buffer.from(b64, 'base64').includes(Buffer.from([0xfd, 0x85, 0x02]));
    expect(has(WASM_FMA_BASE64)).toBe(true);
    expect(has(WASM_BASE64)).toBe(false);
  });

  it('agree within float32 rounding on GEMM of any shape (packed panels, tails)', () => {
    const plain = build(WASM_BASE64);
    const fused = build(WASM_FMA_BASE64);
    let differ = 0;
    fc.assert(
      fc.property(shapes, ({ n, k, m, nt, seed }) => {
        const g = new Generator(seed);
        const A = Float32Array.from({ length: n * k }, () => g.normal());
        const B = Float32Array.from({ length: k * m }, () => g.normal());
        const p = gemm(plain, A, B, n, k, m, nt);
        const f = gemm(fused, A, B, n, k, m, nt);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) {
            // |Σ a·b| bounds each rounding; k multiply-adds round at most 2k times in either build
            let mag = 0;
            for (let q = 0; q < k; q++) {
              mag += Math.abs(A[i * k + q]! * B[nt ? j * k + q : q * m + j]!);
            }
            const d = Math.abs(p[i * m + j]! - f[i * m + j]!);
            expect(d).toBeLessThanOrEqual(4 * k * 2 ** -24 * mag);
            if (d > 0) differ++;
          }
        }
      }),
      fcParams(60),
    );
    // on a processor that fuses, the relaxed build must round differently somewhere
    if (!noFma && wasmStatus().fusedMultiplyAdd) expect(differ).toBeGreaterThan(0);
  });

  // sgemm copies B into strips first (from 8 rows, or rows of B of 1,024 floats): a move of
  // values that must leave every sum as it was
  it('pack B without changing a bit, in either build', () => {
    const builds = [build(WASM_BASE64), build(WASM_FMA_BASE64)];
    fc.assert(
      fc.property(shapes, ({ n, k, m, seed }) => {
        const g = new Generator(seed);
        const A = Float32Array.from({ length: n * k }, () => g.normal());
        const B = Float32Array.from({ length: k * m }, () => g.normal());
        for (const b of builds) {
          const packed = gemm(b, A, B, n, k, m, false);
          const inPlace = gemm(b, A, B, n, k, m, false, false);
          if (packed.some((v, i) => !Object.is(v, inPlace[i]))) {
            expect(Array.from(packed)).toEqual(Array.from(inPlace));
          }
        }
      }),
      fcParams(60),
    );
  });

  // each element of C is one sum over k in order, multiply-adds rounded alike in SIMD blocks and
  // scalar tails, so where the shape puts an element does not change its bits
  it('give A·B and (Bᵀ·Aᵀ)ᵀ the same bits, in either build', () => {
    const builds = [build(WASM_BASE64), build(WASM_FMA_BASE64)];
    const transpose = (x: Float32Array, rows: number, cols: number) =>
      Float32Array.from(
        { length: rows * cols },
        (_, i) => x[(i % rows) * cols + Math.floor(i / rows)]!,
      );
    fc.assert(
      fc.property(shapes, ({ n, k, m, seed }) => {
        const g = new Generator(seed);
        const A = Float32Array.from({ length: n * k }, () => g.normal());
        const B = Float32Array.from({ length: k * m }, () => g.normal());
        for (const b of builds) {
          const ab = gemm(b, A, B, n, k, m, false);
          const baT = transpose(
            gemm(b, transpose(B, k, m), transpose(A, n, k), m, k, n, false),
            m,
            n,
          );
          if (ab.some((v, i) => !Object.is(v, baT[i])))
            expect(Array.from(ab)).toEqual(Array.from(baT));
        }
      }),
      fcParams(60),
    );
  });
});
