// The two kernel backends in one process: every op that has a wasm path run once on it and once
// on the TypeScript kernels (withoutWasm), over random shapes, transposed and offset views, and
// sizes on both sides of each threshold (4096 multiply-adds for GEMM, 16,384 values for the
// elementwise, batch-norm, channel-sum and SGD kernels and resident arrays, 2^17 multiply-adds for
// splitting a product). Products and convolutions may differ by float32 rounding (other summation
// order); the elementwise, batch-norm and SGD passes must agree bit for bit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, Generator, manualSeed, nn, optim, randn, type Tensor } from '../../src/index.js';
import { wasmStatus, withoutWasm } from '../../src/tensor/backend/index.js';
import { fcParams } from '../helpers/arbitraries.js';

type Run = () => Tensor[];

function both(run: Run): [number[][], number[][]] {
  const values = (ts: Tensor[]) => ts.map((t) => Array.from(t.toTypedArray() as ArrayLike<number>));
  const fast = values(run());
  const plain = values(withoutWasm(run));
  return [fast, plain];
}

/** |fast − plain| within float32 rounding of a sum of `terms` products, scaled by `scale`. */
function expectClose(fast: number[][], plain: number[][], terms: number, scale: number): void {
  expect(fast.length).toBe(plain.length);
  fast.forEach((f, t) => {
    expect(f.length).toBe(plain[t]!.length);
    f.forEach((v, i) => {
      const want = plain[t]![i]!;
      const tol = 4e-7 * Math.max(1, terms) * scale * (1 + Math.abs(want));
      if (!(Math.abs(v - want) <= tol)) {
        throw new Error(
          `output ${t}, element ${i}: wasm ${v}, TypeScript ${want} (tolerance ${tol})`,
        );
      }
    });
  });
}

