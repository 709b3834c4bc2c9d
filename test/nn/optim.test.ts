// The first steps on f(p) = p²/2 (gradient p, p0 = 1), against values worked out by hand from
// PyTorch's documented update rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, nn, optim, randn, tensor, type Tensor } from '../../src/index.js';
import { fcParams } from '../helpers/arbitraries.js';

function run(make: (p: Tensor[]) => optim.Optimizer, steps: number): number[] {
  const p = new nn.Parameter(tensor([1], { dtype: 'float64' }));
  const opt = make([p]);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    p.square().mul(0.5).sum().backward();
    opt.step();
    out.push(p.item());
  }
  return out;
}
const expectClose = (got: number[], want: number[], digits = 12) =>
  want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, digits));

describe('SGD', () => {
  it('plain, with momentum, Nesterov, dampening and weight decay', () => {
    expectClose(
      run((p) => new optim.SGD(p, { lr: 0.1 }), 2),
      [0.9, 0.81],
    );
    expectClose(
      run((p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9 }), 3),
      [0.9, 0.72, 0.486],
    );
    expectClose(
      run((p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }), 2),
      [0.81, 0.5751],
    );
    expectClose(
      run((p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.5 }), 2),
      [0.9, 0.765],
    );
    expectClose(
      run((p) => new optim.SGD(p, { lr: 0.1, weightDecay: 0.1 }), 2),
      [0.89, 0.7921],
    );
  });
  it('rejects invalid settings', () => {
    const p = [new nn.Parameter(tensor([1]))];
    expect(() => new optim.SGD(p, { lr: -1 })).toThrow(
      /SGD: lr must be a finite number >= 0, got -1/,
    );
    expect(() => new optim.SGD(p, { lr: 0.1, nesterov: true })).toThrow(
      /Nesterov momentum requires momentum > 0/,
    );
    expect(() => new optim.SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    expect(() => new optim.SGD([tensor([1]).mul(2)], { lr: 0.1 })).toThrow(
      /must be a leaf that requires grad/,
    );
  });
});

describe('Adam and AdamW', () => {
  it('Adam: the first step is lr·sign(g), then bias-corrected moments', () => {
    expectClose(
      run((p) => new optim.Adam(p, { lr: 0.1 }), 2),
      [0.900000001, 0.8004122297123382],
    );
  });
  it('AdamW decays the weights before the Adam step (decoupled)', () => {
    expectClose(
      run((p) => new optim.AdamW(p, { lr: 0.1, weightDecay: 0.1 }), 2),
      [0.890000001, 0.7815718569541611],
    );
  });
});

describe('state dicts resume exactly', () => {
  it.each([
    [
      'SGD',
      (p: Tensor[]) =>
        new optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }),
    ],
    ['Adam', (p: Tensor[]) => new optim.Adam(p, { lr: 0.05 })],
  ] as const)('%s', (_, make) => {
    const straight = run(make, 6);
    const p = new nn.Parameter(tensor([1], { dtype: 'float64' }));
    let opt = make([p]);
    const step = () => {
      opt.zeroGrad();
      p.square().mul(0.5).sum().backward();
      opt.step();
    };
    for (let i = 0; i < 3; i++) step();
    const saved = JSON.parse(JSON.stringify(opt.stateDict()));
    opt = make([p]);
    opt.loadStateDict(saved);
    for (let i = 0; i < 3; i++) step();
    expect(p.item()).toBe(straight[5]);
  });
});

describe('learning-rate schedules', () => {
  const opt = () => new optim.SGD([new nn.Parameter(tensor([1]))], { lr: 1, momentum: 0.9 });
  const lrs = (s: optim.LRScheduler, n: number) =>
    Array.from({ length: n }, () => {
      const lr = s.getLastLr()[0]!;
      s.step();
      return lr;
    });
  it('StepLR, CosineAnnealingLR, LinearLR', () => {
    expectClose(lrs(new optim.StepLR(opt(), 2, 0.5), 5), [1, 1, 0.5, 0.5, 0.25]);
    expectClose(
      lrs(new optim.CosineAnnealingLR(opt(), 4, 0), 6),
      [
        1, 0.8535533905932737, 0.5, 0.14644660940672627, 0, 0.14644660940672627,
      ] /* past tMax it rises again, as torch */,
    );
    expectClose(lrs(new optim.LinearLR(opt(), 0.25, 1, 3), 5), [0.25, 0.5, 0.75, 1, 1]);
  });
  it('OneCycleLR follows torch.optim.lr_scheduler.OneCycleLR (cos, pctStart 0.3, div 25, final 1e4) and cycles momentum', () => {
    const o = opt();
    const s = new optim.OneCycleLR(o, { maxLr: 1, totalSteps: 10 });
    const moms: number[] = [];
    const got = Array.from({ length: 10 }, () => {
      const lr = s.getLastLr()[0]!;
      moms.push(o.paramGroups[0]!.options.momentum);
      s.step();
      return lr;
    });
    expectClose(
      got,
      [
        0.04, 0.52, 1.0, 0.950484632, 0.8117456539, 0.6112620219, 0.3887419781, 0.1882583461,
        0.049519368, 4e-6,
      ],
      9,
    );
    expect(moms[0]).toBeCloseTo(0.95, 12);
    expect(moms[2]).toBeCloseTo(0.85, 12);
    expect(moms[9]).toBeCloseTo(0.95, 12);
  });
  it('schedules resume from their state dict', () => {
    const a = new optim.CosineAnnealingLR(opt(), 10);
    for (let i = 0; i < 4; i++) a.step();
    const b = new optim.CosineAnnealingLR(opt(), 10);
    b.loadStateDict(a.stateDict());
    expect(b.getLastLr()).toEqual(a.getLastLr());
  });
});

