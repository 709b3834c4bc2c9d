// fast-check building blocks shared by the property tests: shapes of rank 0-4 (size-1 dims
// included), broadcastable pairs, and float64 inputs laid out contiguously, permuted
// (non-contiguous) or at an offset, filled from a seeded Generator so a counterexample replays.
import fc from 'fast-check';
import type { Tensor } from '../../src/index.js';
import { Generator, tensor } from '../../src/index.js';

/**
 * Every property test runs with this seed, so failures reproduce. KDGRAD_FC_SEED overrides it:
 * .ci/run also runs the property suites once with a fresh seed, which it prints.
 */
export const SEED = process.env.KDGRAD_FC_SEED ? Number(process.env.KDGRAD_FC_SEED) : 20261128;
if (!Number.isSafeInteger(SEED))
  throw new Error(
    `KDGRAD_FC_SEED must be an integer, got ${JSON.stringify(process.env.KDGRAD_FC_SEED)}`,
  );
export const fcParams = (numRuns = 25) => ({ seed: SEED, numRuns, verbose: 1 as const });

export type Sampler = (g: Generator) => number;
export const uniform =
  (lo: number, hi: number): Sampler =>
  (g) =>
    lo + (hi - lo) * g.random();
/** Magnitude in [lo, hi] with a random sign: keeps clear of the kink or pole at 0. */
export const awayFromZero =
  (lo = 0.1, hi = 2): Sampler =>
  (g) =>
    (g.random() < 0.5 ? -1 : 1) * (lo + (hi - lo) * g.random());
/** Uniform on [lo, hi] but at least `gap` away from each point in `avoid`. */
export const avoiding =
  (lo: number, hi: number, avoid: number[], gap = 0.05): Sampler =>
  (g) => {
    for (;;) {
      const v = lo + (hi - lo) * g.random();
      if (avoid.every((a) => Math.abs(v - a) > gap)) return v;
    }
  };

export type Layout = 'contiguous' | 'permuted' | 'offset';

export const dimSize = fc.integer({ min: 1, max: 3 });
export const shapeArb = (minRank = 0, maxRank = 4) =>
  fc.array(dimSize, { minLength: minRank, maxLength: maxRank });
export const layoutArb: fc.Arbitrary<Layout> = fc.constantFrom('contiguous', 'permuted', 'offset');
export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** A shape broadcastable with `shape`: leading dims dropped and some dims set to 1. */
export const broadcastPartner = (shape: number[]) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: shape.length }),
      fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
    )
    .map(([drop, ones]) => shape.slice(drop).map((s, i) => (ones[i + drop] ? 1 : s)));

/** A float64 leaf of `shape` whose storage layout is given by `layout`. */
export function makeInput(
  shape: readonly number[],
  seed: number,
  sample: Sampler,
  layout: Layout = 'contiguous',
): Tensor {
  const g = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  if (layout === 'permuted' && shape.length >= 2) {
    // Store with reversed dims, then permute back: same logical shape, non-contiguous strides.
    const rev = [...shape].reverse();
    const values = Float64Array.from({ length: n }, () => sample(g));
    const order = rev.map((_, i) => rev.length - 1 - i);
    return tensor(values, { shape: rev, dtype: 'float64' }).permute(order).detach();
  }
  if (layout === 'offset' && shape.length >= 1) {
    // Padded along dim 0 and narrowed: storage offset != 0.
    const big = [shape[0]! + 2, ...shape.slice(1)];
    const values = Float64Array.from({ length: big.reduce((a, b) => a * b, 1) }, () => sample(g));
    return tensor(values, { shape: big, dtype: 'float64' }).narrow(0, 1, shape[0]!).detach();
  }
  return tensor(
    Float64Array.from({ length: n }, () => sample(g)),
    { shape: [...shape], dtype: 'float64' },
  );
}

/** The same values as float32, same layout kind not needed: only values are compared. */
export function toFloat32(t: Tensor): Tensor {
  return t.detach().to('float32');
}
