// One table of ops drives the gradient and forward tests (minitorch's idea): every op exported
// from src/autograd/ops/index.ts has an entry here, with the inputs it is tested on (shapes,
// layouts, domain), an optional elementwise reference, and its tolerance.
import fc from 'fast-check';
import * as K from '../../src/index.js';
import type { GradcheckOptions, Tensor } from '../../src/index.js';
import {
  awayFromZero,
  avoiding,
  broadcastPartner,
  layoutArb,
  makeInput,
  seedArb,
  shapeArb,
  uniform,
  type Layout,
  type Sampler,
} from '../helpers/arbitraries.js';

export interface OpCase {
  inputs: Tensor[];
  fn: (...xs: Tensor[]) => Tensor;
  /** Human-readable description printed with a counterexample. */
  label: string;
  params?: { k: [number, number]; o: { stride: [number, number]; padding: [number, number] } };
}

export interface OpEntry {
  arb: fc.Arbitrary<OpCase>;
  /** false for ops whose result carries no gradient (comparisons, sign, argmax). */
  differentiable?: boolean;
  /** Elementwise reference in float64, applied with broadcasting. */
  ref?: (...v: number[]) => number;
  gradcheck?: GradcheckOptions;
  /** Relative tolerance of float32 vs float64 forward results. */
  f32rtol?: number;
}

const STD = uniform(-2, 2);

function unary(
  fn: (x: Tensor) => Tensor,
  sample: Sampler = STD,
  name = fn.name,
): fc.Arbitrary<OpCase> {
  return fc
    .record({ shape: shapeArb(), seed: seedArb, layout: layoutArb })
    .map(({ shape, seed, layout }) => ({
      inputs: [makeInput(shape, seed, sample, layout)],
      fn,
      label: `${name} on [${shape}] (${layout}, seed ${seed})`,
    }));
}

function binary(
  fn: (a: Tensor, b: Tensor) => Tensor,
  sa: Sampler = STD,
  sb: Sampler = STD,
): fc.Arbitrary<OpCase> {
  return shapeArb()
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        other: broadcastPartner(shape),
        swap: fc.boolean(),
        seed: seedArb,
        la: layoutArb,
        lb: layoutArb,
      }),
    )
    .map(({ shape, other, swap, seed, la, lb }) => {
      const [s1, s2] = swap ? [other, shape] : [shape, other];
      return {
        inputs: [makeInput(s1, seed, sa, la), makeInput(s2, seed + 1, sb, lb)],
        fn,
        label: `[${s1}] (${la}) with [${s2}] (${lb}), seed ${seed}`,
      };
    });
}

/** A tensor of rank >= 1 plus a dim (or dims) to reduce and keepdim. */
function reduction(
  fn: (x: Tensor, dims: number[], keepdim: boolean) => Tensor,
  sample: Sampler = STD,
  single = false,
): fc.Arbitrary<OpCase> {
  return shapeArb(1, 4)
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        dims: single
          ? fc.integer({ min: -shape.length, max: shape.length - 1 }).map((d) => [d])
          : fc.subarray([...shape.keys()], { minLength: 1 }),
        keepdim: fc.boolean(),
        seed: seedArb,
        layout: layoutArb,
      }),
    )
    .map(({ shape, dims, keepdim, seed, layout }) => ({
      inputs: [makeInput(shape, seed, sample, layout)],
      fn: (x: Tensor) => fn(x, dims, keepdim),
      label: `[${shape}] (${layout}) dims ${JSON.stringify(dims)} keepdim ${keepdim}, seed ${seed}`,
    }));
}

/** Values drawn without ties (a permutation of spread-out levels), so max/min have no kinks. */
const distinct = (shape: number[], seed: number, layout: Layout): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const perm = K.randperm(n, { generator: new K.Generator(seed) }).toTypedArray();
  let i = 0;
  return makeInput(shape, seed, () => (perm[i++ % n]! - n / 2) * 0.37, layout);
};

function withInput(
  shape: fc.Arbitrary<number[]>,
  make: (shape: number[], seed: number, layout: Layout) => Tensor,
) {
  return fc
    .record({ shape, seed: seedArb, layout: layoutArb })
    .map(({ shape, seed, layout }) => ({ x: make(shape, seed, layout), shape, seed, layout }));
}

