// The loss classes: the seed's semantics, gradchecks w.r.t. student logits and T, stability, bad input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveDistillationLoss,
  adaptiveTemperature,
  DecoupledDistillationLoss,
  DistillationLoss,
  F,
  gradcheck,
  LogitStandardizedDistillationLoss,
  MultiTeacherDistillationLoss,
  tensor,
  type Tensor,
} from '../../src/index.js';
import { fcParams } from '../helpers/arbitraries.js';
import { label, problemArb, type Problem } from './helpers.js';

describe('DistillationLoss (the seed)', () => {
  it('alpha = 0 is exactly cross-entropy; alpha = 1 exactly the T²-scaled soft term', () => {
    fc.assert(
      fc.property(problemArb(), (p) => {
        expect(
          new DistillationLoss({ temperature: p.T, alpha: 0 }).forward(p.s, p.t, p.y).item(),
        ).toBe(F.crossEntropy(p.s, p.y).item());
        const parts = new DistillationLoss({ temperature: p.T, alpha: 1 }).parts(p.s, p.t, p.y);
        expect(parts.loss.item()).toBe(parts.softLoss.item());
        expect(parts.softLoss.item()).toBe(parts.kl.item() * (p.T * p.T));
      }),
      fcParams(30),
    );
  });

  it("defaults are the seed's: T = 1, alpha = 0.5", () => {
    const s = tensor([[1, 2, 0]], { dtype: 'float64' });
    const t = tensor([[0, 3, 1]], { dtype: 'float64' });
    const kd = new DistillationLoss();
    const kl = F.klDiv(s.logSoftmax(1), t.softmax(1), { reduction: 'batchmean' }).item();
    expect(kd.forward(s, t, [1]).item()).toBeCloseTo(
      0.5 * kl + 0.5 * F.crossEntropy(s, [1]).item(),
      15,
    );
  });

  it('accepts labels as number[], Int32Array and integer-valued tensors', () => {
    const s = tensor([
      [1, 2, 0],
      [0, 1, 0],
    ]);
    const t = tensor([
      [0, 3, 1],
      [1, 1, 0],
    ]);
    const kd = new DistillationLoss({ temperature: 2 });
    const a = kd.forward(s, t, [1, 0]).item();
    expect(kd.forward(s, t, new Int32Array([1, 0])).item()).toBe(a);
    expect(kd.forward(s, t, tensor([1, 0], { dtype: 'int32' })).item()).toBe(a);
    expect(kd.forward(s, t, tensor([1, 0])).item()).toBe(a);
  });
});

