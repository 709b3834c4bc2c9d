// Helpers the checks share: fast-check runs with a fixed seed whose shrunk counterexample becomes
// a PropertyFailure, random logits, and comparisons that say where two tensors differ.
import fc from 'fast-check';
import type { Tensor } from '../autograd/tensor.js';
import { PropertyFailure, type K, type LearnerModule } from './types.js';

/** Fixed, so a failure reproduces; the learner sees the shrunk input. */
export const SEED = 20261;

export interface Logits {
  B: number;
  C: number;
  rows: number[][];
}

/** Batches of logits: B in [1, 6], C in [2, 7], values in [-scale, scale]. */
export const logits = (scale = 5, minC = 2): fc.Arbitrary<Logits> =>
  fc
    .record({ B: fc.integer({ min: 1, max: 6 }), C: fc.integer({ min: minC, max: 7 }) })
    .chain(({ B, C }) =>
      fc
        .array(
          fc.array(fc.double({ min: -scale, max: scale, noNaN: true }), {
            minLength: C,
            maxLength: C,
          }),
          { minLength: B, maxLength: B },
        )
        .map((rows) => ({ B, C, rows })),
    );

/** Two batches of the same shape (student and teacher) and labels. */
export const pair = (scale = 5, minC = 2) =>
  logits(scale, minC).chain((s) =>
    fc
      .record({
        t: fc.array(
          fc.array(fc.double({ min: -scale, max: scale, noNaN: true }), {
            minLength: s.C,
            maxLength: s.C,
          }),
          { minLength: s.B, maxLength: s.B },
        ),
        y: fc.array(fc.integer({ min: 0, max: s.C - 1 }), { minLength: s.B, maxLength: s.B }),
      })
      .map(({ t, y }) => ({ ...s, t, y })),
  );

export const show = (v: unknown): string =>
  JSON.stringify(v, (_, x: unknown) => (typeof x === 'number' ? Number(x.toPrecision(6)) : x));

/** The learner's export `name` as a function, or a failure saying it is missing. */
export function fn<F extends (...a: never[]) => unknown>(m: LearnerModule, name: string): F {
  const f = m[name];
  if (typeof f !== 'function')
    throw new PropertyFailure(
      `exports ${name}`,
      'your file',
      `a function named ${name}`,
      f === undefined ? 'no such export' : typeof f,
      `export function ${name}(…) { … } — keep the name the stub gave it`,
    );
  return f as F;
}

/** A value as a tensor of k, or a failure saying the function returned something else. */
export function asTensor(k: K, v: unknown, what: string): Tensor {
  if (v instanceof k.Tensor) return v;
  throw new PropertyFailure(
    `${what} returns a tensor`,
    'its inputs',
    'a Tensor (built with kdgrad ops)',
    v === null ? 'null' : typeof v,
    "use kdgrad's tensor ops (x.exp(), x.sum(1, true), …) and return their result",
  );
}

/** Largest |a − b| over two tensors (Infinity when shapes differ or a value is not finite). */
export function maxDiff(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) return Infinity;
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/**
 * Runs `body` on inputs from `arb` (fixed seed, 60 runs): the first input on which it throws is
 * shrunk, and its PropertyFailure (with that input) is what the learner sees.
 */
export function forAll<T>(arb: fc.Arbitrary<T>, body: (input: T) => void, runs = 60): void {
  let failure: unknown = null;
  const result = fc.check(
    fc.property(arb, (input) => {
      try {
        body(input);
        return true;
      } catch (e) {
        failure = e;
        return false;
      }
    }),
    { seed: SEED, numRuns: runs },
  );
  if (!result.failed) return;
  // run the shrunk counterexample once more so the error is the one for that input
  const shrunk = result.counterexample![0];
  try {
    body(shrunk);
  } catch (e) {
    failure = e;
  }
  throw failure;
}

/** A PropertyFailure when `got` and `want` differ by more than tol; the hint picks from `why`. */
export function expectClose(
  property: string,
  input: unknown,
  got: Tensor,
  want: Tensor,
  tol: number,
  why: (got: Tensor) => string,
): void {
  if (maxDiff(got, want) <= tol) return;
  throw new PropertyFailure(
    property,
    show(input),
    show(want.toArray()),
    got.shape.join() === want.shape.join()
      ? show(got.toArray())
      : `shape [${got.shape.join(', ')}]`,
    why(got),
  );
}

/** The learner's call, with a "not written yet" error passed through untouched. */
export function call<R>(what: string, f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof PropertyFailure || /is not written yet/.test(String(e))) throw e;
    throw new PropertyFailure(
      `${what} runs`,
      'the check inputs',
      'a result',
      `an error: ${(e as Error).message ?? String(e)}`,
      'read the error: a shape or a dim is usually what is wrong',
    );
  }
}