describe('TypeScript and wasm backends agree', () => {
  it('the wasm kernels are loaded here, and withoutWasm turns them off', () => {
    expect(wasmStatus().enabled).toBe(true);
    expect(withoutWasm(() => wasmStatus().enabled)).toBe(false);
  });

  // The reported case: a product with a transposed right operand, wrong on the TypeScript path
  // once m·k·n reached the wasm threshold (the NT layout was read as if it were NN).
  it('matmul with a transposed right operand (the linear layer) at 4 × 64 × 16', () => {
    const run: Run = () => {
      const a = randn([4, 64], { generator: new Generator(1) });
      const b = randn([16, 64], { generator: new Generator(2) });
      return [a.matmul(b.t()), a.matmul(b.t().contiguous())];
    };
    const [fast, plain] = both(run);
    expectClose(fast, plain, 64, 1);
    expectClose([plain[0]!], [plain[1]!], 64, 1);
  });

  it('matmul: NN, NT, offset and batched views across 4096 and 2^17 multiply-adds', () => {
    const shapes = fc.record({
      n: fc.integer({ min: 1, max: 70 }),
      k: fc.integer({ min: 1, max: 90 }),
      m: fc.integer({ min: 1, max: 70 }),
      batch: fc.integer({ min: 0, max: 2 }),
      transposeB: fc.boolean(),
      offset: fc.boolean(),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(shapes, ({ n, k, m, batch, transposeB, offset, seed }) => {
        const run: Run = () => {
          const g = new Generator(seed);
          const lead = batch ? [batch] : [];
          let a = randn([...lead, n + (offset ? 2 : 0), k], { generator: g });
          if (offset) a = a.narrow(-2, 2, n);
          const b = transposeB
            ? randn([...lead, m, k], { generator: g }).transpose(-1, -2)
            : randn([...lead, k, m], { generator: g });
          return [a.matmul(b)];
        };
        const [fast, plain] = both(run);
        expectClose(fast, plain, k, 1);
      }),
      fcParams(60),
    );
    // the two thresholds themselves, each side
    for (const [n, k, m] of [
      [16, 16, 16],
      [16, 16, 15],
      [64, 64, 32],
      [64, 64, 31],
    ] as const) {
      const run: Run = () => {
        const g = new Generator(n * k + m);
        return [randn([n, k], { generator: g }).matmul(randn([m, k], { generator: g }).t())];
      };
      const [fast, plain] = both(run);
      expectClose(fast, plain, k, 1);
    }
  });

  it('conv2d forward, input and weight gradients, bias gradient and max pooling', () => {
    const cases = fc.record({
      B: fc.integer({ min: 1, max: 3 }),
      C: fc.integer({ min: 1, max: 5 }),
      O: fc.integer({ min: 1, max: 6 }),
      H: fc.integer({ min: 3, max: 14 }),
      W: fc.integer({ min: 3, max: 14 }),
      kernel: fc.constantFrom(1, 3, 5),
      stride: fc.constantFrom(1, 2),
      padding: fc.integer({ min: 0, max: 2 }),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(cases, ({ B, C, O, H, W, kernel, stride, padding, seed }) => {
        fc.pre(H + 2 * padding >= kernel && W + 2 * padding >= kernel);
        const run: Run = () => {
          const g = new Generator(seed);
          const x = randn([B, C, H, W], { generator: g }).requiresGrad_();
          const w = randn([O, C, kernel, kernel], { generator: g }).requiresGrad_();
          const bias = randn([O], { generator: g }).requiresGrad_();
          const y = F.conv2d(x, w, bias, { stride, padding });
          const pooled = y.shape[2]! >= 2 && y.shape[3]! >= 2 ? F.maxPool2d(y, 2) : y;
          pooled
            .mul(randn(pooled.shape, { generator: g }))
            .sum()
            .backward();
          return [y, pooled, x.grad!, w.grad!, bias.grad!];
        };
        const [fast, plain] = both(run);
        expectClose(fast, plain, C * kernel * kernel + B * H * W, 1);
      }),
      fcParams(40),
    );
  });

  it('elementwise ops, relu and batch norm: bit for bit on both sides of 16,384 values', () => {
    const cases = fc.record({
      n: fc.integer({ min: 1, max: 9 }),
      c: fc.integer({ min: 1, max: 8 }),
      s: fc.constantFrom(31, 255, 2048, 2049, 4100),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(cases, ({ n, c, s, seed }) => {
        const run: Run = () => {
          const g = new Generator(seed);
          const x = randn([n, c, s], { generator: g }).requiresGrad_();
          const gamma = randn([c], { generator: g }).requiresGrad_();
          const beta = randn([c], { generator: g }).requiresGrad_();
          const shift = randn([c, 1], { generator: g });
          const y = F.batchNorm(x, null, null, { training: true, weight: gamma, bias: beta });
          const z = y.add(shift).relu().mul(x).sub(y.mul(0.5));
          z.sum().backward();
          return [y, z, x.grad!, gamma.grad!, beta.grad!];
        };
        const [fast, plain] = both(run);
        expect(fast).toEqual(plain);
      }),
      fcParams(25),
    );
  });

  it('SGD with momentum: bit for bit on both sides of 16,384 values', () => {
    for (const size of [100, 16383, 16384, 20000]) {
      const run: Run = () => {
        const g = new Generator(size);
        const p = new nn.Parameter(randn([size], { generator: g }));
        const opt = new optim.SGD([p], {
          lr: 0.1,
          momentum: 0.9,
          weightDecay: 5e-4,
          nesterov: true,
        });
        for (let i = 0; i < 3; i++) {
          p.grad = randn([size], { generator: g });
          opt.step();
        }
        return [p];
      };
      const [fast, plain] = both(run);
      expect(fast).toEqual(plain);
    }
  });

  it('a Linear layer trained on both backends reaches the same loss', () => {
    const run: Run = () => {
      manualSeed(3);
      const g = new Generator(3);
      const model = new nn.Sequential(new nn.Linear(64, 32), new nn.ReLU(), new nn.Linear(32, 10));
      const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
      const x = randn([16, 64], { generator: g });
      const y = randn([16, 10], { generator: g });
      const losses: Tensor[] = [];
      for (let i = 0; i < 5; i++) {
        opt.zeroGrad();
        const loss = F.mseLoss(model.forward(x), y);
        loss.backward();
        opt.step();
        losses.push(loss.detach());
      }
      return losses;
    };
    const [fast, plain] = both(run);
    expectClose(fast, plain, 64 * 5, 1);
  });
});