describe('AdaptiveDistillationLoss', () => {
  it('at epoch e equals the standard loss at max(minTemp, T0·decay^e), kept within [0.05, 1000]', () => {
    fc.assert(
      fc.property(
        problemArb(),
        fc.double({ min: 0.5, max: 8, noNaN: true }),
        fc.double({ min: 0.8, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom(0, 1),
        (p, T0, decay, e, floor) => {
          const a = new AdaptiveDistillationLoss({
            initialTemp: T0,
            tempDecay: decay,
            minTemp: floor,
            alpha: 0.3,
          });
          const T = Math.min(1000, Math.max(0.05, floor, T0 * decay ** e));
          expect(a.temperatureAt(e)).toBe(T);
          expect(a.forward(p.s, p.t, p.y, e).item()).toBe(
            new DistillationLoss({ temperature: T, alpha: 0.3 }).forward(p.s, p.t, p.y).item(),
          );
        },
      ),
      fcParams(30),
    );
  });
  it("the article's defaults fall below 1 at epoch 1; T0 = 4, decay 0.9 falls below 1 at epoch 14 unless floored", () => {
    const seed = new AdaptiveDistillationLoss();
    expect(seed.temperatureAt(0)).toBe(1);
    expect(seed.temperatureAt(1)).toBeCloseTo(0.95, 15);
    expect(adaptiveTemperature(4, 0.9, 13)).toBeGreaterThan(1);
    expect(adaptiveTemperature(4, 0.9, 14)).toBeLessThan(1);
    expect(adaptiveTemperature(4, 0.9, 14, 1)).toBe(1);
  });
});

describe('MultiTeacherDistillationLoss', () => {
  it('normalises weights: [2, 2] = equal, [3, 1] = [0.75, 0.25]', () => {
    fc.assert(
      fc.property(
        problemArb({ T: [0.2, 20] }),
        fc.constantFrom<'probs' | 'logits'>('probs', 'logits'),
        (p, average) => {
          const t2 = p.t.mul(-1).add(0.5);
          const loss = (weights?: number[]) =>
            new MultiTeacherDistillationLoss({
              temperature: p.T,
              average,
              ...(weights ? { weights } : {}),
            })
              .forward(p.s, [p.t, t2], p.y)
              .item();
          expect(Math.abs(loss([2, 2]) - loss())).toBeLessThan(1e-13);
          expect(Math.abs(loss([3, 1]) - loss([0.75, 0.25]))).toBeLessThan(1e-13);
          expect(
            Math.abs(
              loss([1, 0]) -
                new DistillationLoss({ temperature: p.T }).forward(p.s, p.t, p.y).item(),
            ),
          ).toBeLessThan(1e-12);
        },
      ),
      fcParams(20),
    );
  });
});

describe('gradcheck of every loss w.r.t. student logits and T', () => {
  const losses: [string, (s: Tensor, t: Tensor, T: Tensor, y: number[]) => Tensor][] = [
    [
      'DistillationLoss',
      (s, t, T, y) => new DistillationLoss({ temperature: T, alpha: 0.6 }).forward(s, t, y),
    ],
    [
      'MultiTeacher (probs)',
      (s, t, T, y) =>
        new MultiTeacherDistillationLoss({ temperature: T, alpha: 0.6, weights: [1, 2] }).forward(
          s,
          [t, t.mul(-0.5).add(1)],
          y,
        ),
    ],
    [
      'MultiTeacher (logits)',
      (s, t, T, y) =>
        new MultiTeacherDistillationLoss({ temperature: T, alpha: 0.6, average: 'logits' }).forward(
          s,
          [t, t.mul(-0.5).add(1)],
          y,
        ),
    ],
    [
      'DecoupledDistillationLoss',
      (s, t, T, y) => new DecoupledDistillationLoss({ temperature: T }).forward(s, t, y, 5),
    ],
    [
      'LogitStandardizedDistillationLoss',
      (s, t, T, y) => new LogitStandardizedDistillationLoss({ temperature: T }).forward(s, t, y),
    ],
  ];
  /** Each row of student logits spreads over at least `d` (max − min). */
  const spreads = (p: Problem, d: number) =>
    p.s.toArray<number[][]>().every((row) => Math.max(...row) - Math.min(...row) >= d);
  for (const [name, fn] of losses) {
    it(name, () => {
      fc.assert(
        fc.property(problemArb({ T: [0.3, 30], C: [2, 5], scale: [0.1, 4] }), (p) => {
          // z-scoring divides by each row's std: across a spread of 2e-4 (seed 44 drew one) a
          // difference of 1e-5 is not a derivative, so that loss is checked where rows spread
          if (name === 'LogitStandardizedDistillationLoss') fc.pre(spreads(p, 0.05));
          const T = tensor(p.T, { dtype: 'float64' });
          // eps 1e-5: T²·KL carries ~1e-13 of rounding noise from the cancellation inside the KL
          const r = gradcheck((s, TT) => fn(s, p.t, TT, p.y), [p.s, T], {
            eps: 1e-5,
            atol: 1e-7,
            rtol: 1e-5,
          });
          if (!r.ok) throw new Error(`${label(p)}: ${r.failures.join('; ')}`);
        }),
        fcParams(15),
      );
    });
  }
});

describe('stability: logits up to ±1e4 and T from 0.05 to 1000', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`no NaN/Inf in any loss or gradient (${dtype})`, () => {
      const s0 = [
        [1e4, -1e4, 0, 5],
        [-1e4, -1e4, -1e4, 1e4],
        [3, 3, 3, 3],
      ];
      const t0 = [
        [-1e4, 1e4, 2, 0],
        [1e4, -1e4, 0, -1e4],
        [1e4, 0, 0, -1e4],
      ];
      for (const T of [0.05, 1, 20, 1000]) {
        const make: [string, (s: Tensor, t: Tensor, Tt: Tensor) => Tensor][] = [
          ['kd', (s, t, Tt) => new DistillationLoss({ temperature: Tt }).forward(s, t, [0, 3, 1])],
          [
            'multi',
            (s, t, Tt) =>
              new MultiTeacherDistillationLoss({ temperature: Tt }).forward(
                s,
                [t, s.detach()],
                [0, 3, 1],
              ),
          ],
          [
            'multi-logits',
            (s, t, Tt) =>
              new MultiTeacherDistillationLoss({ temperature: Tt, average: 'logits' }).forward(
                s,
                [t, s.detach()],
                [0, 3, 1],
              ),
          ],
          [
            'dkd',
            (s, t, Tt) =>
              new DecoupledDistillationLoss({ temperature: Tt }).forward(s, t, [0, 3, 1]),
          ],
          [
            'lskd',
            (s, t, Tt) =>
              new LogitStandardizedDistillationLoss({ temperature: Tt }).forward(s, t, [0, 3, 1]),
          ],
        ];
        for (const [name, fn] of make) {
          const s = tensor(s0, { dtype, requiresGrad: true });
          const Tt = tensor(T, { dtype, requiresGrad: true });
          const loss = fn(s, tensor(t0, { dtype }), Tt);
          loss.backward();
          const values = [loss.item(), ...s.grad!.toTypedArray(), Tt.grad!.item()];
          expect(
            values.every(Number.isFinite),
            `${name} T=${T} ${dtype}: ${values.join(', ')}`,
          ).toBe(true);
        }
      }
    });
  }
});

