// The convolution kernels: the wasm fast path (float32, per-image im2col + GEMM, split over
// threads) against the TypeScript reference (run in float64) over random shapes, strides,
// paddings and layouts; and the three conv ops' gradients of first and second order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, Generator, gradcheck, gradgradcheck, randn, type Tensor } from '../../src/index.js';
import {
  conv2dInputGradKernel,
  conv2dKernel,
  conv2dWeightGradKernel,
  outputSize,
  type Window,
} from '../../src/tensor/kernels/conv.js';
import { fcParams, seedArb } from '../helpers/arbitraries.js';

const caseArb = fc
  .record({
    B: fc.integer({ min: 1, max: 3 }),
    C: fc.integer({ min: 1, max: 4 }),
    O: fc.integer({ min: 1, max: 5 }),
    H: fc.integer({ min: 1, max: 9 }),
    W: fc.integer({ min: 1, max: 9 }),
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    ph: fc.integer({ min: 0, max: 2 }),
    pw: fc.integer({ min: 0, max: 2 }),
    permuted: fc.boolean(),
    seed: seedArb,
  })
  .filter((r) => r.H + 2 * r.ph >= r.kh && r.W + 2 * r.pw >= r.kw);

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function make(r: Case) {
  const g = new Generator(r.seed);
  const win: Window = { kernel: [r.kh, r.kw], stride: [r.sh, r.sw], padding: [r.ph, r.pw] };
  const [Ho, Wo] = outputSize(r.H, r.W, win);
  // a channels-last tensor viewed as NCHW: the kernels must read strided input correctly
  const x = r.permuted
    ? randn([r.B, r.H, r.W, r.C], { generator: g }).permute(0, 3, 1, 2)
    : randn([r.B, r.C, r.H, r.W], { generator: g });
  const w = randn([r.O, r.C, r.kh, r.kw], { generator: g });
  const gy = randn([r.B, r.O, Ho, Wo], { generator: g });
  return { x, w, gy, win };
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, terms: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(
      1e-5 * Math.sqrt(terms) * (1 + Math.abs(want[i]!)),
    );
}

describe('conv kernels: wasm (float32) against the reference (float64)', () => {
  it('forward, input gradient and weight gradient agree over random shapes', () => {
    fc.assert(
      fc.property(caseArb, (r) => {
        const { x, w, gy, win } = make(r);
        const d = (t: Tensor) => t.double().storage;
        close(
          conv2dKernel(x.storage, w.storage, null, win, 'float32').data,
          conv2dKernel(d(x), d(w), null, win, 'float64').data,
          r.C * r.kh * r.kw,
        );
        close(
          conv2dInputGradKernel(gy.storage, w.storage, [r.H, r.W], win, 'float32').data,
          conv2dInputGradKernel(d(gy), d(w), [r.H, r.W], win, 'float64').data,
          r.O * r.kh * r.kw,
        );
        close(
          conv2dWeightGradKernel(x.storage, gy.storage, [r.kh, r.kw], win, 'float32').data,
          conv2dWeightGradKernel(d(x), d(gy), [r.kh, r.kw], win, 'float64').data,
          r.B * gy.shape[2]! * gy.shape[3]!,
        );
      }),
      fcParams(80),
    );
  });

  // the weight gradient sums per-image parts in 8 chunks: batches above 8 cross every chunk
  // boundary (a bug in the chunk sum showed only from 9 images on)
  it('weight gradient agrees for batches that cross the chunk boundaries (9, 17, 64 images)', () => {
    const batches = fc.constantFrom(9, 16, 17, 64);
    fc.assert(
      fc.property(
        caseArb.filter((r) => r.H * r.W <= 36),
        batches,
        (r0, B) => {
          const r = { ...r0, B };
          const { x, gy, win } = make(r);
          const d = (t: Tensor) => t.double().storage;
          close(
            conv2dWeightGradKernel(x.storage, gy.storage, [r.kh, r.kw], win, 'float32').data,
            conv2dWeightGradKernel(d(x), d(gy), [r.kh, r.kw], win, 'float64').data,
            r.B * gy.shape[2]! * gy.shape[3]!,
          );
          close(
            conv2dKernel(x.storage, make(r).w.storage, null, win, 'float32').data,
            conv2dKernel(d(x), d(make(r).w), null, win, 'float64').data,
            r.C * r.kh * r.kw,
          );
        },
      ),
      fcParams(25),
    );
  });

  // 1024 output positions or more per image: the forward and input-gradient GEMMs pack their
  // right operand into strips first (assembly/gemm.ts), in the scratch after the im2col matrix
  it('forward and input gradient agree for images of 32×32 and more (packed GEMM)', () => {
    const big = caseArb.map((r) => ({
      ...r,
      H: 32 + (r.H % 5),
      W: 32 + (r.W % 5),
      sh: 1,
      sw: 1,
      ph: r.kh >> 1,
      pw: r.kw >> 1,
    }));
    fc.assert(
      fc.property(big, (r) => {
        const { x, w, gy, win } = make(r);
        expect(gy.shape[2]! * gy.shape[3]!).toBeGreaterThanOrEqual(1024);
        const d = (t: Tensor) => t.double().storage;
        close(
          conv2dKernel(x.storage, w.storage, null, win, 'float32').data,
          conv2dKernel(d(x), d(w), null, win, 'float64').data,
          r.C * r.kh * r.kw,
        );
        close(
          conv2dInputGradKernel(gy.storage, w.storage, [r.H, r.W], win, 'float32').data,
          conv2dInputGradKernel(d(gy), d(w), [r.H, r.W], win, 'float64').data,
          r.O * r.kh * r.kw,
        );
      }),
      fcParams(15),
    );
  });
});