const std = (s: number[], seed: number, layout: Layout) => makeInput(s, seed, STD, layout);

const permutationOf = (n: number) =>
  fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

export const OP_TABLE: Record<string, OpEntry> = {
  // ---- arithmetic ----------------------------------------------------------------------
  add: { arb: binary(K.add), ref: (a, b) => a + b },
  sub: { arb: binary(K.sub), ref: (a, b) => a - b },
  mul: { arb: binary(K.mul), ref: (a, b) => a * b },
  div: { arb: binary(K.div, STD, awayFromZero(0.3, 2)), ref: (a, b) => a / b },
  pow: { arb: binary(K.pow, uniform(0.3, 2), uniform(-2, 2)), ref: (a, b) => a ** b },
  neg: { arb: unary(K.neg), ref: (a) => -a },
  maximum: { arb: binary(K.maximum, uniform(-2, 2), uniform(-2.05, 2.05)), ref: Math.max },
  minimum: { arb: binary(K.minimum, uniform(-2, 2), uniform(-2.05, 2.05)), ref: Math.min },
  // ---- elementwise -----------------------------------------------------------------------
  exp: { arb: unary(K.exp), ref: Math.exp },
  log: { arb: unary(K.log, uniform(0.2, 3)), ref: Math.log },
  sqrt: { arb: unary(K.sqrt, uniform(0.2, 3)), ref: Math.sqrt },
  rsqrt: { arb: unary(K.rsqrt, uniform(0.2, 3)), ref: (a) => 1 / Math.sqrt(a) },
  abs: { arb: unary(K.abs, awayFromZero()), ref: Math.abs },
  relu: { arb: unary(K.relu, awayFromZero()), ref: (a) => Math.max(a, 0) },
  sigmoid: { arb: unary(K.sigmoid, uniform(-6, 6)), ref: (a) => 1 / (1 + Math.exp(-a)) },
  tanh: { arb: unary(K.tanh), ref: Math.tanh },
  sin: { arb: unary(K.sin, uniform(-4, 4)), ref: Math.sin },
  cos: { arb: unary(K.cos, uniform(-4, 4)), ref: Math.cos },
  reciprocal: { arb: unary(K.reciprocal, awayFromZero(0.3, 2)), ref: (a) => 1 / a },
  square: { arb: unary(K.square), ref: (a) => a * a },
  clamp: {
    arb: unary((x) => K.clamp(x, -0.5, 0.7), avoiding(-2, 2, [-0.5, 0.7]), 'clamp'),
    ref: (a) => Math.min(Math.max(a, -0.5), 0.7),
  },
  sign: { arb: unary(K.sign, awayFromZero()), ref: Math.sign, differentiable: false },
  to: {
    // float64 -> float32 -> float64: the round trip rounds, so the step is large.
    arb: unary((x) => K.to(K.to(x, 'float32'), 'float64'), STD, 'to'),
    ref: (a) => Math.fround(a),
    gradcheck: { eps: 1e-2, atol: 1e-5, rtol: 1e-4 },
  },
  clone: { arb: unary(K.clone), ref: (a) => a },
  // ---- comparisons (no gradient) ---------------------------------------------------------
  eq: { arb: binary(K.eq).map(roundInputs), ref: (a, b) => +(a === b), differentiable: false },
  ne: { arb: binary(K.ne).map(roundInputs), ref: (a, b) => +(a !== b), differentiable: false },
  lt: { arb: binary(K.lt).map(roundInputs), ref: (a, b) => +(a < b), differentiable: false },
  le: { arb: binary(K.le).map(roundInputs), ref: (a, b) => +(a <= b), differentiable: false },
  gt: { arb: binary(K.gt).map(roundInputs), ref: (a, b) => +(a > b), differentiable: false },
  ge: { arb: binary(K.ge).map(roundInputs), ref: (a, b) => +(a >= b), differentiable: false },
  where: {
    arb: binary((a, b) => K.where(K.gt(a.detach().add(b.detach()), 0), a, b)),
    ref: (a, b) => (a + b > 0 ? a : b),
  },
  // ---- reductions --------------------------------------------------------------------------
  sum: { arb: reduction((x, d, k) => K.sum(x, d, k)) },
  mean: { arb: reduction((x, d, k) => K.mean(x, d, k)) },
  amax: {
    arb: withInput(shapeArb(1, 4), distinct).chain(reduceDims((x, d, k) => K.amax(x, d, k))),
  },
  amin: {
    arb: withInput(shapeArb(1, 4), distinct).chain(reduceDims((x, d, k) => K.amin(x, d, k))),
  },
  max: {
    arb: withInput(shapeArb(1, 4), distinct).chain(
      reduceDims((x, d, k) => K.max(x, d[0]!, k).values, true),
    ),
  },
  min: {
    arb: withInput(shapeArb(1, 4), distinct).chain(
      reduceDims((x, d, k) => K.min(x, d[0]!, k).values, true),
    ),
  },
  argmax: {
    arb: withInput(shapeArb(1, 4), distinct).chain(
      reduceDims((x, d, k) => K.argmax(x, d[0], k), true),
    ),
    differentiable: false,
  },
  argmin: {
    arb: withInput(shapeArb(1, 4), distinct).chain(
      reduceDims((x, d, k) => K.argmin(x, d[0], k), true),
    ),
    differentiable: false,
  },
  logsumexp: { arb: reduction((x, d, k) => K.logsumexp(x, d, k), uniform(-5, 5)) },
  var: {
    arb: withInput(
      shapeArb(1, 4).filter((s) => s.some((v) => v > 1)),
      std,
    ).chain(
      reduceDims((x, d, k) => K.var(x, d, { keepdim: k, correction: dimsCount(x, d) > 1 ? 1 : 0 })),
    ),
  },
  std: {
    arb: withInput(
      shapeArb(1, 4).map((s) => s.map((v) => v + 1)),
      std,
    ).chain(reduceDims((x, d, k) => K.std(x, d, { keepdim: k }))),
  },
  // ---- shapes and views --------------------------------------------------------------------
  reshape: {
    arb: withInput(shapeArb(), std).map(({ x, shape, seed }) => ({
      inputs: [x],
      fn: (y: Tensor) => K.reshape(y, [...reshapeTarget(shape, seed)]),
      label: `[${shape}]`,
    })),
  },
  view: {
    arb: withInput(shapeArb(), std).map(({ x, shape, seed }) => ({
      inputs: [x],
      fn: (y: Tensor) => K.view(K.contiguous(y), reshapeTarget(shape, seed)),
      label: `[${shape}]`,
    })),
  },
  permute: {
    arb: withInput(shapeArb(), std).chain(({ x, shape }) =>
      permutationOf(shape.length).map((p) => ({
        inputs: [x],
        fn: (y: Tensor) =>
          K.permute(y, p).mul(
            K.arange(K.permute(y, p).numel()).reshape(K.permute(y, p).shape).to('float64'),
          ),
        label: `[${shape}] by ${p}`,
      })),
    ),
  },
  transpose: {
    arb: withInput(shapeArb(1, 4), std).chain(({ x, shape }) =>
      fc.tuple(fc.nat(shape.length - 1), fc.nat(shape.length - 1)).map(([a, b]) => ({
        inputs: [x],
        fn: (y: Tensor) => K.transpose(y, a, b).square(),
        label: `[${shape}] ${a}<->${b}`,
      })),
    ),
  },
  t: {
    arb: withInput(shapeArb(0, 2), std).map(({ x, shape }) => ({
      inputs: [x],
      fn: (y: Tensor) => K.t(y).sin(),
      label: `[${shape}]`,
    })),
  },
  expand: {
    arb: withInput(shapeArb(0, 3), std).chain(({ x, shape }) =>
      fc
        .tuple(
          fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 1 }),
          fc.array(fc.integer({ min: 1, max: 3 }), {
            minLength: shape.length,
            maxLength: shape.length,
          }),
        )
        .map(([lead, sizes]) => {
          const target = [...lead, ...shape.map((s, i) => (s === 1 ? sizes[i]! : s))];
          return {
            inputs: [x],
            fn: (y: Tensor) =>
              K.expand(y, target).mul(
                K.arange(target.reduce((a, b) => a * b, 1))
                  .reshape(target)
                  .to('float64'),
              ),
            label: `[${shape}] -> [${target}]`,
          };
        }),
    ),
  },
  narrow: {
    arb: withInput(shapeArb(1, 4), std).chain(({ x, shape }) =>
      fc.nat(shape.length - 1).chain((d) =>
        fc.nat(shape[d]! - 1).chain((start) =>
          fc.integer({ min: 0, max: shape[d]! - start }).map((len) => ({
            inputs: [x],
            fn: (y: Tensor) => K.narrow(y, d, start, len).exp(),
            label: `[${shape}] dim ${d} ${start}+${len}`,
          })),
        ),
      ),
    ),
  },
  pad: {
    arb: withInput(shapeArb(1, 4), std).chain(({ x, shape }) =>
      fc
        .array(fc.nat(2), { minLength: 2, maxLength: 2 * shape.length })
        .filter((p) => p.length % 2 === 0)
        .map((p) => ({
          inputs: [x],
          fn: (y: Tensor) => K.pad(y, p, 0.5).square(),
          label: `[${shape}] pads ${p}`,
        })),
    ),
  },
  squeeze: {
    arb: withInput(shapeArb(), std).map(({ x, shape }) => ({
      inputs: [x],
      fn: (y: Tensor) => K.squeeze(y).exp(),
      label: `[${shape}]`,
    })),
  },
  unsqueeze: {
    arb: withInput(shapeArb(0, 3), std).chain(({ x, shape }) =>
      fc.integer({ min: -shape.length - 1, max: shape.length }).map((d) => ({
        inputs: [x],
        fn: (y: Tensor) => K.unsqueeze(y, d).exp(),
        label: `[${shape}] at ${d}`,
      })),
    ),
  },
  flatten: {
    arb: withInput(shapeArb(1, 4), std).chain(({ x, shape }) =>
      fc.tuple(fc.nat(shape.length - 1), fc.nat(shape.length - 1)).map(([a, b]) => ({
        inputs: [x],
        fn: (y: Tensor) => K.flatten(y, Math.min(a, b), Math.max(a, b)).exp(),
        label: `[${shape}] ${a}..${b}`,
      })),
    ),
  },
  contiguous: { arb: unary((x) => K.contiguous(x).exp(), STD, 'contiguous') },
  cat: {
    arb: fc
      .record({
        shape: shapeArb(1, 3),
        k: fc.integer({ min: 1, max: 3 }),
        seed: seedArb,
        layout: layoutArb,
        extra: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 3, maxLength: 3 }),
      })
      .chain(({ shape, k, seed, layout, extra }) =>
        fc.nat(shape.length - 1).map((d) => {
          const inputs = Array.from({ length: k }, (_, i) =>
            makeInput(
              shape.map((s, j) => (j === d ? s + extra[i]! : s)),
              seed + i,
              STD,
              layout,
            ),
          );
          return {
            inputs,
            fn: (...xs: Tensor[]) => K.cat(xs, d).square(),
            label: `${k} x [${shape}] along ${d}`,
          };
        }),
      ),
  },
  stack: {
    arb: fc
      .record({
        shape: shapeArb(0, 3),
        k: fc.integer({ min: 1, max: 3 }),
        seed: seedArb,
        layout: layoutArb,
      })
      .chain(({ shape, k, seed, layout }) =>
        fc.integer({ min: 0, max: shape.length }).map((d) => ({
          inputs: Array.from({ length: k }, (_, i) => makeInput(shape, seed + i, STD, layout)),
          fn: (...xs: Tensor[]) => K.stack(xs, d).sin(),
          label: `${k} x [${shape}] at ${d}`,
        })),
      ),
  },
  // ---- indexing ------------------------------------------------------------------------------
  indexSelect: {
    arb: withInput(shapeArb(1, 3), std).chain(({ x, shape }) =>
      fc.nat(shape.length - 1).chain((d) =>
        fc.array(fc.nat(shape[d]! - 1), { minLength: 1, maxLength: 4 }).map((idx) => ({
          inputs: [x],
          fn: (y: Tensor) => K.indexSelect(y, d, idx).square(),
          label: `[${shape}] dim ${d} idx ${idx}`,
        })),
      ),
    ),
  },
  indexAdd: {
    arb: fc
      .record({ shape: shapeArb(1, 3), seed: seedArb, layout: layoutArb })
      .chain(({ shape, seed, layout }) =>
        fc.nat(shape.length - 1).chain((d) =>
          fc.array(fc.nat(shape[d]! - 1), { minLength: 1, maxLength: 4 }).map((idx) => {
            const srcShape = shape.map((s, j) => (j === d ? idx.length : s));
            return {
              inputs: [
                makeInput(shape, seed, STD, layout),
                makeInput(srcShape, seed + 1, STD, layout),
              ],
              fn: (a: Tensor, s: Tensor) => K.indexAdd(a, d, idx, s).square(),
              label: `[${shape}] dim ${d} idx ${idx}`,
            };
          }),
        ),
      ),
  },
  gather: {
    arb: withInput(shapeArb(1, 3), std).chain(({ x, shape, seed }) =>
      fc.nat(shape.length - 1).map((d) => {
        const idxShape = shape.map((s, j) => (j === d ? 3 : s));
        const idx = K.randint(0, shape[d]!, idxShape, { generator: new K.Generator(seed) });
        return {
          inputs: [x],
          fn: (y: Tensor) => K.gather(y, d, idx).square(),
          label: `[${shape}] dim ${d}`,
        };
      }),
    ),
  },
  scatterAdd: {
    arb: fc
      .record({ shape: shapeArb(1, 3), seed: seedArb, layout: layoutArb })
      .chain(({ shape, seed, layout }) =>
        fc.nat(shape.length - 1).map((d) => {
          const idxShape = shape.map((s, j) => (j === d ? 2 : s));
          const idx = K.randint(0, shape[d]!, idxShape, { generator: new K.Generator(seed) });
          return {
            inputs: [
              makeInput(shape, seed, STD, layout),
              makeInput(idxShape, seed + 1, STD, layout),
            ],
            fn: (a: Tensor, s: Tensor) => K.scatterAdd(a, d, idx, s).square(),
            label: `[${shape}] dim ${d}`,
          };
        }),
      ),
  },
  // ---- linear algebra and softmax -----------------------------------------------------------
  matmul: {
    arb: fc
      .record({
        n: fc.integer({ min: 1, max: 3 }),
        k: fc.integer({ min: 1, max: 3 }),
        m: fc.integer({ min: 1, max: 3 }),
        kind: fc.constantFrom('1d1d', '1d2d', '2d1d', '2d2d', 'batched', 'broadcast'),
        seed: seedArb,
        la: layoutArb,
        lb: layoutArb,
      })
      .map(({ n, k, m, kind, seed, la, lb }) => {
        const shapes: Record<string, [number[], number[]]> = {
          '1d1d': [[k], [k]],
          '1d2d': [[k], [k, m]],
          '2d1d': [[n, k], [k]],
          '2d2d': [
            [n, k],
            [k, m],
          ],
          batched: [
            [2, n, k],
            [2, k, m],
          ],
          broadcast: [
            [2, 1, n, k],
            [3, k, m],
          ],
        };
        const [sa, sb] = shapes[kind]!;
        return {
          inputs: [makeInput(sa, seed, STD, la), makeInput(sb, seed + 1, STD, lb)],
          fn: K.matmul,
          label: `${kind} [${sa}] @ [${sb}]`,
        };
      }),
  },
  // ---- sliding windows ------------------------------------------------------------------------
  unfold: { arb: windowCase((x, k, o) => K.unfold(x, k, o)) },
  fold: {
    arb: windowCase((x) => x).chain((c) => {
      // fold's input is an unfold-shaped tensor: take the shapes from unfolding a probe.
      const x = c.inputs[0]!;
      const { k, o } = c.params;
      const cols = K.unfold(x.detach(), k, o);
      return fc.constant({
        inputs: [makeInput(cols.shape, 7, STD, 'contiguous')],
        fn: (y: Tensor) => K.fold(y, [x.shape[2]!, x.shape[3]!], k, o),
        label: `${c.label} (fold)`,
      });
    }),
  },
  maxPool2dWithIndices: {
    arb: windowCase((x, k, o) => K.maxPool2dWithIndices(x, k, o).values).filter(
      (c) =>
        c.params.o.padding[0] <= c.params.k[0] / 2 && c.params.o.padding[1] <= c.params.k[1] / 2,
    ),
  },
  maxUnpool2d: {
    arb: windowCase((x) => x)
      .filter(
        (c) =>
          c.params.o.padding[0] <= c.params.k[0] / 2 && c.params.o.padding[1] <= c.params.k[1] / 2,
      )
      .chain((c) => {
        // indices from pooling a probe image (overlapping windows repeat indices: they add up)
        const x = c.inputs[0]!;
        const { k, o } = c.params;
        const { values, indices } = K.maxPool2dWithIndices(x.detach(), k, o);
        return fc.constant({
          inputs: [makeInput(values.shape, 11, STD, 'contiguous')],
          fn: (v: Tensor) => K.maxUnpool2d(v, indices, [x.shape[2]!, x.shape[3]!]).square(),
          label: `${c.label} (unpool)`,
        });
      }),
  },
  softmax: {
    arb: reduction(
      (x, d) => K.softmax(x, d[0]!).mul(K.arange(x.numel()).reshape(x.shape).to('float64')),
      uniform(-5, 5),
      true,
    ),
  },
  logSoftmax: {
    arb: reduction(
      (x, d) => K.logSoftmax(x, d[0]!).mul(K.arange(x.numel()).reshape(x.shape).to('float64')),
      uniform(-5, 5),
      true,
    ),
  },
};

