// Every primitive of the backend interface, run on the TypeScript backend (the definition), on
// the wasm backend directly where it has the primitive, and through the dispatcher, over random
// shapes on both sides of each threshold. The table below is keyed by the interface, so a new
// primitive without a case here fails the typecheck, and the first test fails at run time.
// Exact primitives (elementwise, sums, batch norm, pooling, SGD, im2col/col2im) must agree bit for
// bit; GEMM and convolution within float32 rounding of a k-term sum (another summation order).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator } from '../../../src/index.js';
import {
  backend,
  BINARY_OPS,
  type Backend,
  type ConvShape,
  residentF32,
  typescriptBackend,
  UNARY_OPS,
  wasmStatus,
} from '../../../src/tensor/backend/index.js';
import { BINARY_OP_CODES } from '../../../src/tensor/backend/wasm/exports.generated.js';
import { wasmBackend } from '../../../src/tensor/backend/wasm/kernels.js';
import { fcParams } from '../../helpers/arbitraries.js';

type Outputs = ArrayLike<number>[];
/** Runs one primitive on a backend with fresh copies of the inputs; returns what it wrote. */
type Runner = (impl: Record<string, (...args: never[]) => void>) => Outputs;
interface Case {
  /**
   * Builds a call from a seed: a runner, and the number of summed terms (0 = exact), for all
   * outputs or one number per output.
   */
  make(seed: number): { run: Runner; terms: number | number[] };
  /** The name of the wasm backend's entry for it, if it has one. */
  wasm: string | null;
}

const f32 = (g: Generator, n: number) => Float32Array.from({ length: n }, () => g.normal());
/**
 * A fused ReLU's output r (or null, half the time): a third zeros, a few NaN and negatives, so
 * relu's gate g·[r > 0] passes, blocks and meets NaN; the gradients get a few ±∞ (∞·0 is NaN).
 */
const reluOut = (g: Generator, n: number) =>
  g.random() < 0.5
    ? null
    : Float32Array.from({ length: n }, () => {
        const u = g.random();
        return u < 0.33 ? 0 : u < 0.35 ? NaN : u < 0.4 ? -g.random() : g.random();
      });
const withInfinities = (g: Generator, a: Float32Array) => {
  for (let i = 0; i < a.length; i++)
    if (g.random() < 0.01) a[i] = g.random() < 0.5 ? Infinity : -Infinity;
  return a;
};
/** Exponents over ±40: float64 sums of these round, so a change in the order of a sum shows. */
const wide = (g: Generator, n: number) =>
  Float32Array.from({ length: n }, () => g.normal() * 2 ** g.integer(-40, 40));
const size = (g: Generator, lo: number, hi: number) => lo + Math.floor(g.random() * (hi - lo + 1));
/** Element counts just under, at and over the dispatcher's 512 and 16,384, or small. */
const elements = (g: Generator) => [7, 300, 511, 512, 16383, 16384, 40000][size(g, 0, 6)]!;
const call = (impl: Record<string, (...args: never[]) => void>, name: string, args: unknown[]) =>
  (impl[name] as (...a: unknown[]) => void)(...args);

/**
 * A random convolution; `implicit`: stride 1, an image width of 8 or 16 and 4 or 8 channels, the
 * shapes the forward and the input gradient compute without im2col and col2im (assembly/conv.ts).
 */
function conv(g: Generator, implicit = false): ConvShape {
  const k = [1, 3, 5][size(g, 0, 2)]!;
  const H = size(g, k, 12),
    W = implicit ? [8, 16][size(g, 0, 1)]! : size(g, k, 12);
  const sh = implicit ? 1 : size(g, 1, 2),
    sw = implicit ? 1 : size(g, 1, 2);
  const ph = size(g, 0, Math.floor(k / 2)),
    pw = size(g, 0, Math.floor(k / 2));
  const C = implicit ? [4, 8][size(g, 0, 1)]! : size(g, 1, 4);
  const s = { B: size(g, 1, 3), C, H, W, O: size(g, 1, 5), kh: k, kw: k };
  return {
    ...s,
    sh,
    sw,
    ph,
    pw,
    Ho: Math.floor((H + 2 * ph - k) / sh) + 1,
    Wo: Math.floor((W + 2 * pw - k) / sw) + 1,
  };
}

