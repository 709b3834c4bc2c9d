// The wasm elementwise kernels (assembly/elementwise.ts) against the definition: every float32
// result must be the float64 result rounded to float32 (what the TypeScript loops store), bit for
// bit, NaN, ±0 and ±∞ included, over the layouts a training step makes (contiguous, a bias over
// channels or over rows, a scalar, a transposed view) and sizes that take the wasm path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, tensor, type Tensor } from '../../src/index.js';
import { accumulateInto } from '../../src/tensor/kernels/elementwise.js';
import { TensorData } from '../../src/tensor/storage.js';
import { ELEMENTWISE_MIN as EW_MIN } from '../../src/tensor/backend/index.js';
import { fcParams } from '../helpers/arbitraries.js';

const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 1e-45, -3.5];

/** float32 values with a sprinkling of specials, from a seed. */
function values(n: number, seed: number): Float32Array {
  const g = new Generator(seed);
  return Float32Array.from({ length: n }, () => {
    const u = g.random();
    return u < 0.05 ? SPECIAL[Math.floor(g.random() * SPECIAL.length)]! : g.normal();
  });
}

function make(shape: number[], seed: number): Tensor {
  return tensor(
    values(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
  ).reshape(shape);
}

const OPS = {
  add: { run: (a: Tensor, b: Tensor) => a.add(b), f: (x: number, y: number) => x + y },
  sub: { run: (a: Tensor, b: Tensor) => a.sub(b), f: (x: number, y: number) => x - y },
  mul: { run: (a: Tensor, b: Tensor) => a.mul(b), f: (x: number, y: number) => x * y },
} as const;

/** Element i of t broadcast to `shape`, read through its own strides. */
function at(t: Tensor, shape: number[], i: number): number {
  const s = t.storage;
  let off = s.offset;
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    const idx = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
    const td = d - (shape.length - s.ndim);
    if (td >= 0 && s.shape[td]! > 1) off += idx * s.strides[td]!;
  }
  return s.data[off]!;
}

function expectBits(got: ArrayLike<number>, want: (i: number) => number): void {
  for (let i = 0; i < got.length; i++) {
    const w = Math.fround(want(i));
    if (!Object.is(got[i], w)) expect({ i, got: got[i] }).toEqual({ i, got: w });
  }
}

const layout = fc.constantFrom('same', 'channel bias', 'row bias', 'scalar', 'transposed');
const dims = fc
  .record({
    B: fc.integer({ min: 1, max: 5 }),
    C: fc.integer({ min: 1, max: 13 }),
    L: fc.integer({ min: 1, max: 700 }),
  })
  .filter(({ B, C, L }) => B * C * L >= EW_MIN);

describe('wasm elementwise kernels (float32)', () => {
  for (const [name, op] of Object.entries(OPS)) {
    it(`${name} gives the float64 result rounded to float32, bit for bit, in every layout`, () => {
      fc.assert(
        fc.property(dims, layout, fc.nat(), ({ B, C, L }, kind, seed) => {
          const shape = [B, C, L];
          const a =
            kind === 'transposed' ? make([B, L, C], seed).transpose(1, 2) : make(shape, seed);
          const b =
            kind === 'same'
              ? make(shape, seed + 1)
              : kind === 'channel bias'
                ? make([C, 1], seed + 1)
                : kind === 'row bias'
                  ? make([L], seed + 1)
                  : kind === 'scalar'
                    ? make([1], seed + 1)
                    : make([B, L, C], seed + 1).transpose(1, 2);
          const out = op.run(a, b);
          expect(out.shape).toEqual(shape);
          expectBits(out.storage.data, (i) => op.f(at(a, shape, i), at(b, shape, i)));
        }),
        fcParams(12),
      );
    });
  }

  it('rows longer than a unit are cut into units (contiguous, row bias, transposed view)', () => {
    // a contiguous op coalesces to one row of n: the kernel deals it out UNIT columns at a time
    for (const [rows, cols] of [
      [1, 3 * EW_MIN + 5],
      [3, 2 * EW_MIN + 1],
    ] as const) {
      const a = make([rows, cols], rows);
      for (const b of [
        make([rows, cols], 7),
        make([cols], 8),
        make([cols, rows], 9).transpose(0, 1),
      ])
        for (const op of Object.values(OPS))
          expectBits(op.run(a, b).storage.data, (i) =>
            op.f(at(a, [rows, cols], i), at(b, [rows, cols], i)),
          );
    }
  });

  it("relu's backward g·[x > 0] gives the float32 result bit for bit (−0 for a negative g, NaN for ∞·0)", () => {
    fc.assert(
      fc.property(dims, fc.nat(), ({ B, C, L }, seed) => {
        const x = make([B, C, L], seed).requiresGrad_();
        const g = make([B, C, L], seed + 1);
        x.relu().backward(g);
        expectBits(x.grad!.storage.data, (i) => g.storage.data[i]! * +(x.storage.data[i]! > 0));
      }),
      fcParams(8),
    );
  });

  it('relu keeps x where x > 0 or NaN, else +0 (−0 and −∞ give +0)', () => {
    fc.assert(
      fc.property(dims, fc.nat(), ({ B, C, L }, seed) => {
        const x = make([B, C, L], seed);
        const src = x.storage.data;
        expectBits(x.relu().storage.data, (i) =>
          src[i]! > 0 || Number.isNaN(src[i]!) ? src[i]! : 0,
        );
      }),
      fcParams(8),
    );
  });

  it('a gradient accumulated in place (dst at an offset, src contiguous or a transposed view) is dst + src rounded', () => {
    fc.assert(
      fc.property(dims, fc.nat(), fc.boolean(), ({ B, C, L }, seed, transposed) => {
        const n = B * C * L;
        const data = values(n + 7, seed);
        const dst = new TensorData(data, [B, C, L], [C * L, L, 1], 7);
        const before = Float32Array.from(data);
        const src = transposed
          ? make([B, L, C], seed + 1).transpose(1, 2)
          : make([B, C, L], seed + 1);
        accumulateInto(dst, src.storage);
        for (let i = 0; i < 7; i++) expect(Object.is(data[i], before[i])).toBe(true);
        expectBits(data.subarray(7), (i) => before[7 + i]! + at(src, [B, C, L], i));
      }),
      fcParams(8),
    );
  });
});
