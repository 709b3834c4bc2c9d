// F: gradients by gradcheck over random sizes/strides/paddings (float64), values against
// independent loop references, and PyTorch's reduction semantics.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  F,
  Generator,
  gradcheck,
  gradgradcheck,
  randn,
  tensor,
  type Tensor,
} from '../../src/index.js';
import * as K from '../../src/index.js';
import { fcParams, makeInput, seedArb, uniform, layoutArb } from '../helpers/arbitraries.js';

const STD = uniform(-2, 2);
const ok = (label: string, r: ReturnType<typeof gradcheck>) => {
  if (!r.ok) throw new Error(`${label}: ${r.failures.join('; ')}`);
};
const tight = { atol: 1e-7, rtol: 1e-6 };

/** Direct convolution, the textbook loops. */
function conv2dRef(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  s: number,
  p: number,
): { shape: number[]; values: number[] } {
  const [B, C, H, W] = x.shape as number[];
  const [O, , kh, kw] = w.shape as number[];
  const X = x.toArray<number[][][][]>();
  const Wt = w.toArray<number[][][][]>();
  const bias = b ? b.toArray<number[]>() : null;
  const Ho = Math.floor((H! + 2 * p - kh!) / s) + 1;
  const Wo = Math.floor((W! + 2 * p - kw!) / s) + 1;
  const values: number[] = [];
  for (let n = 0; n < B!; n++)
    for (let o = 0; o < O!; o++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Wo; j++) {
          let acc = bias ? bias[o]! : 0;
          for (let c = 0; c < C!; c++)
            for (let u = 0; u < kh!; u++)
              for (let v = 0; v < kw!; v++) {
                const y = i * s - p + u;
                const z = j * s - p + v;
                if (y >= 0 && y < H! && z >= 0 && z < W!)
                  acc += X[n]![c]![y]![z]! * Wt[o]![c]![u]![v]!;
              }
          values.push(acc);
        }
  return { shape: [B!, O!, Ho, Wo], values };
}

const convCase = fc
  .record({
    b: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 3 }),
    o: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 6 }),
    w: fc.integer({ min: 1, max: 6 }),
    k: fc.integer({ min: 1, max: 3 }),
    s: fc.integer({ min: 1, max: 2 }),
    p: fc.integer({ min: 0, max: 1 }),
    bias: fc.boolean(),
    seed: seedArb,
    layout: layoutArb,
  })
  .filter((r) => r.h + 2 * r.p >= r.k && r.w + 2 * r.p >= r.k);

describe('conv2d', () => {
  it('matches the direct-loop reference', () => {
    fc.assert(
      fc.property(convCase, (r) => {
        const x = makeInput([r.b, r.c, r.h, r.w], r.seed, STD, r.layout);
        const w = makeInput([r.o, r.c, r.k, r.k], r.seed + 1, STD);
        const b = r.bias ? makeInput([r.o], r.seed + 2, STD) : null;
        const y = F.conv2d(x, w, b, { stride: r.s, padding: r.p });
        const ref = conv2dRef(x, w, b, r.s, r.p);
        expect(y.shape).toEqual(ref.shape);
        y.toTypedArray().forEach((v, i) =>
          expect(Math.abs(v - ref.values[i]!)).toBeLessThan(1e-12),
        );
      }),
      fcParams(30),
    );
  });
  it('gradients w.r.t. input, weight and bias pass gradcheck', () => {
    fc.assert(
      fc.property(convCase, (r) => {
        const x = makeInput([r.b, r.c, r.h, r.w], r.seed, STD, r.layout);
        const w = makeInput([r.o, r.c, r.k, r.k], r.seed + 1, STD);
        const b = makeInput([r.o], r.seed + 2, STD);
        ok(
          JSON.stringify(r),
          gradcheck(
            (xx, ww, bb) => F.conv2d(xx, ww, bb, { stride: r.s, padding: r.p }),
            [x, w, b],
            tight,
          ),
        );
      }),
      fcParams(15),
    );
  });
  it('adds the bias in the kernel with the bits of conv2d then add, forward and backward', () => {
    // float32 from 16,384 output values runs the wasm kernels (bias in the GEMM's epilogue)
    for (const [dtype, shape] of [
      ['float32', [4, 3, 17, 19]],
      ['float64', [2, 3, 7, 6]],
      ['float32', [1, 2, 5, 5]],
    ] as const) {
      const g = new Generator(shape[2]);
      const x = randn([...shape], { generator: g, dtype });
      const w = randn([65, shape[1], 3, 3], { generator: g, dtype }).requiresGrad_();
      const b = randn([65], { generator: g, dtype }).requiresGrad_();
      const fused = F.conv2d(x, w, b, { padding: 1 });
      expect(fused.gradFn?.op).toBe('conv2d');
      const gy = randn(fused.shape, { generator: g, dtype });
      fused.backward(gy);
      const [gw, gb] = [w.grad!.toTypedArray(), b.grad!.toTypedArray()];
      w.grad = null;
      b.grad = null;
      const apart = F.conv2d(x, w, null, { padding: 1 }).add(b.reshape(1, 65, 1, 1));
      apart.backward(gy);
      // the index of the first differing bit pattern (−1: none), cheap to report on failure
      const differs = (p: ArrayLike<number>, q: ArrayLike<number>) =>
        p.length !== q.length ? -2 : Array.from(p).findIndex((v, i) => !Object.is(v, q[i]));
      expect(differs(fused.toTypedArray(), apart.toTypedArray()), dtype).toBe(-1);
      expect(differs(gw, w.grad!.toTypedArray()), dtype).toBe(-1);
      expect(differs(gb, b.grad!.toTypedArray()), dtype).toBe(-1);
    }
    // a bias of another dtype is added as add adds it (promoted)
    const x = randn([1, 1, 3, 3]);
    const y = F.conv2d(x, randn([2, 1, 1, 1]), randn([2], { dtype: 'float64' }));
    expect(y.dtype).toBe('float64');
  });
  it('rejects mismatched channels and bad shapes with both shapes in the message', () => {
    const x = tensor(new Float32Array(2 * 3 * 4 * 4), { shape: [2, 3, 4, 4] });
    expect(() =>
      F.conv2d(x, tensor(new Float32Array(4 * 2 * 3 * 3), { shape: [4, 2, 3, 3] })),
    ).toThrow(
      /conv2d: input has 3 channels \(shape \[2, 3, 4, 4\]\) but weight \[4, 2, 3, 3\] expects 2/,
    );
    expect(() => F.conv2d(tensor([1, 2]), x)).toThrow(
      /conv2d: expected a 4-D input \[batch, channels, height, width\], got shape \[2\]/,
    );
    expect(() =>
      F.conv2d(x, tensor(new Float32Array(3 * 3 * 5 * 5), { shape: [3, 3, 5, 5] })),
    ).toThrow(/does not fit an input of size 4x4/);
  });
});

