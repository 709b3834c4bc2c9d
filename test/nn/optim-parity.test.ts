// Optimizers and schedulers against real PyTorch: test/fixtures/optim-parity.safetensors was made
// by scripts/torch/optim_parity.py (Debian's python3-torch, float64). From the same initial weights
// and batches, 60 steps with the gradient norm clipped to 1 must give PyTorch's learning rate and
// momentum at every step and its weights, within float64 rounding.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, nn, optim, type Tensor } from '../../src/index.js';

const fixture = await nn.loadSafetensors(
  join(import.meta.dirname, '../fixtures/optim-parity.safetensors'),
);
const T = fixture.tensors;
const meta = JSON.parse(fixture.metadata.kdgrad_fixture!) as {
  steps: number;
  batch: number;
  maxNorm: number;
  cases: string[];
};

type Sched = { step(): void };
const CASES: Record<
  string,
  (p: Tensor[]) => [optim.Optimizer<never>, ((o: never) => Sched) | null]
> = {
  sgd: (p) => [new optim.SGD(p, { lr: 0.1 }) as never, null],
  'sgd-momentum-dampening-wd': (p) => [
    new optim.SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 1e-2 }) as never,
    null,
  ],
  'sgd-nesterov-wd': (p) => [
    new optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }) as never,
    null,
  ],
  adam: (p) => [
    new optim.Adam(p, { lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 1e-3 }) as never,
    null,
  ],
  adamw: (p) => [new optim.AdamW(p, { lr: 0.01, weightDecay: 0.05 }) as never, null],
  'sgd-onecycle': (p) => [
    new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }) as never,
    (o) => new optim.OneCycleLR(o, { maxLr: 0.2, totalSteps: meta.steps }),
  ],
  'adam-onecycle': (p) => [
    new optim.Adam(p, { lr: 0.01 }) as never,
    (o) =>
      new optim.OneCycleLR(o, {
        maxLr: 0.02,
        totalSteps: meta.steps,
        pctStart: 0.25,
        divFactor: 10,
        finalDivFactor: 100,
      }),
  ],
  'sgd-cosine': (p) => [
    new optim.SGD(p, { lr: 0.1, momentum: 0.5 }) as never,
    (o) => new optim.CosineAnnealingLR(o, 40, 0.001),
  ],
  'sgd-step': (p) => [
    new optim.SGD(p, { lr: 0.1, momentum: 0.9 }) as never,
    (o) => new optim.StepLR(o, 15, 0.5),
  ],
  'adamw-linear': (p) => [
    new optim.AdamW(p, { lr: 0.02 }) as never,
    (o) => new optim.LinearLR(o, 0.2, 1, 25),
  ],
};

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('optimizers and schedulers vs PyTorch (float64, 60 steps)', () => {
  it('the fixture lists every case this test knows', () =>
    expect(meta.cases.sort()).toEqual(Object.keys(CASES).sort()));

  it.each(Object.keys(CASES))('%s', (name) => {
    const net = new nn.Sequential(
      new nn.Linear(6, 5, { dtype: 'float64' }),
      new nn.ReLU(),
      new nn.Linear(5, 3, { dtype: 'float64' }),
    );
    net.loadStateDict(
      Object.fromEntries(Object.keys(net.stateDict()).map((k) => [k, T[`init.${k}`]!])),
    );
    const [opt, makeSched] = CASES[name]!(net.parameters());
    const sched = makeSched ? makeSched(opt as never) : null;
    const lrs: number[] = [];
    const moms: number[] = [];
    const norms: number[] = [];
    for (let i = 0; i < meta.steps; i++) {
      const o = opt.paramGroups[0]!.options as Record<string, number>;
      lrs.push(o.lr!);
      moms.push(o.beta1 ?? o.momentum ?? 0);
      opt.zeroGrad();
      F.crossEntropy(
        net.forward(T.x!.narrow(0, i, 1).reshape([meta.batch, 6])),
        T.y!.narrow(0, i, 1).reshape([meta.batch]),
      ).backward();
      norms.push(optim.clipGradNorm(net.parameters(), meta.maxNorm));
      opt.step();
      sched?.step();
    }
    expect(maxDiff(lrs, T[`${name}.lr`]!.toTypedArray()), 'learning rate').toBeLessThan(1e-12);
    expect(maxDiff(moms, T[`${name}.momentum`]!.toTypedArray()), 'momentum').toBeLessThan(1e-12);
    expect(maxDiff(norms, T[`${name}.gradNorm`]!.toTypedArray()), 'gradient norm').toBeLessThan(
      1e-9,
    );
    for (const [k, p] of Object.entries(net.stateDict()))
      expect(maxDiff(p.toTypedArray(), T[`${name}.${k}`]!.toTypedArray()), k).toBeLessThan(1e-9);
  });
});
