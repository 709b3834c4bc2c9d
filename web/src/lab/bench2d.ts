// The lab's 2-D bench: a teacher MLP trained on plenty of points, and two twin students (same
// size, same initial weights) trained side by side on few labelled points: one on the labels
// alone, one distilled (soft targets on the labelled and the unlabelled transfer points, the
// labels on the labelled ones). Runs the same in a Web Worker and in Node (the tests).
import {
  F,
  Generator,
  autograd,
  distillationParts,
  nn,
  noGrad,
  optim,
  tensor,
  tidy,
} from '../../../src/index.js';
import type { Tensor } from '../../../src/index.js';

export const DATASETS = ['moons', 'spirals', 'checkerboard'] as const;
export type Dataset = (typeof DATASETS)[number];

export interface Settings2D {
  dataset: Dataset;
  /** Temperature and the soft term's weight (the hard one is 1 − alpha). */
  T: number;
  alpha: number;
  lr: number;
  /** Hidden units per layer of each student (two hidden layers). */
  width: number;
  /** Labelled training points, and unlabelled transfer points only the teacher labels. */
  labelled: number;
  transfer: number;
  seed: number;
}

export const DEFAULTS_2D: Settings2D = {
  dataset: 'spirals',
  T: 4,
  alpha: 0.9,
  lr: 0.01,
  width: 16,
  labelled: 30,
  transfer: 300,
  seed: 0,
};

/** The knobs that take effect on the next step; the others start the bench again. */
export const LIVE_KNOBS = ['T', 'alpha', 'lr'] as const;

export const CLASSES_2D: Record<Dataset, number> = { moons: 2, spirals: 3, checkerboard: 2 };

/** Points of a data set in [-1, 1]² with their labels, drawn from `g`. */
export function makePoints(
  dataset: Dataset,
  n: number,
  g: Generator,
): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let px: number, py: number, c: number;
    if (dataset === 'moons') {
      c = g.integer(0, 2);
      const a = Math.PI * g.random();
      [px, py] = c === 0 ? [Math.cos(a), Math.sin(a)] : [1 - Math.cos(a), 0.5 - Math.sin(a)];
      [px, py] = [(px - 0.5) / 1.6 + g.normal() * 0.06, (py - 0.25) / 1.6 + g.normal() * 0.06];
    } else if (dataset === 'spirals') {
      c = g.integer(0, 3);
      const r = g.random();
      const t = c * ((2 * Math.PI) / 3) + 4 * r + g.normal() * 0.12;
      [px, py] = [r * Math.sin(t), r * Math.cos(t)];
    } else {
      [px, py] = [g.random() * 2 - 1, g.random() * 2 - 1];
      c = (Math.floor((px + 1) * 2) + Math.floor((py + 1) * 2)) % 2;
    }
    x[2 * i] = px;
    x[2 * i + 1] = py;
    y[i] = c;
  }
  return { x, y };
}

const student = (s: Settings2D, g: Generator) =>
  new nn.MLP([2, s.width, s.width, CLASSES_2D[s.dataset]], { generator: g });

export interface Curve {
  step: number;
  /** On the labelled points. */
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

export interface Metrics2D {
  step: number;
  scratch: Curve;
  distilled: Curve;
  /** Share of the distilled student's gradient norm that comes from the soft term. */
  softShare: number;
}

/** Grid side for the decision regions. */
export const GRID = 40;

export class Bench2D {
  readonly teacher: nn.MLP;
  readonly scratch: nn.MLP;
  readonly distilled: nn.MLP;
  readonly test: { x: Tensor; y: Int32Array };
  readonly labelledX: Tensor;
  readonly labelledY: Int32Array;
  /** Labelled and transfer points together, and the teacher's logits on them. */
  readonly softX: Tensor;
  readonly teacherLogits: Tensor;
  readonly teacherAccuracy: number;
  readonly points: { labelled: Float32Array; labels: Int32Array; transfer: Float32Array };
  private readonly opt: { scratch: optim.Adam; distilled: optim.Adam };
  step = 0;

