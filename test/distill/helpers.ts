// Random KD problems for the property tests: batch B, classes C, logit scale, temperature.
import fc from 'fast-check';
import { Generator, tensor, type Tensor } from '../../src/index.js';

export interface Problem {
  B: number;
  C: number;
  s: Tensor;
  t: Tensor;
  y: number[];
  T: number;
  scale: number;
  seed: number;
}

/** Log-uniform temperatures in [lo, hi]. */
export const tempArb = (lo: number, hi: number) =>
  fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp);

export const problemArb = (
  opts: { T?: [number, number]; C?: [number, number]; scale?: [number, number] } = {},
) =>
  fc
    .record({
      B: fc.integer({ min: 1, max: 4 }),
      C: fc.integer({ min: opts.C?.[0] ?? 2, max: opts.C?.[1] ?? 6 }),
      scale: fc.double({ min: opts.scale?.[0] ?? 0.1, max: opts.scale?.[1] ?? 10, noNaN: true }),
      T: tempArb(...(opts.T ?? [0.05, 1000])),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    })
    .map(({ B, C, scale, T, seed }): Problem => {
      const g = new Generator(seed);
      const mk = () =>
        tensor(
          Array.from({ length: B }, () => Array.from({ length: C }, () => g.normal() * scale)),
          { dtype: 'float64' },
        );
      return {
        B,
        C,
        s: mk(),
        t: mk(),
        y: Array.from({ length: B }, () => g.integer(0, C)),
        T,
        scale,
        seed,
      };
    });

export const label = (p: Problem) =>
  `B=${p.B} C=${p.C} scale=${p.scale.toPrecision(3)} T=${p.T.toPrecision(4)} seed=${p.seed}`;
export const maxAbs = (t: Tensor | ArrayLike<number>) =>
  Math.max(0, ...Array.from('toTypedArray' in t ? t.toTypedArray() : t, Math.abs));
export const maxLogit = (p: Problem) => Math.max(maxAbs(p.s), maxAbs(p.t));
/** c(x) = x − mean(x) per row */
export const centered = (x: Tensor) => x.sub(x.mean(1, true));

export function expectClose(
  got: Tensor | number,
  want: Tensor | number,
  tol: { atol?: number; rtol?: number },
  what: string,
): void {
  const g = typeof got === 'number' ? [got] : Array.from(got.toTypedArray());
  const w = typeof want === 'number' ? [want] : Array.from(want.toTypedArray());
  if (g.length !== w.length) throw new Error(`${what}: ${g.length} values vs ${w.length}`);
  const scale = Math.max(...w.map(Math.abs));
  g.forEach((v, i) => {
    const limit =
      (tol.atol ?? 0) +
      (tol.rtol ?? 0) * Math.max(Math.abs(w[i]!), tol.atol === undefined ? scale : 0);
    if (!(Math.abs(v - w[i]!) <= limit))
      throw new Error(
        `${what}: element ${i}: got ${v}, want ${w[i]} (|Δ| ${Math.abs(v - w[i]!)} > ${limit})`,
      );
  });
}