const bnSizes = (g: Generator) => {
  const n = elements(g);
  const C = size(g, 1, 6);
  const N = size(g, 1, 4);
  return { N, C, S: Math.max(1, Math.floor(n / (N * C))) };
};

const CASES: Record<keyof Backend, Case> = {
  unary: {
    wasm: 'relu',
    make(seed) {
      const g = new Generator(seed);
      const n = elements(g);
      const x = f32(g, n + 3);
      x[5] = NaN;
      x[6] = -0;
      const op = UNARY_OPS[seed % UNARY_OPS.length]!;
      return {
        terms: 0,
        run: (impl) => {
          const out = new Float32Array(n);
          if (impl === (wasmBackend as never)) {
            if (op !== 'relu') return [];
            call(impl, 'relu', [x, 3, out, n]);
          } else call(impl, 'unary', [op, x, 3, [1], [n], out]);
          return [out];
        },
      };
    },
  },
  binary: {
    wasm: 'binary',
    make(seed) {
      const g = new Generator(seed);
      const rows = size(g, 1, 40);
      const cols = Math.ceil(elements(g) / rows);
      const op = BINARY_OPS[seed % BINARY_OPS.length]!;
      // y broadcast along rows (stride 0) or a transposed view
      const x = f32(g, rows * cols + 2);
      const y = f32(g, rows * cols);
      const ys = seed % 2 ? [0, 1] : [1, rows];
      return {
        terms: 0,
        run: (impl) => {
          if (impl === (wasmBackend as never) && !(op in BINARY_OP_CODES)) return [];
          const out = new Float32Array(rows * cols + 1);
          call(impl, 'binary', [op, x, 2, [cols, 1], y, 0, ys, [rows, cols], out, 1]);
          return [out];
        },
      };
    },
  },
  channelSums: {
    wasm: 'channelSums',
    make(seed) {
      const g = new Generator(seed);
      const { N, C, S } = bnSizes(g);
      const x = wide(g, N * C * S + 4);
      return {
        terms: 0,
        run: (impl) => {
          const out = new Float64Array(C);
          call(impl, 'channelSums', [x, 4, N, C, S, out]);
          return [out];
        },
      };
    },
  },
  gemm: {
    wasm: 'gemm',
    make(seed) {
      const g = new Generator(seed);
      const n = size(g, 1, 70),
        k = size(g, 1, 90),
        m = size(g, 1, 70);
      const A = f32(g, n * k + 1),
        B = f32(g, k * m + 2);
      const t = seed % 2 === 1;
      return {
        terms: k,
        run: (impl) => {
          const C = new Float32Array(n * m + 3);
          call(impl, 'gemm', [A, 1, B, 2, C, 3, n, k, m, t]);
          return [C];
        },
      };
    },
  },
  im2col: {
    wasm: null,
    make(seed) {
      const g = new Generator(seed);
      const s = conv(g);
      const x = f32(g, s.B * s.C * s.H * s.W);
      return {
        terms: 0,
        run: (impl) => {
          const cols = new Float32Array(s.B * s.C * s.kh * s.kw * s.Ho * s.Wo).fill(9);
          call(impl, 'im2col', [x, cols, s]);
          return [cols];
        },
      };
    },
  },
  col2im: {
    wasm: null,
    make(seed) {
      const g = new Generator(seed);
      const s = conv(g);
      const cols = f32(g, s.B * s.C * s.kh * s.kw * s.Ho * s.Wo);
      return {
        terms: 0,
        run: (impl) => {
          const x = new Float32Array(s.B * s.C * s.H * s.W);
          call(impl, 'col2im', [cols, x, s]);
          return [x];
        },
      };
    },
  },
  conv2dForward: {
    wasm: 'conv2dForward',
    make(seed) {
      const g = new Generator(seed);
      const s = conv(g, seed % 3 === 0);
      const x = f32(g, s.B * s.C * s.H * s.W),
        w = f32(g, s.O * s.C * s.kh * s.kw);
      // a bias (added after the sum, in the kernel's epilogue) on every other seed, a ReLU after
      // it on every other pair
      const bias = seed % 2 ? f32(g, s.O) : null;
      const relu = seed % 4 >= 2;
      return {
        terms: s.C * s.kh * s.kw,
        run: (impl) => {
          const y = new Float32Array(s.B * s.O * s.Ho * s.Wo);
          call(impl, 'conv2dForward', [x, w, bias, y, s, relu]);
          return [y];
        },
      };
    },
  },
  conv2dInputGrad: {
    wasm: 'conv2dInputGrad',
    make(seed) {
      const g = new Generator(seed);
      const s = conv(g, seed % 3 === 0);
      const gy = f32(g, s.B * s.O * s.Ho * s.Wo),
        w = f32(g, s.O * s.C * s.kh * s.kw);
      return {
        terms: s.O * s.kh * s.kw,
        run: (impl) => {
          const dx = new Float32Array(s.B * s.C * s.H * s.W).fill(7); // overwritten
          call(impl, 'conv2dInputGrad', [gy, w, dx, s]);
          return [dx];
        },
      };
    },
  },
  conv2dWeightGrad: {
    wasm: 'conv2dWeightGrad',
    make(seed) {
      const g = new Generator(seed);
      const s = conv(g);
      const G = s.B * s.O * s.Ho * s.Wo;
      // every fifth seed: g over wide exponents, so the bias sums show their order (dw, whose
      // float32 sums of such values cancel, is then left out of the comparison)
      const wideG = seed % 5 === 0;
      const x = f32(g, s.B * s.C * s.H * s.W),
        gy = wideG ? wide(g, G) : f32(g, G);
      // the fused extras: a ReLU's gate (its gated g kept or not), the bias gradient
      const r = reluOut(g, G);
      const keep = seed % 3 !== 0;
      const bias = seed % 4 !== 1;
      return {
        terms: [s.B * s.Ho * s.Wo, 0, 0],
        run: (impl) => {
          const dw = new Float32Array(s.O * s.C * s.kh * s.kw).fill(7); // overwritten
          const out = r && keep ? new Float32Array(G).fill(7) : null;
          const biasGrad = bias ? new Float64Array(s.O).fill(7) : null;
          const extras = { gate: r ? { y: r, out } : null, biasGrad };
          call(impl, 'conv2dWeightGrad', [x, gy, dw, s, extras]);
          return [wideG ? [] : dw, out ?? [], biasGrad ?? []];
        },
      };
    },
  },
  maxPool2d: {
    wasm: 'maxPool2d',
    make(seed) {
      const g = new Generator(seed);
      const s = { ...conv(g), C: 1, O: 1 };
      const x = f32(g, s.B * s.H * s.W);
      x[0] = NaN;
      x[1] = x[2]!; // ties: the first maximum
      return {
        terms: 0,
        run: (impl) => {
          const n = s.B * s.Ho * s.Wo;
          const values = new Float32Array(n),
            indices = new Int32Array(n);
          call(impl, 'maxPool2d', [x, values, indices, s]);
          return [values, indices];
        },
      };
    },
  },
  maxUnpool2d: {
    wasm: 'maxUnpool2d',
    make(seed) {
      const g = new Generator(seed);
      // planes of L values scattered into planes of HW, with repeated indices (they add up); the
      // sizes cross the elementwise threshold, so both the TypeScript and the wasm loop run
      const planes = size(g, 1, 40);
      const HW = [3, 64, 1024][size(g, 0, 2)]!;
      const L = size(g, 1, HW);
      const v = f32(g, planes * L);
      const indices = Int32Array.from({ length: planes * L }, () => size(g, 0, HW - 1));
      return {
        terms: 0,
        run: (impl) => {
          const out = new Float32Array(planes * HW).fill(7); // overwritten, not added to
          call(impl, 'maxUnpool2d', [v, indices, out, planes, L, HW]);
          return [out];
        },
      };
    },
  },
  bnStats: {
    wasm: 'bnStats',
    make(seed) {
      const g = new Generator(seed);
      const { N, C, S } = bnSizes(g);
      const x = f32(g, N * C * S);
      return {
        terms: 0,
        run: (impl) => {
          const mean = new Float64Array(C),
            variance = new Float64Array(C);
          call(impl, 'bnStats', [x, N, C, S, mean, variance]);
          return [mean, variance];
        },
      };
    },
  },
  bnAffine: {
    wasm: 'bnAffine',
    make(seed) {
      const g = new Generator(seed);
      const { N, C, S } = bnSizes(g);
      const x = f32(g, N * C * S);
      const scale = Float64Array.from(f32(g, C)),
        shift = Float64Array.from(f32(g, C));
      const relu = g.random() < 0.5;
      return {
        terms: 0,
        run: (impl) => {
          const out = new Float32Array(N * C * S);
          call(impl, 'bnAffine', [x, out, N, C, S, scale, shift, relu]);
          return [out];
        },
      };
    },
  },
  bnBackwardSums: {
    wasm: 'bnBackwardSums',
    make(seed) {
      const g = new Generator(seed);
      const { N, C, S } = bnSizes(g);
      const gy = withInfinities(g, f32(g, N * C * S)),
        x = f32(g, N * C * S);
      const mean = Float64Array.from(f32(g, C));
      const relu = reluOut(g, N * C * S);
      return {
        terms: 0,
        run: (impl) => {
          const sumG = new Float64Array(C),
            sumGX = new Float64Array(C);
          call(impl, 'bnBackwardSums', [gy, x, N, C, S, mean, sumG, sumGX, relu]);
          return [sumG, sumGX];
        },
      };
    },
  },
  bnBackwardDx: {
    wasm: 'bnBackwardDx',
    make(seed) {
      const g = new Generator(seed);
      const { N, C, S } = bnSizes(g);
      const gy = withInfinities(g, f32(g, N * C * S)),
        x = f32(g, N * C * S);
      const coef = Float64Array.from(f32(g, 3 * C));
      const relu = reluOut(g, N * C * S);
      return {
        terms: 0,
        run: (impl) => {
          const dx = new Float32Array(N * C * S);
          call(impl, 'bnBackwardDx', [gy, x, dx, N, C, S, coef, relu]);
          return [dx];
        },
      };
    },
  },
  transpose: {
    wasm: 'transpose',
    make(seed) {
      const g = new Generator(seed);
      // around the dispatcher's 4,096 values; some outputs resident (written where they live)
      const rows = size(g, 1, 90),
        cols = size(g, 1, 90);
      const off = size(g, 0, 3);
      const src = f32(g, off + rows * cols + 2);
      return {
        terms: 0,
        run: (impl) => {
          const out = (seed % 3 === 0 && residentF32(rows * cols)) || new Float32Array(rows * cols);
          call(impl, 'transpose', [src, off, rows, cols, out]);
          return [out.slice()];
        },
      };
    },
  },
  cropImages: {
    wasm: 'cropImages',
    make(seed) {
      const g = new Generator(seed);
      // odd sizes, windows partly and wholly outside, every padding mode, mirrored or not; the
      // dispatcher's threshold is crossed by B·C·H·W
      const [C, H, W] = [size(g, 1, 4), size(g, 1, 40), size(g, 1, 40)];
      const count = size(g, 1, 5),
        B = size(g, 1, 24);
      const images = Uint8Array.from({ length: count * C * H * W }, () => g.integer(0, 256));
      const picks = new Int32Array(4 * B);
      for (let b = 0; b < B; b++)
        picks.set(
          [
            g.integer(0, count),
            g.integer(-H - 2, H + 2),
            g.integer(-W - 2, W + 2),
            g.integer(0, 2),
          ],
          4 * b,
        );
      const mode = g.integer(0, 4);
      // reflect needs |offset| < size: keep those windows within one image of the edge
      if (mode === 2 || mode === 3)
        for (let b = 0; b < B; b++) {
          picks[4 * b + 1] = g.integer(1 - H, H);
          picks[4 * b + 2] = g.integer(1 - W, W);
        }
      const table = f32(g, C * 257 + 3);
      return {
        terms: 0,
        run: (impl) => {
          const n = B * C * H * W;
          const out = (seed % 3 === 0 && residentF32(n, false)) || new Float32Array(n);
          call(impl, 'cropImages', [images, picks, B, C, H, W, mode, table, out]);
          return [out.slice()];
        },
      };
    },
  },
  zero: {
    wasm: 'zero',
    make(seed) {
      const g = new Generator(seed);
      const n = elements(g) + 5;
      const values = f32(g, n);
      const from = size(g, 0, 4),
        to = n - size(g, 0, 4);
      return {
        terms: 0,
        run: (impl) => {
          // the wasm kernel clears resident arrays (large ones: where the dispatcher sends it);
          // ordinary arrays are cleared in JavaScript
          const out = (seed % 4 !== 0 && residentF32(n, false)) || values.slice();
          out.set(values);
          call(impl, 'zero', [out, from, to]);
          return [out.slice()];
        },
      };
    },
  },
  sgdMomentum: {
    wasm: 'sgdMomentum',
    make(seed) {
      const g = new Generator(seed);
      const n = elements(g);
      const p0 = f32(g, n),
        grad = f32(g, n),
        b0 = f32(g, n);
      const o = {
        lr: 0.1 * g.random(),
        momentum: 0.9,
        dampening: seed % 3 === 0 ? 0.1 : 0,
        weightDecay: 5e-4,
        nesterov: seed % 3 === 1,
      };
      return {
        terms: 0,
        run: (impl) => {
          const p = p0.slice(),
            b = b0.slice();
          call(impl, 'sgdMomentum', [p, grad, b, o]);
          return [p, b];
        },
      };
    },
  },
};

