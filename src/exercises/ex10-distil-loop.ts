// 10. A distillation loop on a small problem: a student with ten labelled points and the teacher's
// logits on many unlabelled ones must beat the same student trained on the labels alone.
import type { Tensor } from '../autograd/tensor.js';
import type { Module } from '../nn/module.js';
import { call, fn } from './props.js';
import { PropertyFailure, type Exercise, type K } from './types.js';

/** Two interleaved moons with noise, as float64 points and 0/1 labels. */
export function moons(k: K, n: number, seed: number): { x: Tensor; y: number[] } {
  const g = new k.Generator(seed);
  const pts: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const a = Math.PI * g.random();
    const [px, py] = c === 0 ? [Math.cos(a), Math.sin(a)] : [1 - Math.cos(a), 0.5 - Math.sin(a)];
    pts.push([px + 0.1 * g.normal(), py + 0.1 * g.normal()]);
    y.push(c);
  }
  return { x: k.tensor(pts, { dtype: 'float64' }), y };
}

type Net = Module & { forward(x: Tensor): Tensor };

export function mlp(k: K, hidden: number, seed: number): Net {
  const generator = new k.Generator(seed);
  const o = { generator, dtype: 'float64' as const };
  return new k.nn.Sequential(
    new k.nn.Linear(2, hidden, o),
    new k.nn.ReLU(),
    new k.nn.Linear(hidden, hidden, o),
    new k.nn.ReLU(),
    new k.nn.Linear(hidden, 2, o),
  );
}

/** Full-batch Adam on cross-entropy: the teacher (many labels) and the from-scratch student. */
export function trainOnLabels(k: K, net: Net, x: Tensor, y: number[], steps: number, lr: number) {
  const opt = new k.optim.Adam(net.parameters(), { lr });
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    k.F.crossEntropy(net.forward(x), y).backward();
    opt.step();
  }
}

export const accuracy = (k: K, net: Net, x: Tensor, y: number[]): number => {
  const pred = k
    .noGrad(() => net.forward(x))
    .argmax(1)
    .toArray<number[]>();
  return pred.filter((p, i) => p === y[i]).length / y.length;
};

/** The teacher: an MLP trained on 1,000 labelled points (once per process). */
const teachers = new WeakMap<K, Net>();
function trainedTeacher(k: K): Net {
  let t = teachers.get(k);
  if (!t) {
    const big = moons(k, 1000, 7);
    t = mlp(k, 32, 100);
    trainOnLabels(k, t, big.x, big.y, 400, 0.01);
    teachers.set(k, t);
  }
  return t;
}

/** The setting the check uses: its numbers are in docs/exercises.md. */
export const LOOP = {
  labelled: 10,
  transfer: 300,
  test: 1000,
  steps: 300,
  lr: 0.01,
  T: 2,
  alpha: 0.5,
  seeds: [0, 1, 2],
  margin: 0.05,
};

export const exercise: Exercise = {
  n: 10,
  file: '10-distil-loop.ts',
  title: 'a distillation loop that beats training from labels alone',
  teaches:
    'with few labels, the teacher’s soft targets on unlabelled points carry what the labels cannot',
  derivation: 'derivations.md#5-why-t-the-soft-gradient-shrinks-like-1t--at-high-t-only',
  exports: ['distil'],
  properties: [
    {
      name: `over 3 seeds the distilled student beats the label-only one by ≥ ${100 * LOOP.margin} points`,
      run: (k, m) => {
        const f = fn<(o: unknown) => unknown>(m, 'distil');
        const test = moons(k, LOOP.test, 999);
        const teacher = trainedTeacher(k);
        const rows: { scratch: number; distilled: number }[] = [];
        for (const seed of LOOP.seeds) {
          const pts = moons(k, LOOP.labelled + LOOP.transfer, 10 + seed);
          const x = pts.x;
          const labels = pts.y.slice(0, LOOP.labelled);
          const labelled = x.narrow(0, 0, LOOP.labelled);
          const teacherLogits = k.noGrad(() => teacher.forward(x));
          const student = mlp(k, 16, seed);
          const { T, alpha, steps, lr } = LOOP;
          call('distil', () => f({ student, x, labels, teacherLogits, T, alpha, steps, lr }));
          const scratch = mlp(k, 16, seed);
          trainOnLabels(k, scratch, labelled, labels, LOOP.steps, LOOP.lr);
          rows.push({
            scratch: accuracy(k, scratch, test.x, test.y),
            distilled: accuracy(k, student, test.x, test.y),
          });
        }
        const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
        const [s, d] = [mean(rows.map((r) => r.scratch)), mean(rows.map((r) => r.distilled))];
        if (d - s >= LOOP.margin) return;
        const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
        throw new PropertyFailure(
          'the distilled student beats the label-only student',
          `two moons, ${LOOP.labelled} labelled + ${LOOP.transfer} unlabelled points, seeds ${LOOP.seeds.join(', ')}`,
          `test accuracy ≥ ${pct(s + LOOP.margin)} (label-only: ${pct(s)})`,
          `${pct(d)} (per seed: ${rows.map((r) => pct(r.distilled)).join(', ')})`,
          d <= 0.55
            ? 'the student hardly learned: call zeroGrad, backward and step on an optimizer over student.parameters() every step'
            : 'the soft term must cover every point (α·T²·KL over all of x, the teacher detached) and the hard term only the labelled ones',
        );
      },
    },
  ],
};
