// Hinton et al. (2015), §3: distil a student on a transfer set from which every image of one
// class was removed. Labels alone teach it nothing about that class; the teacher's soft targets on
// the other images (a truck looks a little like an automobile) do. The paper then raises the
// omitted class's output bias, because a student that never saw the class under-predicts it.
import { TEMPERATURE_RANGE } from '../distill/temperature.js';
import { checkFields, ConfigError, field, type Fields } from '../train/fields.js';
import { lesson, named, pct as percent, type LessonContext } from './lesson.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../autograd/tidy.js';
import type { Tensor } from '../autograd/tensor.js';
import { IMAGE_BYTES, type CifarSet } from '../data/cifar.js';
import { toImageTensor, type Normalization } from '../data/transforms.js';
import { buildModel, type ZooModel } from '../models/zoo.js';
import type { Module } from '../nn/module.js';
import { Generator } from '../tensor/random.js';
import { DEFAULT_KD, TEACHER_RECIPE, type TrainConfig } from '../train/config.js';
import { meanStd } from '../train/sweep.js';
import { Trainer } from '../train/trainer.js';

type Forward = Module & { forward(x: Tensor): Tensor };

/** The set without any image of class `c` (a copy). */
export function withoutClass(set: CifarSet, c: number): CifarSet {
  const keep: number[] = [];
  for (let i = 0; i < set.count; i++) if (set.labels[i] !== c) keep.push(i);
  const images = new Uint8Array(keep.length * IMAGE_BYTES);
  keep.forEach((i, r) =>
    images.set(set.images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), r * IMAGE_BYTES),
  );
  return { images, labels: Uint8Array.from(keep, (i) => set.labels[i]!), count: keep.length };
}