describe('conv ops: gradients of every order', () => {
  const small = caseArb.filter((r) => r.B * r.C * r.H * r.W <= 60 && r.O <= 3);
  it('conv2d, conv2dInput and conv2dWeight pass gradcheck and gradgradcheck (float64)', () => {
    fc.assert(
      fc.property(small, (r) => {
        const { x, w, gy } = make(r);
        const opts = {
          stride: [r.sh, r.sw] as [number, number],
          padding: [r.ph, r.pw] as [number, number],
        };
        const [xd, wd, gd] = [x, w, gy].map((t) => t.double().contiguous().requiresGrad_()) as [
          Tensor,
          Tensor,
          Tensor,
        ];
        const checks = [
          [(a: Tensor, b: Tensor) => F.conv2d(a, b, null, opts), [xd, wd]],
          [(a: Tensor, b: Tensor) => F.conv2dInput(a, b, [r.H, r.W], opts), [gd, wd]],
          [(a: Tensor, b: Tensor) => F.conv2dWeight(a, b, [r.kh, r.kw], opts), [xd, gd]],
        ] as const;
        for (const [fn, inputs] of checks) {
          // square the output so the second derivative is not identically zero (each op is bilinear)
          const f = (a: Tensor, b: Tensor) => fn(a, b).square();
          expect(gradcheck(f, [...inputs]).ok).toBe(true);
          expect(gradgradcheck(f, [...inputs]).ok).toBe(true);
        }
      }),
      fcParams(12),
    );
  });

  it('names the mismatch when shapes do not fit', () => {
    const w = randn([4, 3, 3, 3]);
    expect(() => F.conv2dInput(randn([2, 5, 6, 6]), w, [8, 8])).toThrow(
      /conv2dInput: gradOutput \[B, O, Ho, Wo\] \[2, 5, 6, 6\] does not match weight \[O, C, kh, kw\] \[4, 3, 3, 3\]/,
    );
    expect(() => F.conv2dInput(randn([2, 4, 5, 6]), w, [8, 8])).toThrow(
      /conv2dInput: gradOutput \[2, 4, 5, 6\] should be 6x6 for an input of 8x8 with kernel \[3, 3\], stride \[1, 1\], padding \[0, 0\]/,
    );
    expect(() => F.conv2dWeight(randn([2, 3, 8, 8]), randn([3, 4, 6, 6]), 3)).toThrow(
      /conv2dWeight: input \[B, C, H, W\] \[2, 3, 8, 8\] does not match gradOutput \[B, O, Ho, Wo\] \[3, 4, 6, 6\]/,
    );
    expect(() => F.conv2d(randn([1, 3, 4, 4]), randn([2, 3, 5, 5]))).toThrow(
      /conv2d: kernel \[5, 5\] with padding \[0, 0\] does not fit an input of size 4x4/,
    );
  });

  it('the gradients of F.conv2d are conv2dInput and conv2dWeight', () => {
    const g = new Generator(5);
    const x = randn([2, 3, 7, 6], { generator: g }).requiresGrad_();
    const w = randn([4, 3, 3, 2], { generator: g }).requiresGrad_();
    const opts = { stride: 2, padding: 1 };
    const y = F.conv2d(x, w, null, opts);
    const gy = randn(y.shape, { generator: g });
    y.backward({ gradient: gy });
    expect(Array.from(x.grad!.toTypedArray())).toEqual(
      Array.from(F.conv2dInput(gy, w.detach(), [7, 6], opts).toTypedArray()),
    );
    expect(Array.from(w.grad!.toTypedArray())).toEqual(
      Array.from(F.conv2dWeight(x.detach(), gy, [3, 2], opts).toTypedArray()),
    );
  });
});