describe('pooling', () => {
  const poolCase = fc
    .record({
      b: fc.integer({ min: 1, max: 2 }),
      c: fc.integer({ min: 1, max: 2 }),
      h: fc.integer({ min: 2, max: 6 }),
      w: fc.integer({ min: 2, max: 6 }),
      k: fc.integer({ min: 1, max: 3 }),
      s: fc.integer({ min: 1, max: 3 }),
      seed: seedArb,
    })
    .filter((r) => r.h >= r.k && r.w >= r.k);
  it('maxPool2d picks window maxima (padding is −∞) and routes gradients to them', () => {
    const x = tensor(
      [
        [
          [
            [1, 5, 2],
            [7, 3, 4],
            [0, 9, 8],
          ],
        ],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const y = F.maxPool2d(x, 2, 1);
    expect(y.toArray()).toEqual([
      [
        [
          [7, 5],
          [9, 9],
        ],
      ],
    ]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [
        [
          [0, 1, 0],
          [1, 0, 0],
          [0, 2, 0],
        ],
      ],
    ]);
    expect(
      F.maxPool2d(
        tensor([
          [
            [
              [-1, -2],
              [-3, -4],
            ],
          ],
        ]),
        2,
        2,
        1,
      ).toArray(),
    ).toEqual([
      [
        [
          [-1, -2],
          [-3, -4],
        ],
      ],
    ]);
    fc.assert(
      fc.property(poolCase, (r) => {
        // distinct values: no ties, so finite differences are valid
        const g = new Generator(r.seed);
        const n = r.b * r.c * r.h * r.w;
        const vals = Float64Array.from({ length: n }, (_, i) => i * 0.37 + g.random() * 0.1);
        for (let i = n - 1; i > 0; i--) {
          const j = g.integer(0, i + 1);
          [vals[i], vals[j]] = [vals[j]!, vals[i]!];
        }
        const x2 = tensor(vals, { shape: [r.b, r.c, r.h, r.w] });
        ok(
          JSON.stringify(r),
          gradcheck((xx) => F.maxPool2d(xx, r.k, r.s), [x2], tight),
        );
      }),
      fcParams(15),
    );
  });
  it('maxPool2dWithIndices gives PyTorch-style plane indices; maxUnpool2d puts values back; bad input is named', () => {
    const x = tensor([
      [
        [
          [1, 5, 2],
          [7, 3, 4],
          [0, 9, 8],
        ],
      ],
    ]);
    const { values, indices } = K.maxPool2dWithIndices(x, 2, { stride: 1 });
    expect(indices.dtype).toBe('int32');
    expect(indices.toArray()).toEqual([
      [
        [
          [3, 1],
          [7, 7],
        ],
      ],
    ]);
    expect(K.maxUnpool2d(values, indices, [3, 3]).toArray()).toEqual([
      [
        [
          [0, 5, 0],
          [7, 0, 0],
          [0, 18, 0],
        ],
      ],
    ]);
    expect(
      F.maxPool2d(
        tensor([
          [
            [
              [1, NaN],
              [3, 4],
            ],
          ],
        ]),
        2,
      ).toArray(),
    ).toEqual([[[[NaN]]]]);
    expect(() =>
      F.maxPool2d(
        tensor([
          [
            [
              [1, 2],
              [3, 4],
            ],
          ],
        ]),
        2,
        2,
        2,
      ),
    ).toThrow(/maxPool2d: padding \[2, 2\] must be at most half the kernel \[2, 2\]/);
    expect(() => K.maxUnpool2d(values, indices.to('float32'), [3, 3])).toThrow(
      /maxUnpool2d: indices must be int32 of the input's shape \[1, 1, 2, 2\], got float32/,
    );
    expect(() => K.maxUnpool2d(values, indices, [2, 2])).toThrow(
      /maxUnpool2d: index 7 at flat position 2 is outside a 2x2 plane/,
    );
    expect(() => K.maxPool2dWithIndices(tensor([1, 2]), 2)).toThrow(
      /maxPool2d: expected a 4-D input/,
    );
  });
  it('avgPool2d averages windows (zero padding counted) and passes gradcheck', () => {
    expect(
      F.avgPool2d(
        tensor([
          [
            [
              [1, 2],
              [3, 4],
            ],
          ],
        ]),
        2,
      ).toArray(),
    ).toEqual([[[[2.5]]]]);
    expect(F.avgPool2d(tensor([[[[4]]]]), 3, 1, 1).toArray()).toEqual([
      [[[Math.fround(Math.fround(4 / 9))]]],
    ]);
    fc.assert(
      fc.property(poolCase, (r) => {
        ok(
          JSON.stringify(r),
          gradcheck(
            (xx) => F.avgPool2d(xx, r.k, r.s),
            [makeInput([r.b, r.c, r.h, r.w], r.seed, STD, 'permuted')],
            tight,
          ),
        );
      }),
      fcParams(15),
    );
  });
  it('globalAvgPool2d gives [B, C]', () => {
    expect(
      F.globalAvgPool2d(
        tensor([
          [
            [
              [1, 2],
              [3, 4],
            ],
            [
              [0, 0],
              [0, 8],
            ],
          ],
        ]),
      ).toArray(),
    ).toEqual([[2.5, 2]]);
  });
});

describe('linear, leakyRelu, dropout', () => {
  it('linear = x Wᵀ + b with gradients', () => {
    expect(
      F.linear(
        tensor([[1, 2]]),
        tensor([
          [1, 0],
          [0, 1],
          [1, 1],
        ]),
        tensor([0, 0, 1]),
      ).toArray(),
    ).toEqual([[1, 2, 4]]);
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 4 }),
          i: fc.integer({ min: 1, max: 4 }),
          o: fc.integer({ min: 1, max: 4 }),
          seed: seedArb,
        }),
        (r) => {
          ok(
            JSON.stringify(r),
            gradcheck(
              F.linear,
              [
                makeInput([r.n, r.i], r.seed, STD, 'permuted'),
                makeInput([r.o, r.i], r.seed + 1, STD),
                makeInput([r.o], r.seed + 2, STD),
              ],
              tight,
            ),
          );
        },
      ),
      fcParams(15),
    );
    expect(() => F.linear(tensor([[1, 2, 3]]), tensor([[1, 2]]))).toThrow(
      /input of shape \[1, 3\] does not match weight \[1, 2\]/,
    );
  });
  it('leakyRelu has slope below 0 (and at 0)', () => {
    const x = tensor([-2, 0, 3], { dtype: 'float64', requiresGrad: true });
    const y = F.leakyRelu(x, 0.1);
    expect(y.toArray()).toEqual([-0.2, 0, 3]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([0.1, 0.1, 1]);
  });
  it('dropout: masks reproducible by seed, scaled by 1/(1-p), identity in eval', () => {
    const x = tensor(new Float64Array(1000).fill(1));
    const a = F.dropout(x, 0.3, true, new Generator(9)).toTypedArray();
    const b = F.dropout(x, 0.3, true, new Generator(9)).toTypedArray();
    expect(a).toEqual(b);
    const kept = a.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-12)).toBe(true);
    expect(Math.abs(kept.length / 1000 - 0.7)).toBeLessThan(0.05);
    expect(F.dropout(x, 0.3, false)).toBe(x);
    expect(() => F.dropout(x, 1.5)).toThrow(/dropout: probability p must be in \[0, 1\], got 1.5/);
  });
});