/** The model's logits on every image of the set, in eval mode, as rows of `classes` numbers. */
export function logitsOf(
  model: Forward,
  set: CifarSet,
  norm: Normalization,
  classes = 10,
): Float32Array {
  const out = new Float32Array(set.count * classes);
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      for (let start = 0; start < set.count; start += 200) {
        tidy(() => {
          const idx = Int32Array.from(
            { length: Math.min(200, set.count - start) },
            (_, i) => start + i,
          );
          out.set(model.forward(toImageTensor(set, idx, norm)).toTypedArray(), start * classes);
        });
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return out;
}

/**
 * The bias shift δ for class c that makes the shifted logits (z_c + δ) predict c on a fraction
 * `share` of the rows: image i is predicted c iff δ > max_{k≠c} z_k − z_c, so δ sits between the
 * sorted margins at that rank. Uses no labels.
 */
export function biasShiftForShare(
  logits: ArrayLike<number>,
  classes: number,
  c: number,
  share: number,
): number {
  const n = logits.length / classes;
  const margins = Float64Array.from({ length: n }, (_, i) => {
    let best = -Infinity;
    for (let k = 0; k < classes; k++) if (k !== c) best = Math.max(best, logits[i * classes + k]!);
    return best - logits[i * classes + c]!;
  }).sort();
  const k = Math.round(share * n);
  if (k <= 0) return margins[0]! - 1;
  if (k >= n) return margins[n - 1]! + 1;
  return (margins[k - 1]! + margins[k]!) / 2;
}

/** Accuracy overall and on class c of logits (with δ added to class c's logit). */
export function accuracies(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number,
  c: number,
  delta = 0,
) {
  let correct = 0;
  let inClass = 0;
  let inClassCorrect = 0;
  let predictedC = 0;
  for (let i = 0; i < labels.length; i++) {
    let arg = 0;
    let best = -Infinity;
    for (let k = 0; k < classes; k++) {
      const v = logits[i * classes + k]! + (k === c ? delta : 0);
      if (v > best) {
        best = v;
        arg = k;
      }
    }
    if (arg === labels[i]) correct++;
    if (arg === c) predictedC++;
    if (labels[i] === c) {
      inClass++;
      if (arg === c) inClassCorrect++;
    }
  }
  const n = labels.length;
  const omittedAccuracy = inClass ? inClassCorrect / inClass : NaN;
  return { accuracy: correct / n, omittedAccuracy, predictedShare: predictedC / n };
}

export const OMITTED_METHODS = [
  'scratch',
  'scratch + bias',
  'distilled',
  'distilled + bias',
  'all labels',
] as const;
export type OmittedMethod = (typeof OMITTED_METHODS)[number];

export const OMITTED_DESCRIPTIONS: Record<OmittedMethod, string> = {
  scratch: 'labels only, transfer set without the class',
  'scratch + bias': 'the same student, its bias for the class raised by δ',
  distilled: "teacher's soft targets + labels, the same transfer set",
  'distilled + bias': 'the distilled student, its bias for the class raised by δ',
  'all labels': 'labels only, every training image (reference: it saw the class)',
};

export interface OmittedClassOptions {
  train: CifarSet;
  test: CifarSet;
  norm: Normalization;
  teacher: Forward;
  /** The omitted class's index. */
  omit: number;
  names: readonly string[];
  student?: string;
  seeds?: number[];
  epochs?: number;
  temperature?: number;
  alpha?: number;
  /** peak learning rate of the one-cycle schedule (0.02: at 0.05 the MLP's KD runs can diverge) */
  lr?: number;
  onRun?(method: string, seed: number, done: number, total: number): void;
}

export interface OmittedClassRun {
  seed: number;
  method: OmittedMethod;
  accuracy: number;
  omittedAccuracy: number;
  /** the bias shift added to the omitted class's logit (0 without adjustment) */
  delta: number;
  /** the fraction of test images predicted as the omitted class */
  predictedShare: number;
}

export interface OmittedClassRow {
  method: OmittedMethod;
  description: string;
  omittedMean: number;
  omittedStd: number;
  accuracyMean: number;
  accuracyStd: number;
  deltaMean: number;
}

export interface OmittedClassLesson {
  omitted: string;
  transferImages: number;
  /** the omitted class's share of the training split: the rate δ is chosen to predict it at */
  share: number;
  teacherOmittedAccuracy: number;
  config: TrainConfig;
  temperature: number;
  alpha: number;
  runs: OmittedClassRun[];
  rows: OmittedClassRow[];
  conclusion: string;
}

/** The lesson's knobs (flags of `kdgrad learn omitted-class`). */
export const OMITTED_CLASS_FIELDS = {
  omit: field.string(
    'omitted-class: the class left out of the transfer set (name or 0-9)',
    '<class>',
  ),
  seeds: field.positiveInt('omitted-class: seeds (students per method)'),
  epochs: field.positiveInt('omitted-class: epochs per student'),
  temperature: field.between(
    'omitted-class: distillation temperature',
    ...TEMPERATURE_RANGE.float32,
    '<T>',
  ),
  alpha: field.between('omitted-class: weight of the soft term', 0, 1, '<a>'),
  lr: field.positive('omitted-class: peak learning rate (one-cycle)'),
} satisfies Fields;

export const OMITTED_CLASS_DEFAULTS = {
  omit: 'automobile',
  seeds: 3,
  epochs: 10,
  temperature: 4,
  alpha: 0.9,
  lr: 0.02,
};

/** The lesson's knobs checked: T within the float32 range, α in [0, 1], a learning rate > 0. */
export function checkOmittedClassOptions(o: {
  temperature: number;
  alpha: number;
  lr: number;
}): void {
  const { temperature, alpha, lr } = OMITTED_CLASS_FIELDS;
  checkFields({ temperature, alpha, lr }, o);
}

/** Mean and standard deviation over seeds of each method's runs. */
function summarize(runs: readonly OmittedClassRun[]): OmittedClassRow[] {
  return OMITTED_METHODS.map((method): OmittedClassRow => {
    const rs = runs.filter((r) => r.method === method);
    const om = meanStd(rs.map((r) => r.omittedAccuracy));
    const acc = meanStd(rs.map((r) => r.accuracy));
    return {
      method,
      description: OMITTED_DESCRIPTIONS[method],
      omittedMean: om.mean!,
      omittedStd: om.std!,
      accuracyMean: acc.mean!,
      accuracyStd: acc.std!,
      deltaMean: meanStd(rs.map((r) => r.delta)).mean!,
    };
  });
}

/** The reading: does the bias-adjusted distilled student beat the adjusted label-only one by > 2σ? */
function omittedConclusion(
  rows: readonly OmittedClassRow[],
  cls: string,
  share: number,
  teacherOmittedAccuracy: number,
): string {
  const by = (m: OmittedMethod) => rows.find((r) => r.method === m)!;
  const pct = (v: number) => (100 * v).toFixed(1);
  const pm = (r: OmittedClassRow) => `${pct(r.omittedMean)} ± ${pct(r.omittedStd)}%`;
  type Five = [OmittedClassRow, OmittedClassRow, OmittedClassRow, OmittedClassRow, OmittedClassRow];
  const [s, sb, d, db, all] = OMITTED_METHODS.map(by) as Five;
  const gain = (a: OmittedClassRow, b: OmittedClassRow) => {
    const sd = Math.hypot(a.omittedStd, b.omittedStd);
    return sd > 0 ? ` (${((a.omittedMean - b.omittedMean) / sd).toFixed(1)}σ)` : '';
  };
  const an = /^[aeiou]/i.test(cls) ? 'an' : 'a';
  // learned: the bias-adjusted distilled student beats the bias-adjusted label-only one by > 2σ
  const sdAdj = Math.hypot(db.omittedStd, sb.omittedStd);
  const learned = db.omittedMean - sb.omittedMean > 2 * sdAdj && db.omittedMean > sb.omittedMean;
  return (
    `Without a single ${cls} image in its transfer set, the distilled student classifies ${pm(d)} of` +
    ` the test ${cls} images correctly, against ${pm(s)} from labels alone${gain(d, s)}.` +
    ` Raising the ${cls} bias by δ ≈ ${db.deltaMean.toFixed(2)} (chosen so ${pct(share)}% of test images` +
    ` are called ${cls}, no labels used) gives ${pm(db)}, while the same adjustment of the label-only student` +
    ` gives ${pm(sb)}${gain(db, sb)}: ${
      learned
        ? `the distilled student learned what ${an} ${cls} looks like from the teacher's soft targets on other classes`
        : 'the soft targets did not teach this student the class beyond seed noise'
    }` +
    ` (a student that saw ${cls} labels: ${pm(all)}; the teacher: ${pct(teacherOmittedAccuracy)}%).`
  );
}

/**
 * Hinton et al.'s omitted-class experiment at small scale. Per seed: a student trained from
 * labels on the transfer set (every image of class `omit` removed), the same student distilled
 * from the teacher on that transfer set, and a reference trained on every image. The bias
 * adjustment raises the class's logit by δ chosen so the student predicts the class on as many
 * test images as its share of the training split — no test label is used.
 */
export async function omittedClassLesson(o: OmittedClassOptions): Promise<OmittedClassLesson> {
  const C = o.names.length;
  if (!Number.isInteger(o.omit) || o.omit < 0 || o.omit >= C) {
    throw new RangeError(`omitted class must be 0-${C - 1} or a class name, got ${o.omit}`);
  }
  const seeds = o.seeds ?? [0, 1, 2];
  const temperature = o.temperature ?? 4;
  const alpha = o.alpha ?? 0.9;
  // checked before the first student trains (the CLI says the same with its flag names)
  checkOmittedClassOptions({ temperature, alpha, lr: o.lr ?? 0.02 });
  const studentName = o.student ?? 'mlp-student';
  const transfer = withoutClass(o.train, o.omit);
  const name = o.names[o.omit];
  if (transfer.count === 0) {
    throw new RangeError(
      `the training split holds only class ${name}: nothing is left to transfer`,
    );
  }
  if (transfer.count === o.train.count) {
    throw new RangeError(`the training split holds no image of class ${name}: nothing to omit`);
  }
  const share = (o.train.count - transfer.count) / o.train.count;
  const config: TrainConfig = {
    ...TEACHER_RECIPE,
    model: studentName,
    epochs: o.epochs ?? 10,
    lr: o.lr ?? 0.02,
    augment: false,
  };
  const teacherLogits = logitsOf(o.teacher, o.test, o.norm, C);
  const teacherOmittedAccuracy = accuracies(
    teacherLogits,
    o.test.labels,
    C,
    o.omit,
  ).omittedAccuracy;
  let cache: Float32Array[] | undefined;
  const runs: OmittedClassRun[] = [];
  const total = seeds.length * 3;
  let done = 0;
  const train = async (seed: number, set: CifarSet, distil: boolean): Promise<ZooModel> => {
    const model = buildModel(studentName, { generator: new Generator(seed) });
    const trainer = new Trainer(
      model,
      set,
      o.test,
      o.norm,
      { ...config, seed },
      distil ? { ...DEFAULT_KD, temperature, alpha } : null,
      distil ? [o.teacher] : [],
      distil && cache ? { teacherCache: cache } : {},
    );
    if (distil) cache ??= trainer.getTeacherCache() ?? undefined;
    const r = await trainer.run();
    if (r.status === 'diverged') {
      const which = distil ? 'distilled' : 'scratch';
      throw new Error(`omitted-class: the ${which} run of seed ${seed} diverged: ${r.message}`);
    }
    return model;
  };
  for (const seed of seeds) {
    const record = (method: OmittedMethod, logits: Float32Array, delta: number) => {
      runs.push({ seed, method, delta, ...accuracies(logits, o.test.labels, C, o.omit, delta) });
    };
    for (const [name, set, distil] of [
      ['scratch', transfer, false],
      ['distilled', transfer, true],
    ] as const) {
      const z = logitsOf(await train(seed, set, distil), o.test, o.norm, C);
      record(name, z, 0);
      record(`${name} + bias`, z, biasShiftForShare(z, C, o.omit, share));
      o.onRun?.(name, seed, ++done, total);
    }
    record('all labels', logitsOf(await train(seed, o.train, false), o.test, o.norm, C), 0);
    o.onRun?.('all labels', seed, ++done, total);
  }
  const rows = summarize(runs);
  const cls = o.names[o.omit]!;
  const conclusion = omittedConclusion(rows, cls, share, teacherOmittedAccuracy);
  return {
    omitted: cls,
    transferImages: transfer.count,
    share,
    teacherOmittedAccuracy,
    config,
    temperature,
    alpha,
    runs,
    rows,
    conclusion,
  };
}

/** The omitted class as an index: a class name or its number. */
function omittedIndex(omit: string, names: readonly string[]): number {
  const c = /^\d+$/.test(omit) ? Number(omit) : names.indexOf(omit);
  if (c >= 0 && c < names.length) return c;
  throw new ConfigError(
    'omit',
    `must be a class name (${names.join(', ')}) or 0-${names.length - 1}, got ${omit}`,
    undefined,
    OMITTED_CLASS_FIELDS,
  );
}

type OmittedCli = typeof OMITTED_CLASS_DEFAULTS;

export const omittedClass = lesson<OmittedClassLesson>({
  summary:
    'omitted-class (Hinton et al. §3: distil without one class; trains 3 × seeds MLPs, about 2 minutes per seed)',
  images: 'sample',
  options: { fields: OMITTED_CLASS_FIELDS, defaults: OMITTED_CLASS_DEFAULTS },
  check: (o) => checkFields(OMITTED_CLASS_FIELDS, o),
  async run(ctx: LessonContext) {
    const o = ctx.options as OmittedCli;
    const names = await ctx.classNames();
    const omit = omittedIndex(o.omit, names);
    const teacher = await ctx.teacher();
    const seeds = Array.from({ length: o.seeds }, (_, i) => i);
    ctx.progress(
      `omitted-class: ${names[omit]} left out; ${seeds.length} seeds × 3 mlp-students,` +
        ` ${o.epochs} epochs each`,
    );
    const t0 = performance.now();
    return omittedClassLesson({
      ...ctx.data,
      teacher: teacher.model,
      omit,
      names,
      seeds,
      epochs: o.epochs,
      temperature: o.temperature,
      alpha: o.alpha,
      lr: o.lr,
      onRun: (method, seed, done, total) => {
        const seconds = ((performance.now() - t0) / 1000).toFixed(0);
        ctx.progress(`  ${done}/${total} ${method}, seed ${seed} (${seconds} s)`);
      },
    });
  },
  async report(r, ctx) {
    const teacher = await ctx.teacher();
    const seeds = (ctx.options as OmittedCli).seeds;
    const title =
      `Hinton et al.'s omitted-class experiment: no ${r.omitted} image in the transfer set ` +
      `(${r.transferImages} of ${ctx.data.train.count} training images). Teacher ${named(teacher)}, ` +
      `${r.omitted} test accuracy ${percent(r.teacherOmittedAccuracy)}%. Students: mlp-student, ${r.config.epochs} epochs, ` +
      `SGD one-cycle peak lr ${r.config.lr}, no augmentation; distilled with T = ${r.temperature}, α = ${r.alpha}; ` +
      `${seeds} seeds. δ: the ${r.omitted} bias shift that makes ${percent(r.share)}% of test images ` +
      `${r.omitted} (its share of the training split; no test label used).`;
    const pm = (m: number, s: number) => `${percent(m)} ± ${percent(s)}`;
    return {
      title,
      blocks: [
        {
          columns: ['student', 'what', `${r.omitted} test accuracy %`, 'all classes %', 'δ'],
          align: ['left', 'left', 'right', 'right', 'right'],
          rows: r.rows.map((row) => [
            row.method,
            row.description,
            pm(row.omittedMean, row.omittedStd),
            pm(row.accuracyMean, row.accuracyStd),
            row.deltaMean ? row.deltaMean.toFixed(2) : '—',
          ]),
        },
      ],
      conclusion: r.conclusion,
    };
  },
});