/** An NCHW image with a kernel, stride and padding that fit it. */
function windowCase(
  fn: (
    x: Tensor,
    k: [number, number],
    o: { stride: [number, number]; padding: [number, number] },
  ) => Tensor,
) {
  return fc
    .record({
      b: fc.integer({ min: 1, max: 2 }),
      c: fc.integer({ min: 1, max: 2 }),
      h: fc.integer({ min: 1, max: 5 }),
      w: fc.integer({ min: 1, max: 5 }),
      kh: fc.integer({ min: 1, max: 3 }),
      kw: fc.integer({ min: 1, max: 3 }),
      sh: fc.integer({ min: 1, max: 2 }),
      sw: fc.integer({ min: 1, max: 2 }),
      ph: fc.integer({ min: 0, max: 1 }),
      pw: fc.integer({ min: 0, max: 1 }),
      seed: seedArb,
      layout: layoutArb,
    })
    .filter((r) => r.h + 2 * r.ph >= r.kh && r.w + 2 * r.pw >= r.kw)
    .map(
      (
        r,
      ): OpCase & {
        params: { k: [number, number]; o: { stride: [number, number]; padding: [number, number] } };
      } => {
        const k: [number, number] = [r.kh, r.kw];
        const o = {
          stride: [r.sh, r.sw] as [number, number],
          padding: [r.ph, r.pw] as [number, number],
        };
        return {
          inputs: [makeInput([r.b, r.c, r.h, r.w], r.seed, STD, r.layout)],
          fn: (x: Tensor) => fn(x, k, o),
          params: { k, o },
          label: `[${r.b},${r.c},${r.h},${r.w}] k${k} s${o.stride} p${o.padding} (${r.layout})`,
        };
      },
    );
}