describe('batchNorm', () => {
  it('training normalises with the biased variance and updates running stats with the unbiased one', () => {
    const x = tensor(
      [
        [1, 10],
        [3, 20],
        [5, 60],
      ],
      { dtype: 'float64' },
    );
    const rm = tensor([0, 0], { dtype: 'float64' });
    const rv = tensor([1, 1], { dtype: 'float64' });
    const y = F.batchNorm(x, rm, rv, { training: true, momentum: 0.1, eps: 0 });
    const col0 = y.toArray().map((r: number[]) => r[0]);
    const sd = Math.sqrt(8 / 3);
    expect(col0.map((v: number) => v.toFixed(10))).toEqual(
      [-2 / sd, 0, 2 / sd].map((v) => v.toFixed(10)),
    );
    expect(rm.toArray<number[]>()[0]).toBeCloseTo(0.3, 12);
    expect(rv.toArray<number[]>()[0]).toBeCloseTo(0.9 + 0.1 * 4, 12); // unbiased var of [1,3,5] = 4
  });
  it('eval uses running statistics', () => {
    const y = F.batchNorm(tensor([[2, 4]]), tensor([1, 2]), tensor([4, 1]), {
      training: false,
      eps: 0,
      weight: tensor([1, 2]),
      bias: tensor([0, 1]),
    });
    expect(y.toArray()).toEqual([[0.5, 5]]);
  });
  it('passes gradcheck in training mode (through the batch statistics) for 2-D and 4-D input', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 2, max: 3 }),
          c: fc.integer({ min: 1, max: 3 }),
          hw: fc.integer({ min: 1, max: 2 }),
          four: fc.boolean(),
          seed: seedArb,
        }),
        (r) => {
          const shape = r.four ? [r.n, r.c, r.hw, r.hw] : [r.n, r.c];
          ok(
            JSON.stringify(r),
            gradcheck(
              (x, w, b) => F.batchNorm(x, null, null, { training: true, weight: w, bias: b }),
              [
                makeInput(shape, r.seed, STD),
                makeInput([r.c], r.seed + 1, STD),
                makeInput([r.c], r.seed + 2, STD),
              ],
              { atol: 1e-6, rtol: 1e-5 },
            ),
          );
        },
      ),
      fcParams(15),
    );
  });
  it('second order (gradgradcheck) in training and eval mode, with and without an affine part', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 2, max: 3 }),
          c: fc.integer({ min: 1, max: 3 }),
          hw: fc.integer({ min: 1, max: 2 }),
          four: fc.boolean(),
          affine: fc.boolean(),
          training: fc.boolean(),
          seed: seedArb,
        }),
        (r) => {
          const shape = r.four ? [r.n, r.c, r.hw, r.hw] : [r.n, r.c];
          const running = r.training
            ? [null, null]
            : [
                tensor(
                  Array.from({ length: r.c }, (_, i) => 0.1 * i),
                  { dtype: 'float64' },
                ),
                tensor(
                  Array.from({ length: r.c }, (_, i) => 1 + 0.5 * i),
                  { dtype: 'float64' },
                ),
              ];
          const inputs = [
            makeInput(shape, r.seed, STD),
            ...(r.affine
              ? [makeInput([r.c], r.seed + 1, STD), makeInput([r.c], r.seed + 2, STD)]
              : []),
          ];
          // square the output: the second derivative is then not trivially zero in eval mode
          const fn = (x: Tensor, w?: Tensor, b?: Tensor) =>
            F.batchNorm(x, running[0]!, running[1]!, {
              training: r.training,
              weight: w ?? null,
              bias: b ?? null,
            }).square();
          ok(JSON.stringify(r), gradgradcheck(fn, inputs, { atol: 1e-5, rtol: 1e-4 }));
        },
      ),
      fcParams(12),
    );
  });
  it('the fused first-order backward equals the tensor-op backward used under createGraph', () => {
    const g = new Generator(11);
    const x = randn([4, 3, 5, 5], { generator: g, dtype: 'float64' }).requiresGrad_();
    const w = randn([3], { generator: g, dtype: 'float64' }).requiresGrad_();
    const b = randn([3], { generator: g, dtype: 'float64' }).requiresGrad_();
    const up = randn([4, 3, 5, 5], { generator: g, dtype: 'float64' });
    const y = () => F.batchNorm(x, null, null, { training: true, weight: w, bias: b });
    const fused = K.autograd.grad(y(), [x, w, b], { gradOutputs: [up] });
    const graph = K.autograd.grad(y(), [x, w, b], { gradOutputs: [up], createGraph: true });
    fused.forEach((t, i) => {
      const a = Array.from(t!.toTypedArray());
      const e = Array.from(graph[i]!.toTypedArray());
      a.forEach((v, j) =>
        expect(Math.abs(v - e[j]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(e[j]!))),
      );
    });
    // and the forward equals the composite definition
    const mean = x.mean([0, 2, 3], true);
    const variance = x.sub(mean).square().mean([0, 2, 3], true);
    const want = x
      .sub(mean)
      .div(variance.add(1e-5).sqrt())
      .mul(w.reshape(1, 3, 1, 1))
      .add(b.reshape(1, 3, 1, 1))
      .toTypedArray();
    Array.from(y().toTypedArray()).forEach((v, j) =>
      expect(Math.abs(v - want[j]!)).toBeLessThanOrEqual(1e-12),
    );
  });
});