  constructor(
    readonly settings: Settings2D,
    opts: { teacherSteps?: number } = {},
  ) {
    const s = settings;
    const g = new Generator(1000 + s.seed);
    const C = CLASSES_2D[s.dataset];
    // the teacher knows the task: many points, a wider network, trained to convergence
    const all = makePoints(s.dataset, 1000, g);
    this.teacher = new nn.MLP([2, 64, 64, C], { generator: g });
    const tOpt = new optim.Adam(this.teacher.parameters(), { lr: 0.01 });
    const tx = tensor(all.x, { shape: [1000, 2] });
    for (let i = 0; i < (opts.teacherSteps ?? 400); i++) {
      tidy(() => {
        tOpt.zeroGrad();
        F.crossEntropy(this.teacher.forward(tx), all.y).backward();
        tOpt.step();
      });
    }
    const test = makePoints(s.dataset, 500, g);
    this.test = { x: tensor(test.x, { shape: [500, 2] }), y: test.y };
    const lab = makePoints(s.dataset, s.labelled, g);
    const tr = makePoints(s.dataset, s.transfer, g);
    this.points = { labelled: lab.x, labels: lab.y, transfer: tr.x };
    this.labelledX = tensor(lab.x, { shape: [s.labelled, 2] });
    this.labelledY = lab.y;
    const soft = new Float32Array((s.labelled + s.transfer) * 2);
    soft.set(lab.x);
    soft.set(tr.x, lab.x.length);
    this.softX = tensor(soft, { shape: [s.labelled + s.transfer, 2] });
    this.teacherLogits = noGrad(() => this.teacher.forward(this.softX));
    this.teacherAccuracy = noGrad(() => accuracy(this.teacher.forward(this.test.x), test.y));
    // twins: the same initial weights
    this.scratch = student(s, new Generator(s.seed));
    this.distilled = student(s, new Generator(s.seed));
    this.opt = {
      scratch: new optim.Adam(this.scratch.parameters(), { lr: s.lr }),
      distilled: new optim.Adam(this.distilled.parameters(), { lr: s.lr }),
    };
  }

  /** T, α and the learning rate, taking effect on the next step. */
  setKnobs(k: Partial<Pick<Settings2D, 'T' | 'alpha' | 'lr'>>): void {
    Object.assign(this.settings, k);
    for (const o of Object.values(this.opt))
      for (const group of o.paramGroups) group.options.lr = this.settings.lr;
  }

  /** The distilled loss: α·T²·KL on labelled + transfer points, (1 − α)·CE on the labelled. */
  private distilledParts(): { soft: Tensor; hard: Tensor } {
    const { T, alpha } = this.settings;
    const n = this.settings.labelled;
    const logits = this.distilled.forward(this.softX);
    const soft = distillationParts(logits, this.teacherLogits, new Int32Array(logits.shape[0]!), {
      temperature: T,
      alpha: 1,
    }).softLoss.mul(alpha);
    const hard = F.crossEntropy(logits.narrow(0, 0, n), this.labelledY).mul(1 - alpha);
    return { soft, hard };
  }

  /** `n` full-batch Adam steps of both students. */
  train(n = 1): void {
    for (let i = 0; i < n; i++) {
      tidy(() => {
        this.opt.scratch.zeroGrad();
        F.crossEntropy(this.scratch.forward(this.labelledX), this.labelledY).backward();
        this.opt.scratch.step();
        this.opt.distilled.zeroGrad();
        const { soft, hard } = this.distilledParts();
        soft.add(hard).backward();
        this.opt.distilled.step();
      });
      this.step++;
    }
  }

  private curve(model: nn.MLP): Curve {
    return noGrad(() =>
      tidy(() => {
        const test = model.forward(this.test.x);
        const train = model.forward(this.labelledX);
        return {
          step: this.step,
          trainLoss: F.crossEntropy(train, this.labelledY).item(),
          trainAccuracy: accuracy(train, this.labelledY),
          testLoss: F.crossEntropy(test, this.test.y).item(),
          testAccuracy: accuracy(test, this.test.y),
        };
      }),
    );
  }

  /** Losses and accuracies of both students now, and the soft share of the distilled gradient. */
  metrics(): Metrics2D {
    const params = this.distilled.parameters();
    const share = tidy(() => {
      const { soft, hard } = this.distilledParts();
      const [s, h] = [gradNorm(soft, params), gradNorm(hard, params)];
      return s + h > 0 ? s / (s + h) : 0;
    });
    return {
      step: this.step,
      scratch: this.curve(this.scratch),
      distilled: this.curve(this.distilled),
      softShare: share,
    };
  }