function expectAgree(got: Outputs, want: Outputs, terms: number | number[], label: string): void {
  expect(got.length, label).toBe(want.length);
  got.forEach((out, q) => {
    const ref = want[q]!;
    expect(out.length, label).toBe(ref.length);
    for (let i = 0; i < out.length; i++) {
      const v = out[i]!,
        r = ref[i]!;
      const t = Array.isArray(terms) ? terms[q]! : terms;
      const ok = t ? Math.abs(v - r) <= 4e-7 * t * (1 + Math.abs(r)) * 4 : Object.is(v, r);
      if (!ok) throw new Error(`${label}: output ${q}, element ${i}: got ${v}, definition ${r}`);
    }
  });
}

const ts = typescriptBackend as unknown as Record<string, (...args: never[]) => void>;
const dispatched = backend as unknown as Record<string, (...args: never[]) => void>;
const fast = wasmBackend as unknown as Record<string, (...args: never[]) => void>;

describe('backend primitives: TypeScript (definition), wasm and the dispatcher agree', () => {
  it('every primitive of the TypeScript backend has a case, the dispatcher has every primitive', () => {
    expect(Object.keys(typescriptBackend).sort()).toEqual(Object.keys(CASES).sort());
    expect(Object.keys(backend).sort()).toEqual(Object.keys(CASES).sort());
    for (const c of Object.values(CASES))
      if (c.wasm) expect(Object.keys(wasmBackend)).toContain(c.wasm);
    expect(wasmStatus().enabled).toBe(true);
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      fc.assert(
        fc.property(fc.nat(), (seed) => {
          const { run, terms } = c.make(seed);
          const want = run(ts);
          expectAgree(run(dispatched), want, terms, `${name} (dispatched)`);
          if (c.wasm) {
            const got = run(fast);
            if (got.length) expectAgree(got, want, terms, `${name} (wasm)`);
          }
        }),
        fcParams(20),
      );
    });
  }
});