describe('batchNorm with a fused ReLU', () => {
  // the index of the first differing bit pattern (−1: none), cheap to report on failure
  const differs = (p: ArrayLike<number>, q: ArrayLike<number>) =>
    p.length !== q.length ? -2 : Array.from(p).findIndex((v, i) => !Object.is(v, q[i]));

  it('has the bits of batchNorm then relu: output and the gradients of x, weight and bias', () => {
    // float32 from 16,384 values runs the wasm kernels; float64 and small float32 the TypeScript
    for (const [dtype, shape] of [
      ['float32', [8, 5, 21, 20]],
      ['float32', [2, 3, 4, 5]],
      ['float64', [3, 4, 6, 7]],
    ] as const) {
      for (const training of [true, false]) {
        const g = new Generator(shape[3] + (training ? 1 : 0));
        const x = randn([...shape], { generator: g, dtype }).requiresGrad_();
        const C = shape[1];
        const w = randn([C], { generator: g, dtype }).requiresGrad_();
        const b = randn([C], { generator: g, dtype }).requiresGrad_();
        const rm = randn([C], { generator: g, dtype });
        const rv = randn([C], { generator: g, dtype }).abs();
        const up = randn([...shape], { generator: g, dtype });
        const run = (relu: boolean) => {
          // fresh running statistics each time, so both see the same
          const opts = { training, weight: w, bias: b };
          const r = [rm.clone(), rv.clone()] as const;
          const y = relu
            ? F.batchNorm(x, r[0], r[1], { ...opts, relu: true })
            : F.batchNorm(x, r[0], r[1], opts).relu();
          const grads = K.autograd.grad(y, [x, w, b], { gradOutputs: [up] });
          return { y, grads, running: r };
        };
        const fused = run(true);
        const apart = run(false);
        const label = `${dtype} ${shape.join('×')} training=${training}`;
        expect(fused.y.gradFn?.op, label).toBe('batchNormRelu');
        expect(differs(fused.y.toTypedArray(), apart.y.toTypedArray()), label).toBe(-1);
        fused.grads.forEach((t, i) =>
          expect(differs(t!.toTypedArray(), apart.grads[i]!.toTypedArray()), `${label} ${i}`).toBe(
            -1,
          ),
        );
        expect(differs(fused.running[1].toTypedArray(), apart.running[1].toTypedArray())).toBe(-1);
      }
    }
  });

  it('second order through the fused op equals the two ops (createGraph)', () => {
    const g = new Generator(5);
    const x = randn([3, 2, 3, 3], { generator: g, dtype: 'float64' }).requiresGrad_();
    const w = randn([2], { generator: g, dtype: 'float64' }).requiresGrad_();
    const gg = (relu: boolean) => {
      const y = relu
        ? F.batchNorm(x, null, null, { training: true, weight: w, relu: true })
        : F.batchNorm(x, null, null, { training: true, weight: w }).relu();
      const [dx] = K.autograd.grad(y.square().sum(), [x], { createGraph: true });
      return K.autograd.grad(dx!.square().sum(), [x, w]);
    };
    const [fused, apart] = [gg(true), gg(false)];
    fused.forEach((t, i) =>
      expect(differs(t!.toTypedArray(), apart[i]!.toTypedArray()), String(i)).toBe(-1),
    );
    const fn = (xi: Tensor, wi: Tensor) =>
      F.batchNorm(xi, null, null, { training: true, weight: wi, relu: true }).square();
    ok('gradgradcheck', gradgradcheck(fn, [x.detach(), w.detach()], { atol: 1e-5, rtol: 1e-4 }));
  });

  it('Sequential and BasicBlock fuse a BatchNorm followed by a ReLU, unless a hook must see either', () => {
    const g = new Generator(3);
    const net = new K.nn.Sequential(
      new K.nn.Conv2d(3, 4, 3, { padding: 1, generator: g }),
      new K.nn.BatchNorm2d(4),
      new K.nn.ReLU(),
    );
    const x = randn([2, 3, 6, 6], { generator: g });
    const fused = net.forward(x);
    expect(fused.gradFn?.op).toBe('batchNormRelu');
    const seen: string[] = [];
    const handle = net.at(1).registerForwardHook((_, __, out) => {
      seen.push(out.gradFn?.op ?? '');
    });
    const hooked = net.forward(x);
    handle.remove();
    expect(seen).toEqual(['batchNorm']);
    expect(hooked.gradFn?.op).toBe('relu');
    expect(differs(hooked.toTypedArray(), fused.toTypedArray())).toBe(-1);
    // BatchNorm1d on [B, C] (one value per plane) too, with the bits of the two layers apart
    const [lin, bn1d, relu] = [
      new K.nn.Linear(6, 5, { generator: g }),
      new K.nn.BatchNorm1d(5),
      new K.nn.ReLU(),
    ] as const;
    const v = randn([7, 6], { generator: g });
    const y1 = new K.nn.Sequential(lin, bn1d, relu).forward(v);
    expect(y1.gradFn?.op).toBe('batchNormRelu');
    const y2 = relu.forward(bn1d.forward(lin.forward(v)));
    expect(differs(y1.toTypedArray(), y2.toTypedArray())).toBe(-1);
    const block = new K.nn.BasicBlock(4, 4, { generator: g });
    let ops: string[] = [];
    block.conv2.registerForwardPreHook((_, inputs) => {
      ops = [(inputs[0] as Tensor).gradFn?.op ?? ''];
    });
    block.forward(randn([2, 4, 5, 5], { generator: g }));
    expect(ops).toEqual(['batchNormRelu']);
  });
});