function roundInputs(c: OpCase): OpCase {
  // Comparisons are tested on values with ties: round to halves.
  return {
    ...c,
    inputs: c.inputs.map((x) => x.mul(2).add(5).to('int32').to('float64').sub(5).div(2)),
  };
}

function dimsCount(x: Tensor, dims: number[]): number {
  return dims.reduce((p, d) => p * x.shape[d < 0 ? d + x.ndim : d]!, 1);
}

function reduceDims(fn: (x: Tensor, dims: number[], keepdim: boolean) => Tensor, single = false) {
  return ({
    x,
    shape,
    layout,
    seed,
  }: {
    x: Tensor;
    shape: number[];
    layout: Layout;
    seed: number;
  }) =>
    fc
      .record({
        dims: single
          ? fc.integer({ min: -shape.length, max: shape.length - 1 }).map((d) => [d])
          : fc.subarray([...shape.keys()], { minLength: 1 }),
        keepdim: fc.boolean(),
      })
      .map(({ dims, keepdim }) => ({
        inputs: [x],
        fn: (y: Tensor) => fn(y, dims, keepdim),
        label: `[${shape}] (${layout}, seed ${seed}) dims ${JSON.stringify(dims)} keepdim ${keepdim}`,
      }));
}

/** A different shape with the same element count: flattened, or the first dim split/merged. */
function reshapeTarget(shape: number[], seed: number): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  switch (seed % 3) {
    case 0:
      return [n];
    case 1:
      return [1, -1, 1];
    default:
      return [...shape].reverse();
  }
}