  /** Predicted class and confidence over a GRID × GRID lattice of [-1, 1]² (rows top down). */
  regions(which: 'teacher' | 'scratch' | 'distilled'): { cls: Uint8Array; conf: Float32Array } {
    const model = this[which];
    const pts = new Float32Array(GRID * GRID * 2);
    for (let r = 0; r < GRID; r++)
      for (let c = 0; c < GRID; c++) {
        const k = r * GRID + c;
        pts[2 * k] = -1 + (2 * (c + 0.5)) / GRID;
        pts[2 * k + 1] = 1 - (2 * (r + 0.5)) / GRID;
      }
    return noGrad(() =>
      tidy(() => {
        const p = F.softmax(model.forward(tensor(pts, { shape: [GRID * GRID, 2] })), 1);
        const v = p.toTypedArray();
        const C = p.shape[1]!;
        const cls = new Uint8Array(GRID * GRID);
        const conf = new Float32Array(GRID * GRID);
        for (let k = 0; k < GRID * GRID; k++) {
          let best = 0;
          for (let j = 1; j < C; j++) if (v[k * C + j]! > v[k * C + best]!) best = j;
          cls[k] = best;
          conf[k] = v[k * C + best]!;
        }
        return { cls, conf };
      }),
    );
  }
}

function accuracy(logits: Tensor, y: Int32Array): number {
  const pred = logits.argmax(1).toTypedArray();
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return ok / y.length;
}

/** ‖∂t/∂params‖ over all parameters (a parameter not reached counts 0). */
function gradNorm(t: Tensor, params: Tensor[]): number {
  let sq = 0;
  for (const g of autograd.grad(t, params, { retainGraph: true, allowUnused: true }))
    if (g) for (const v of g.toTypedArray()) sq += v * v;
  return Math.sqrt(sq);
}

export interface SeedOutcome {
  seed: number;
  scratch: number;
  distilled: number;
}

export interface SeedsReading {
  seeds: SeedOutcome[];
  /** Mean and standard deviation of distilled − scratch test accuracy, over the seeds. */
  mean: number;
  std: number;
  verdict: 'ahead' | 'behind' | 'inconclusive';
  text: string;
}

/** Trains the bench for `steps` on each seed and reads the distilled − scratch differences. */
export function compareSeeds(
  settings: Settings2D,
  seeds: readonly number[],
  steps: number,
  opts: { teacherSteps?: number } = {},
): SeedsReading {
  const outcomes = seeds.map((seed) => {
    const b = new Bench2D({ ...settings, seed }, opts);
    b.train(steps);
    const m = b.metrics();
    return { seed, scratch: m.scratch.testAccuracy, distilled: m.distilled.testAccuracy };
  });
  return readSeeds(outcomes, steps);
}

/**
 * The reading of per-seed differences: ahead or behind when the mean difference is at least
 * two standard errors from 0 (and nonzero), inconclusive otherwise.
 */
export function readSeeds(seeds: SeedOutcome[], steps: number): SeedsReading {
  const d = seeds.map((s) => s.distilled - s.scratch);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std =
    d.length > 1 ? Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1)) : 0;
  const se = std / Math.sqrt(d.length);
  const pts = (v: number) => (100 * Math.abs(v)).toFixed(1);
  const clear = d.length > 1 && mean !== 0 && Math.abs(mean) >= 2 * se;
  const verdict = !clear ? 'inconclusive' : mean > 0 ? 'ahead' : 'behind';
  const list = seeds.map((s) => s.seed).join(', ');
  const over = `over ${d.length} seed${d.length > 1 ? 's' : ''} (${list})`;
  const lead = `After ${steps} steps the distilled student is`;
  const spread = `${over}: ± ${pts(std)} across seeds.`;
  const why =
    d.length > 1
      ? `within two standard errors (± ${pts(se)}) of no difference`
      : 'and one seed shows no spread';
  const text =
    verdict === 'ahead'
      ? `${lead} ahead by ${pts(mean)} points on the test points, ${spread}`
      : verdict === 'behind'
        ? `${lead} behind by ${pts(mean)} points on the test points, ${spread}`
        : `${lead} not clearly ahead: ${mean >= 0 ? '+' : '−'}${pts(mean)} points on average ` +
          `${over}, ${why}.`;
  return { seeds, mean, std, verdict, text };
}