describe('conv2d with a fused ReLU, and the fused weight-gradient pass', () => {
  const differs = (p: ArrayLike<number>, q: ArrayLike<number>) =>
    p.length !== q.length ? -2 : Array.from(p).findIndex((v, i) => !Object.is(v, q[i]));
  // float32 runs the wasm kernels (width 16: im2col straight into the GEMM's strips; 13: the
  // general im2col; stride 2; 5×5), float64 the TypeScript ones
  const shapes = [
    ['float32', [5, 3, 9, 16], [6, 3, 3, 3], { padding: 1 }],
    ['float32', [4, 2, 11, 13], [5, 2, 5, 5], { padding: 2, stride: [2, 1] }],
    ['float32', [17, 2, 6, 8], [3, 2, 1, 1], {}],
    ['float64', [3, 2, 7, 6], [4, 2, 3, 3], { padding: 1, stride: 2 }],
  ] as const;

  it("has the bits of conv2d then relu, and the ops' gradients for each input needing one", () => {
    let cases = 0;
    for (const [dtype, xs, ws, opts] of shapes) {
      for (const relu of [true, false]) {
        for (const [needX, withBias] of [
          [true, true],
          [false, true],
          [true, false],
        ] as const) {
          const g = new Generator(xs[0] + ws[0] + (relu ? 1 : 0));
          const x = randn([...xs], { generator: g, dtype });
          if (needX) x.requiresGrad_();
          const w = randn([...ws], { generator: g, dtype }).requiresGrad_();
          const b = withBias ? randn([ws[0]], { generator: g, dtype }).requiresGrad_() : null;
          const y = F.conv2d(x, w, b, { ...opts, relu });
          const label = `${dtype} ${xs.join('×')} relu=${relu} x=${needX} bias=${withBias}`;
          expect(y.gradFn?.op, label).toBe(relu ? 'conv2dRelu' : 'conv2d');
          // the reference: the two ops' forward, and the gradients written out with the
          // convolution's adjoints on the gated g (relu's backward g·[r > 0])
          const plain = K.noGrad(() => F.conv2d(x, w, b, opts));
          const r = relu ? plain.relu() : plain;
          expect(differs(y.toTypedArray(), r.toTypedArray()), label).toBe(-1);
          const up = randn(y.shape, { generator: g, dtype });
          const gated = relu ? up.mul(r.gt(0).to(dtype)) : up;
          const inputs = [...(needX ? [x] : []), w, ...(b ? [b] : [])];
          const got = K.autograd.grad(y, inputs, { gradOutputs: [up] });
          const want = K.noGrad(() => [
            ...(needX ? [F.conv2dInput(gated, w, [xs[2], xs[3]], opts)] : []),
            F.conv2dWeight(x, gated, [ws[2], ws[3]], opts),
            ...(b ? [gated.sum([0, 2, 3])] : []),
          ]);
          got.forEach((t, i) =>
            expect(differs(t!.toTypedArray(), want[i]!.toTypedArray()), `${label} ${i}`).toBe(-1),
          );
          cases++;
        }
      }
    }
    expect(cases).toBe(24);
  });

  it('the bias gradient has the bits of g.sum([0, 2, 3]) where the order of the sum shows', () => {
    // values over ±40 binary orders: a float64 sum of them rounds, so another order differs
    const g = new Generator(11);
    const x = randn([9, 2, 8, 8], { generator: g });
    const w = randn([3, 2, 3, 3], { generator: g }).requiresGrad_();
    const b = randn([3], { generator: g }).requiresGrad_();
    const e = tensor(Array.from({ length: 9 * 3 * 64 }, () => 2 ** g.integer(-40, 40)));
    const up = randn([9, 3, 8, 8], { generator: g }).mul(e.reshape(9, 3, 8, 8));
    for (const relu of [false, true]) {
      const y = F.conv2d(x, w, b, { padding: 1, relu });
      const [, db] = K.autograd.grad(y, [w, b], { gradOutputs: [up] });
      const gated = relu ? up.mul(y.gt(0).to('float32')) : up;
      expect(differs(db!.toTypedArray(), gated.sum([0, 2, 3]).toTypedArray())).toBe(-1);
    }
  });

  it('a frozen weight runs the ops apart; a bias of another dtype is added, then relu', () => {
    const g = new Generator(4);
    const x = randn([2, 2, 5, 5], { generator: g }).requiresGrad_();
    const w = randn([3, 2, 3, 3], { generator: g });
    const y = F.conv2d(x, w, null, { relu: true });
    const up = randn(y.shape, { generator: g });
    const [dx] = K.autograd.grad(y, [x], { gradOutputs: [up] });
    const want = F.conv2dInput(up.mul(y.gt(0).to('float32')), w, [5, 5]);
    expect(differs(dx!.toTypedArray(), want.toTypedArray())).toBe(-1);
    const b64 = randn([3], { generator: g, dtype: 'float64' });
    const z = F.conv2d(x, w, b64, { relu: true });
    expect(z.dtype).toBe('float64');
    expect(z.gradFn?.op).toBe('relu');
    expect(z.min().item()).toBeGreaterThanOrEqual(0);
  });

  it('passes gradcheck and gradgradcheck (float64); second order equals the two ops', () => {
    const g = new Generator(6);
    const x = randn([2, 2, 5, 4], { generator: g, dtype: 'float64' }).requiresGrad_();
    const w = randn([3, 2, 3, 3], { generator: g, dtype: 'float64' }).requiresGrad_();
    const b = randn([3], { generator: g, dtype: 'float64' }).requiresGrad_();
    const fn = (xi: Tensor, wi: Tensor, bi: Tensor) =>
      F.conv2d(xi, wi, bi, { padding: 1, relu: true }).square();
    ok('gradcheck', gradcheck(fn, [x.detach(), w.detach(), b.detach()], tight));
    ok('gradgradcheck', gradgradcheck(fn, [x.detach(), w.detach(), b.detach()], tight));
    const gg = (relu: boolean) => {
      const y = relu
        ? F.conv2d(x, w, b, { padding: 1, relu: true })
        : F.conv2d(x, w, b, { padding: 1 }).relu();
      const [dx] = K.autograd.grad(y.square().sum(), [x], { createGraph: true });
      return K.autograd.grad(dx!.square().sum(), [x, w, b]);
    };
    const [fused, apart] = [gg(true), gg(false)];
    fused.forEach((t, i) =>
      expect(differs(t!.toTypedArray(), apart[i]!.toTypedArray()), String(i)).toBe(-1),
    );
  });

  it('Sequential fuses a Conv2d followed by a ReLU, unless a hook must see either', () => {
    const g = new Generator(8);
    const net = new K.nn.Sequential(
      new K.nn.Conv2d(3, 4, 3, { padding: 1, generator: g }),
      new K.nn.ReLU(),
      new K.nn.MaxPool2d(2),
    );
    const x = randn([2, 3, 6, 6], { generator: g });
    const fused = net.forward(x);
    const ops: string[] = [];
    const seen = net.at(2).registerForwardPreHook((_, inputs) => {
      ops.push((inputs[0] as Tensor).gradFn?.op ?? '');
    });
    net.forward(x);
    const hooked: string[] = [];
    const handle = net.at(0).registerForwardHook((_, __, out) => {
      hooked.push(out.gradFn?.op ?? '');
    });
    const apart = net.forward(x);
    handle.remove();
    seen.remove();
    expect(ops).toEqual(['conv2dRelu', 'relu']);
    expect(hooked).toEqual(['conv2d']);
    expect(differs(apart.toTypedArray(), fused.toTypedArray())).toBe(-1);
    // a patched prototype is not the class's own forward either: the patch runs
    const own = K.nn.Conv2d.prototype.forward;
    let calls = 0;
    K.nn.Conv2d.prototype.forward = function (this: K.nn.Conv2d, t: Tensor) {
      calls++;
      return own.call(this, t);
    };
    try {
      net.forward(x);
    } finally {
      K.nn.Conv2d.prototype.forward = own;
    }
    expect(calls).toBe(1);
  });
});