describe('bad input is refused with a clear error', () => {
  const s = tensor([
    [1, 2, 3],
    [0, 0, 1],
  ]);
  const t = tensor([
    [1, 0, 0],
    [0, 2, 1],
  ]);
  it('temperature <= 0, NaN or infinite', () => {
    for (const T of [0, -1, NaN, Infinity]) {
      expect(() => new DistillationLoss({ temperature: T })).toThrow(
        new RegExp(`DistillationLoss: temperature must be a finite number > 0, got ${T}`),
      );
    }
    expect(() => new DistillationLoss({ temperature: tensor(-2) }).forward(s, t, [0, 1])).toThrow(
      /temperature must be a finite number > 0, got -2/,
    );
    expect(() =>
      new DistillationLoss({ temperature: tensor([1, 2]) }).forward(s, t, [0, 1]),
    ).toThrow(/temperature must be a single number, got a tensor of shape \[2\]/);
    expect(() => new AdaptiveDistillationLoss({ initialTemp: 0 })).toThrow(
      /initialTemp must be a finite number > 0, got 0/,
    );
    expect(() => new AdaptiveDistillationLoss({ tempDecay: -1 })).toThrow(
      /tempDecay must be a finite number > 0/,
    );
  });
  it('alpha outside [0, 1]', () => {
    expect(() => new DistillationLoss({ alpha: 1.5 })).toThrow(
      /DistillationLoss: alpha must be in \[0, 1\], got 1.5/,
    );
    expect(() => new MultiTeacherDistillationLoss({ alpha: -0.1 })).toThrow(
      /alpha must be in \[0, 1\], got -0.1/,
    );
  });
  it('student/teacher shape mismatch names both shapes', () => {
    expect(() => new DistillationLoss().forward(s, tensor([[1, 2]]), [0, 1])).toThrow(
      /student logits \[2, 3\] and teacher logits \[1, 2\] must have the same shape/,
    );
    expect(() => new MultiTeacherDistillationLoss().forward(s, [t, tensor([[1]])], [0, 1])).toThrow(
      /teacher 1 logits \[1, 1\] and student logits \[2, 3\]/,
    );
    expect(() => new DistillationLoss().forward(tensor([1, 2, 3]), tensor([1, 2, 3]), [0])).toThrow(
      /must be \[batch, classes\], got shape \[3\]/,
    );
  });
  it('labels not integers or out of range', () => {
    expect(() => new DistillationLoss().forward(s, t, [0, 1.5])).toThrow(
      /labels\[1\] = 1.5 is not an integer/,
    );
    expect(() => new DistillationLoss().forward(s, t, [0, 3])).toThrow(
      /labels\[1\] = 3 is out of range for 3 classes/,
    );
    expect(() => new DecoupledDistillationLoss().forward(s, t, [-1, 0])).toThrow(
      /labels\[0\] = -1 is out of range/,
    );
    expect(() => new DistillationLoss().forward(s, t, [0])).toThrow(
      /got 1 labels for a batch of 2/,
    );
  });
  it('empty teacher list; weights that do not match the teachers', () => {
    expect(() => new MultiTeacherDistillationLoss().forward(s, [], [0, 1])).toThrow(
      /expected a non-empty list of teacher logits/,
    );
    expect(() =>
      new MultiTeacherDistillationLoss({ weights: [1, 2] }).forward(s, [t], [0, 1]),
    ).toThrow(/got 2 weights for 1 teachers/);
    expect(() => new MultiTeacherDistillationLoss({ weights: [1, -1] })).toThrow(
      /weight 1 must be a finite number >= 0, got -1/,
    );
    expect(() => new MultiTeacherDistillationLoss({ weights: [0, 0] })).toThrow(
      /teacher weights sum to 0/,
    );
    expect(() => new MultiTeacherDistillationLoss({ average: 'median' as never })).toThrow(
      /average must be 'probs' or 'logits'/,
    );
  });
});

