// The lab's CIFAR-10 bench: the committed VGG teacher and two twin MLP students (same initial
// weights, same batches), one trained on the labels alone and one distilled, on the first images
// of the CIFAR-10 subset. Runs the same in a Web Worker and in Node (the tests and the speed
// script).
import {
  DistillationLoss,
  F,
  Generator,
  mlpStudent,
  noGrad,
  optim,
  tensor,
  tidy,
  type ZooModel,
} from '../../../src/index.js';
import type { Tensor } from '../../../src/index.js';
import { channelStats, toImageTensor, type Normalization } from '../../../src/data/transforms.js';
import type { CifarSet } from '../../../src/data/cifar.js';

export interface CifarSettings {
  T: number;
  alpha: number;
  lr: number;
  batch: number;
  seed: number;
}

export const DEFAULTS_CIFAR: CifarSettings = { T: 4, alpha: 0.9, lr: 0.01, batch: 64, seed: 0 };

/** Training and test images the page fetches (the first ones of each split). */
export const CIFAR_TRAIN = 2000;
export const CIFAR_TEST = 500;

export interface CifarPoint {
  step: number;
  scratch: number;
  distilled: number;
}

export interface SoftTargetRow {
  image: number;
  label: number;
  /** Probabilities at the current T (teacher) and at T = 1 (students), all ten classes. */
  teacher: number[];
  scratch: number[];
  distilled: number[];
}

export class CifarBench {
  readonly norm: Normalization;
  readonly scratch: ZooModel;
  readonly distilled: ZooModel;
  private readonly teacherLogits: Float32Array;
  private readonly opt: { scratch: optim.SGD; distilled: optim.SGD };
  private order: Int32Array;
  private cursor = 0;
  private readonly g: Generator;
  step = 0;
  /** Seconds spent in training steps, and images seen by each student. */
  seconds = 0;
  images = 0;

  constructor(
    readonly train: CifarSet,
    readonly test: CifarSet,
    readonly teacher: ZooModel,
    readonly settings: CifarSettings = { ...DEFAULTS_CIFAR },
  ) {
    this.norm = channelStats(train);
    teacher.eval();
    // the teacher's logits once per training image (no augmentation here)
    this.teacherLogits = new Float32Array(train.count * 10);
    for (let start = 0; start < train.count; start += 100) {
      const ids = Int32Array.from(
        { length: Math.min(100, train.count - start) },
        (_, i) => start + i,
      );
      noGrad(() =>
        tidy(() => {
          const out = teacher.forward(toImageTensor(train, ids, this.norm));
          this.teacherLogits.set(out.toTypedArray(), start * 10);
        }),
      );
    }
    this.scratch = mlpStudent({ generator: new Generator(settings.seed) });
    this.distilled = mlpStudent({ generator: new Generator(settings.seed) });
    const sgd = (m: ZooModel) =>
      new optim.SGD(m.parameters(), { lr: settings.lr, momentum: 0.9, nesterov: true });
    this.opt = { scratch: sgd(this.scratch), distilled: sgd(this.distilled) };
    this.g = new Generator(settings.seed + 1);
    this.order = this.shuffled();
  }

  private shuffled(): Int32Array {
    const o = Int32Array.from({ length: this.train.count }, (_, i) => i);
    for (let i = o.length - 1; i > 0; i--) {
      const j = this.g.integer(0, i + 1);
      [o[i], o[j]] = [o[j]!, o[i]!];
    }
    return o;
  }

  setKnobs(k: Partial<Pick<CifarSettings, 'T' | 'alpha' | 'lr'>>): void {
    Object.assign(this.settings, k);
    for (const o of Object.values(this.opt))
      for (const group of o.paramGroups) group.options.lr = this.settings.lr;
  }

  /** The teacher accuracy on the test images. */
  teacherAccuracy(): number {
    return this.accuracy(this.teacher);
  }

  /** One step of both students on the same batch; returns their batch losses. */
  trainStep(): { scratch: number; distilled: number } {
    const B = this.settings.batch;
    if (this.cursor + B > this.order.length) {
      this.order = this.shuffled();
      this.cursor = 0;
    }
    const idx = this.order.subarray(this.cursor, this.cursor + B);
    this.cursor += B;
    const y = Int32Array.from(idx, (i) => this.train.labels[i]!);
    const t0 = performance.now();
    const losses = tidy(() => {
      const x = toImageTensor(this.train, idx, this.norm);
      this.opt.scratch.zeroGrad();
      const ce = F.crossEntropy(this.scratch.forward(x), y);
      ce.backward();
      this.opt.scratch.step();
      const rows = new Float32Array(B * 10);
      idx.forEach((i, r) => rows.set(this.teacherLogits.subarray(i * 10, i * 10 + 10), r * 10));
      const { T, alpha } = this.settings;
      const kd = new DistillationLoss({ temperature: T, alpha });
      this.opt.distilled.zeroGrad();
      const teacher = tensor(rows, { shape: [B, 10] });
      const loss = kd.forward(this.distilled.forward(x), teacher, y);
      loss.backward();
      this.opt.distilled.step();
      return { scratch: ce.item(), distilled: loss.item() };
    });
    this.seconds += (performance.now() - t0) / 1000;
    this.images += B;
    this.step++;
    return losses;
  }

  /** Training images per second per student (both students train on each batch). */
  imagesPerSecond(): number {
    return this.seconds > 0 ? (2 * this.images) / this.seconds : 0;
  }

  private accuracy(model: ZooModel): number {
    let ok = 0;
    for (let start = 0; start < this.test.count; start += 250) {
      const ids = Int32Array.from(
        { length: Math.min(250, this.test.count - start) },
        (_, i) => start + i,
      );
      ok += noGrad(() =>
        tidy(() => {
          const pred = model
            .forward(toImageTensor(this.test, ids, this.norm))
            .argmax(1)
            .toTypedArray();
          let n = 0;
          ids.forEach((id, r) => (n += pred[r] === this.test.labels[id] ? 1 : 0));
          return n;
        }),
      );
    }
    return ok / this.test.count;
  }

  evaluate(): CifarPoint {
    return {
      step: this.step,
      scratch: this.accuracy(this.scratch),
      distilled: this.accuracy(this.distilled),
    };
  }

  /** The first `k` test images: the teacher's soft targets at the current T, each student's. */
  softTargets(k = 4): SoftTargetRow[] {
    const ids = Int32Array.from({ length: Math.min(k, this.test.count) }, (_, i) => i);
    return noGrad(() =>
      tidy(() => {
        const x = toImageTensor(this.test, ids, this.norm);
        const probs = (logits: Tensor, T: number) => {
          const p = F.softmax(logits.div(T), 1).toTypedArray();
          return Array.from(ids, (_, r) => Array.from(p.subarray(r * 10, r * 10 + 10)));
        };
        const t = probs(this.teacher.forward(x), this.settings.T);
        const s = probs(this.scratch.forward(x), 1);
        const d = probs(this.distilled.forward(x), 1);
        return Array.from(ids, (id, r) => ({
          image: id,
          label: this.test.labels[id]!,
          teacher: t[r]!,
          scratch: s[r]!,
          distilled: d[r]!,
        }));
      }),
    );
  }
}