describe('losses', () => {
  const logits = [
    [2, 1, 0.1],
    [0.5, 2.5, -1],
  ];
  const ref = (smoothing: number) =>
    logits.map((row, i) => {
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      const logp = row.map((v) => v - lse);
      const y = [0, 2][i]!;
      return (1 - smoothing) * -logp[y]! + (smoothing * -logp.reduce((a, b) => a + b, 0)) / 3;
    });
  it('crossEntropy with class indices: none/sum/mean and label smoothing, exactly', () => {
    const x = tensor(logits, { dtype: 'float64' });
    const none = F.crossEntropy(x, [0, 2], { reduction: 'none' }).toArray<number[]>();
    ref(0).forEach((v, i) => expect(none[i]).toBeCloseTo(v, 14));
    expect(F.crossEntropy(x, [0, 2], { reduction: 'sum' }).item()).toBeCloseTo(
      ref(0)[0]! + ref(0)[1]!,
      14,
    );
    expect(F.crossEntropy(x, new Int32Array([0, 2])).item()).toBeCloseTo(
      (ref(0)[0]! + ref(0)[1]!) / 2,
      14,
    );
    expect(
      F.crossEntropy(x, tensor([0, 2], { dtype: 'int32' }), { labelSmoothing: 0.1 }).item(),
    ).toBeCloseTo((ref(0.1)[0]! + ref(0.1)[1]!) / 2, 14);
  });
  it('crossEntropy with probability targets equals the index form for one-hot targets', () => {
    const x = tensor(logits, { dtype: 'float64' });
    const onehot = tensor(
      [
        [1, 0, 0],
        [0, 0, 1],
      ],
      { dtype: 'float64' },
    );
    expect(F.crossEntropy(x, onehot, { labelSmoothing: 0.2 }).item()).toBeCloseTo(
      F.crossEntropy(x, [0, 2], { labelSmoothing: 0.2 }).item(),
      14,
    );
  });
  it('crossEntropy and nllLoss pass gradcheck; nllLoss(logSoftmax) = crossEntropy', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 4 }),
          c: fc.integer({ min: 2, max: 5 }),
          seed: seedArb,
          eps: fc.constantFrom(0, 0.1),
        }),
        (r) => {
          const g = new Generator(r.seed);
          const y = Array.from({ length: r.n }, () => g.integer(0, r.c));
          const x = makeInput([r.n, r.c], r.seed, uniform(-3, 3));
          ok(
            JSON.stringify(r),
            gradcheck((xx) => F.crossEntropy(xx, y, { labelSmoothing: r.eps }), [x], tight),
          );
          expect(F.nllLoss(x.logSoftmax(1), y).item()).toBeCloseTo(F.crossEntropy(x, y).item(), 13);
        },
      ),
      fcParams(15),
    );
  });
  it('labels are validated: count, integrality, range', () => {
    const x = tensor(logits);
    expect(() => F.crossEntropy(x, [0])).toThrow(/crossEntropy: got 1 labels for a batch of 2/);
    expect(() => F.crossEntropy(x, [0, 1.5])).toThrow(/labels\[1\] = 1.5 is not an integer/);
    expect(() => F.crossEntropy(x, [0, 3])).toThrow(
      /labels\[1\] = 3 is out of range for 3 classes/,
    );
    expect(() => F.crossEntropy(x, [0, 1], { reduction: 'avg' as never })).toThrow(
      /unknown reduction "avg"/,
    );
  });
  it("klDiv: PyTorch's reductions ('mean' = 'batchmean' / C), logTarget, and 0·log 0 = 0", () => {
    const p = tensor(
      [
        [0.5, 0.5, 0],
        [0.1, 0.2, 0.7],
      ],
      { dtype: 'float64' },
    );
    const logq = tensor(
      [
        [0.2, 0.3, 0.5],
        [0.3, 0.3, 0.4],
      ],
      { dtype: 'float64' },
    ).log();
    const rows = p
      .toArray<number[][]>()
      .map((pr, i) =>
        pr.reduce(
          (s, v, c) => s + (v > 0 ? v * (Math.log(v) - logq.toArray<number[][]>()[i]![c]!) : 0),
          0,
        ),
      );
    expect(F.klDiv(logq, p, { reduction: 'sum' }).item()).toBeCloseTo(rows[0]! + rows[1]!, 14);
    expect(F.klDiv(logq, p, { reduction: 'batchmean' }).item()).toBeCloseTo(
      (rows[0]! + rows[1]!) / 2,
      14,
    );
    expect(F.klDiv(logq, p, { reduction: 'mean' }).item()).toBeCloseTo(
      (rows[0]! + rows[1]!) / 6,
      14,
    );
    expect(F.klDiv(logq, p.log(), { reduction: 'batchmean', logTarget: true }).item()).toBeCloseTo(
      (rows[0]! + rows[1]!) / 2,
      14,
    );
    const none = F.klDiv(logq, p, { reduction: 'none' });
    expect(none.shape).toEqual([2, 3]);
    expect(none.toArray<number[][]>()[0]![2]).toBe(0);
  });
  it('klDiv with logTarget masks only −∞: NaN and +∞ in the target propagate (beside a −∞ row too)', () => {
    const logq = tensor(
      [
        [0.2, 0.3, 0.5],
        [0.3, 0.3, 0.4],
      ],
      { dtype: 'float64' },
    ).log();
    const nanRow = tensor(
      [
        [NaN, NaN, NaN],
        [-Infinity, Math.log(0.5), Math.log(0.5)],
      ],
      { dtype: 'float64' },
    );
    expect(F.klDiv(logq, nanRow, { reduction: 'batchmean', logTarget: true }).item()).toBeNaN();
    const infRow = tensor(
      [
        [Infinity, 0, 0],
        [-Infinity, Math.log(0.5), Math.log(0.5)],
      ],
      { dtype: 'float64' },
    );
    expect(
      Number.isFinite(F.klDiv(logq, infRow, { reduction: 'batchmean', logTarget: true }).item()),
    ).toBe(false);
    // the −∞ entry alone still contributes 0
    const ok = tensor([[-Infinity, Math.log(0.5), Math.log(0.5)]], { dtype: 'float64' });
    expect(
      F.klDiv(logq.narrow(0, 0, 1), ok, { reduction: 'sum', logTarget: true }).item(),
    ).toBeCloseTo(
      0.5 * (Math.log(0.5) - Math.log(0.3)) + 0.5 * (Math.log(0.5) - Math.log(0.5)),
      14,
    );
  });
  it('klDiv is differentiable in both arguments, finite where the target is 0', () => {
    const logq = tensor([[0.2, 0.3, 0.5]], { dtype: 'float64' })
      .log()
      .detach()
      .requiresGrad_();
    const p = tensor([[0.6, 0.4, 0]], { dtype: 'float64', requiresGrad: true });
    F.klDiv(logq, p, { reduction: 'batchmean' }).backward();
    expect(Array.from(p.grad!.toTypedArray()).every(Number.isFinite)).toBe(true);
    ok(
      'klDiv',
      gradcheck(
        (a, b) => F.klDiv(a, b, { reduction: 'batchmean' }),
        [logq.detach(), tensor([[0.6, 0.3, 0.1]], { dtype: 'float64' })],
        tight,
      ),
    );
  });
  it('mseLoss', () => {
    expect(F.mseLoss(tensor([1, 2]), tensor([0, 0])).item()).toBe(2.5);
    expect(F.mseLoss(tensor([1, 2]), tensor([0, 0]), { reduction: 'sum' }).item()).toBe(5);
    expect(() => F.mseLoss(tensor([1, 2]), tensor([0]))).toThrow(
      /mseLoss: input \[2\] and target \[1\]/,
    );
  });
});