describe('hard targets of the KD losses', () => {
  const s = tensor(
    [
      [1, 2, 0.5],
      [0, -1, 3],
    ],
    { dtype: 'float64' },
  );
  const t = tensor(
    [
      [2, 1, 0],
      [0.5, 0, 2],
    ],
    { dtype: 'float64' },
  );
  const losses = [
    [
      'DistillationLoss',
      (o = {}) => new DistillationLoss({ temperature: 2, ...o }).forward(s, t, labels!),
    ],
    [
      'AdaptiveDistillationLoss',
      (o = {}) => new AdaptiveDistillationLoss({ initialTemp: 2, ...o }).forward(s, t, labels!, 0),
    ],
    [
      'MultiTeacherDistillationLoss',
      (o = {}) =>
        new MultiTeacherDistillationLoss({ temperature: 2, ...o }).forward(s, [t, t], labels!),
    ],
    [
      'LogitStandardizedDistillationLoss',
      (o = {}) =>
        new LogitStandardizedDistillationLoss({ temperature: 2, ...o }).forward(s, t, labels!),
    ],
  ] as const;
  let labels: Tensor | null = null;

  it.each(losses)('%s: teacher logits passed as labels are an error, not a loss', (name, run) => {
    labels = t;
    expect(() => run()).toThrow(
      new RegExp(
        `${name}: labels of shape \\[2, 3\\] are not class indices \\[2\\]; to train on probability targets pass \\{ probabilityTargets: true \\}`,
      ),
    );
    labels = tensor([[1], [2]], { dtype: 'int32' });
    expect(() => run()).toThrow(
      new RegExp(
        `${name}: labels of shape \\[2, 1\\] are a column; class indices are 1-D: pass labels.squeeze\\(1\\)`,
      ),
    );
  });

  it.each(losses)(
    '%s: probability rows work when asked for, and must be probabilities',
    (name, run) => {
      labels = tensor(
        [
          [0, 1, 0],
          [0, 0, 1],
        ],
        { dtype: 'float64' },
      );
      const withProbs = run({ probabilityTargets: true }).item();
      labels = tensor([1, 2], { dtype: 'int32' });
      expect(withProbs).toBeCloseTo(run().item(), 12); // one-hot rows = the same indices
      labels = t;
      expect(() => run({ probabilityTargets: true })).toThrow(
        new RegExp(`${name}: probability target row 0 must be non-negative and sum to 1`),
      );
    },
  );
});

describe('the library validates what the command line validates', () => {
  const s = tensor([[2, 0.5, -1]]);
  const t = tensor([[1.5, 1, -0.5]]);
  it('temperatures outside the range of the logits dtype are refused, naming it', () => {
    expect(() => new DistillationLoss({ temperature: 1e5 }).forward(s, t, [0])).toThrow(
      /DistillationLoss: temperature must be in \[0\.05, 1000\] for float32 logits, got 100000/,
    );
    expect(() => new DistillationLoss({ temperature: 1e300 })).toThrow(
      /temperature must be in \[0\.0001, 100000000\] for float64/,
    );
    expect(() => new DistillationLoss({ temperature: 1e-300 })).toThrow(/temperature must be in/);
    // in float64 a high temperature stays meaningful
    const kl = new DistillationLoss({ temperature: 1e5, alpha: 1 })
      .parts(s.double(), t.double(), [0])
      .softLoss.item();
    expect(kl).toBeGreaterThan(0);
  });
  it('the adaptive schedule stays inside [0.05, 1000]', () => {
    expect(adaptiveTemperature(1000, 1000, 3)).toBe(1000);
    expect(adaptiveTemperature(1, 0.001, 5, 0)).toBe(0.05);
  });
  it('unknown option keys and a bad LSKD eps are refused with the valid names', () => {
    expect(() => new DistillationLoss({ T: 4 } as never)).toThrow(
      /DistillationLoss: unknown option 'T'; the options are temperature, alpha, teacherGrad, probabilityTargets/,
    );
    expect(() => new LogitStandardizedDistillationLoss({ eps: Number.NaN })).toThrow(
      /eps must be a finite number >= 0, got NaN/,
    );
    expect(() => new LogitStandardizedDistillationLoss({ eps: 'x' as never })).toThrow(
      /eps must be a finite number >= 0, got x/,
    );
    expect(() => new DecoupledDistillationLoss({ gamma: 1 } as never)).toThrow(
      /unknown option 'gamma'/,
    );
  });
});