describe('clipGradNorm', () => {
  it('scales all gradients by maxNorm / total when the global norm is larger, and returns the norm', () => {
    const a = new nn.Parameter(tensor([3], { dtype: 'float64' }));
    const b = new nn.Parameter(tensor([4], { dtype: 'float64' }));
    a.add(b).sum().mul(0).add(a.mul(3)).add(b.mul(4)).sum().backward(); // grads 3 and 4: norm 5
    expect(optim.clipGradNorm([a, b], 1)).toBeCloseTo(5, 12);
    expect(a.grad!.item()).toBeCloseTo(0.6, 5);
    expect(b.grad!.item()).toBeCloseTo(0.8, 5);
    expect(optim.clipGradNorm([a, b], 10)).toBeCloseTo(1, 5); // below the limit: unchanged
    expect(a.grad!.item()).toBeCloseTo(0.6, 5);
  });
  it('does not touch another tensor that shared the gradient storage', () => {
    const a = new nn.Parameter(tensor([1, 1]));
    const b = new nn.Parameter(tensor([1, 1]));
    a.add(b).sum().backward(); // both get the same upstream gradient
    optim.clipGradNorm([a], 0.5);
    expect(b.grad!.toArray()).toEqual([1, 1]);
  });
});

// Float32 parameters of 16,384 values or more take the wasm SIMD loop (assembly/optim.ts); it
// must give the TypeScript loop's bits: float64 arithmetic in the same order, rounded on store.
describe('SGD with momentum on large float32 parameters (wasm)', () => {
  it('matches the update rule computed in float64 and rounded to float32, bit for bit', () => {
    const cases = fc
      .record({
        n: fc.integer({ min: 16384, max: 40000 }),
        seed: fc.nat(),
        lr: fc.double({ min: 1e-4, max: 0.5, noNaN: true }),
        momentum: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        dampening: fc.constantFrom(0, 0.1, 0.5),
        weightDecay: fc.constantFrom(0, 5e-4, 0.1),
        nesterov: fc.boolean(),
      })
      .filter((c) => !c.nesterov || c.dampening === 0);
    fc.assert(
      fc.property(cases, ({ n, seed, ...o }) => {
        const g = new Generator(seed);
        const p = new nn.Parameter(randn([n], { generator: g }));
        const opt = new optim.SGD([p], o);
        // the reference: the rule in float64, each stored value rounded to float32
        const P = Float64Array.from(p.storage.data);
        const B = new Float64Array(n);
        for (let step = 0; step < 3; step++) {
          p.grad = randn([n], { generator: g });
          const G = p.grad.storage.data;
          opt.step();
          for (let i = 0; i < n; i++) {
            const gi = G[i]! + o.weightDecay * P[i]!;
            const bi = step === 0 ? gi : o.momentum * B[i]! + (1 - o.dampening) * gi;
            B[i] = Math.fround(bi);
            P[i] = Math.fround(P[i]! - o.lr * (o.nesterov ? gi + o.momentum * bi : bi));
          }
          const got = p.storage.data;
          for (let i = 0; i < n; i++)
            if (!Object.is(got[i], P[i]))
              expect({ step, i, p: got[i] }).toEqual({ step, i, p: P[i] });
        }
      }),
      fcParams(10),
    );
  });
});

describe('SGD state loaded from a state dict (ordinary arrays, copied in and out of the kernels)', () => {
  it('continues with the bits of an optimizer that kept its own (resident) momentum', () => {
    const g = new Generator(21);
    const init = randn([20000], { generator: g });
    const grads = [0, 1, 2, 3].map(() => randn([20000], { generator: g }));
    const make = () => {
      const p = new nn.Parameter(init);
      return { p, opt: new optim.SGD([p], { lr: 0.05, momentum: 0.9, weightDecay: 1e-3 }) };
    };
    const a = make();
    const b = make();
    for (const [i, grad] of grads.entries()) {
      a.p.grad = grad;
      a.opt.step();
      if (i < 2) {
        b.p.grad = grad;
        b.opt.step();
      }
      if (i === 1) b.opt.loadStateDict(b.opt.stateDict()); // momentum becomes an ordinary array
      if (i >= 2) {
        b.p.grad = grad;
        b.opt.step();
      }
    }
    expect(Array.from(b.p.storage.data)).toEqual(Array.from(a.p.storage.data));
  });
});
