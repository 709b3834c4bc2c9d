// The article's remedies measured: one student, one budget, several distillation methods (from
// scratch, KD at several T, temperature schedules, several teachers, DKD, LSKD), each over the
// same seeds; mean ± std, diverged runs counted apart, wall time per run.
import { takeFirst, type CifarSet } from '../data/cifar.js';
import type { Normalization } from '../data/transforms.js';
import { buildModel, type ZooModel } from '../models/zoo.js';
import { Generator } from '../tensor/random.js';
import { DEFAULT_KD, type KDConfig, type TrainConfig } from './config.js';
import { evaluate } from './evaluate.js';
import { FEATURE_LOSS_NAMES, FEATURE_LOSSES } from './feature-loss.js';
import { KD_LOSS_NAMES, KD_LOSSES } from './kd-loss.js';
import { meanStd, type RunOutcome } from './sweep.js';
import { Trainer } from './trainer.js';

export interface Method {
  name: string;
  description: string;
  /** null: cross-entropy only (from scratch). */
  kd: KDConfig | null;
  /** Indices into the teacher list. */
  teachers: number[];
}

/**
 * The standard set for `kdgrad compare`: from scratch, then each loss's rows from the registry
 * (KD_LOSSES[name].compare): KD at T = 1, 2, 4; the article's adaptive schedule (T0 = 1, decay 0.95,
 * no floor: it falls below 1) and a coarse-to-fine one (T0 = 8 decaying to 1 at the last epoch,
 * floor 1); several teachers averaged as probabilities and as logits (T = 4); DKD (α 1, β 8, T 4,
 * warm-up over the first twelfth of the budget); LSKD (T 2).
 */
export function standardMethods(
  teachers: number,
  epochs: number,
  alpha = DEFAULT_KD.alpha,
  opts: { featureLayers?: string } = {},
): Method[] {
  const all = Array.from({ length: teachers }, (_, i) => i);
  return [
    { name: 'scratch', description: 'cross-entropy only', kd: null, teachers: [] },
    ...KD_LOSS_NAMES.flatMap((loss) =>
      KD_LOSSES[loss].compare(teachers, epochs).map((spec) => ({
        name: spec.name,
        description: spec.description,
        kd: { ...DEFAULT_KD, alpha, ...spec.kd, loss },
        teachers: spec.allTeachers ? all : [0],
      })),
    ),
    ...featureMethods(epochs, alpha, opts.featureLayers),
  ];
}

/** The row plain KD is: the feature rows add their term to it (same T and α). */
export const PLAIN_KD = 'kd-T4';

/**
 * Each feature loss alone (β·feature + CE) and added to plain KD (T 4); FitNets' two stages as the
 * paper (the first third of the epochs on the hint alone, then KD) beside the one-stage sum.
 */
function featureMethods(epochs: number, alpha: number, layers?: string): Method[] {
  const kd = (extra: Partial<KDConfig>): KDConfig => ({
    ...DEFAULT_KD,
    alpha,
    temperature: 4,
    ...(layers ? { featureLayers: layers } : {}),
    ...extra,
  });
  return FEATURE_LOSS_NAMES.flatMap((feature) => {
    const beta = +FEATURE_LOSSES[feature].weight.toPrecision(3);
    const rows: Method[] = [
      {
        name: feature,
        description: `CE + ${beta}·${feature}`,
        kd: kd({ feature, alpha: 0 }),
        teachers: [0],
      },
      {
        name: `kd+${feature}`,
        description: `KD (T 4) + ${beta}·${feature}`,
        kd: kd({ feature }),
        teachers: [0],
      },
    ];
    const first = Math.floor(epochs / 3);
    if (FEATURE_LOSSES[feature].twoStage && first >= 1)
      rows.push({
        name: `${feature}-2stage`,
        description:
          `${first} epoch(s) of ${beta}·${feature} alone up to the guided layer, ` +
          'then KD (T 4)',
        kd: kd({ feature, hintEpochs: first }),
        teachers: [0],
      });
    return rows;
  });
}

/** Every method name `kdgrad compare` can run (with two or more teachers). */
export const METHOD_NAMES = standardMethods(2, 12).map((m) => m.name);

export interface CompareRun extends RunOutcome {
  method: string;
  seconds: number;
}

/** A difference read against the spread: |Δ| of two or more combined standard deviations. */
export type Verdict = 'better' | 'worse' | 'inconclusive';

/** Δ between two rows' mean accuracies, in combined standard deviations, and its verdict. */
export interface Difference {
  delta: number;
  /** null when neither row has a spread (fewer than two finished seeds). */
  z: number | null;
  verdict: Verdict;
}

export interface CompareRow {
  method: string;
  description: string;
  runs: number;
  diverged: number;
  /** The last epoch's test accuracy. */
  accuracyMean: number | null;
  accuracyStd: number | null;
  /** The best epoch's test accuracy per run (chosen on the test split: optimistic). */
  bestMean: number | null;
  bestStd: number | null;
  /** Difference of means with the from-scratch row, and in combined standard deviations. */
  delta: number | null;
  z: number | null;
  /** Against scratch and plain KD (PLAIN_KD), on the last epoch; null for the row itself. */
  vsScratch: Difference | null;
  vsKD: Difference | null;
  secondsPerRun: number;
}

export interface CompareResult {
  student: string;
  teachers: { model: string; path: string; accuracy: number }[];
  config: Omit<TrainConfig, 'model' | 'seed'>;
  seeds: number[];
  methods: Method[];
  runs: CompareRun[];
  rows: CompareRow[];
  seconds: number;
  /** Runs the study has in all; fewer are in `runs` when it was stopped. */
  total: number;
  stopped: boolean;
}

export interface CompareOptions {
  teachers: { model: ZooModel; name: string; path: string }[];
  student: string;
  train: CifarSet;
  test: CifarSet;
  norm: Normalization;
  config: Omit<TrainConfig, 'model' | 'seed'>;
  methods: Method[];
  seeds: number[];
  onRun?(run: CompareRun, done: number, total: number): void | Promise<void>;
  /** Runs finished earlier (resuming): not trained again. */
  done?: readonly CompareRun[];
  /** Asked after every batch: true stops the study, the current run unfinished and left out. */
  shouldStop?(): boolean;
}

export async function runCompare(o: CompareOptions): Promise<CompareResult> {
  const t0 = performance.now();
  checkMethods(o);
  const test = o.config.testLimit ? takeFirst(o.test, o.config.testLimit) : o.test;
  const teachers = o.teachers.map((t) => ({
    model: t.name,
    path: t.path,
    accuracy: evaluate(t.model, test, o.norm).accuracy,
  }));
  // without augmentation each teacher's logits are computed once and shared by every run
  const caches: (Float32Array | undefined)[] = o.teachers.map(() => undefined);
  // and the first teacher's feature layers, by name
  const features: Record<string, Float32Array> = {};
  const runs: CompareRun[] = [];
  const total = o.methods.length * o.seeds.length;
  let stopped = false;
  for (const seed of o.seeds) {
    for (const m of o.methods) {
      if (stopped) break;
      const earlier = o.done?.find((r) => r.method === m.name && r.seed === seed);
      if (earlier) {
        runs.push(earlier);
        continue;
      }
      const run = await runOne(o, m, seed, caches, features);
      if (!run) {
        stopped = true;
        break;
      }
      runs.push(run);
      await o.onRun?.(run, runs.length, total);
    }
  }
  return {
    student: o.student,
    teachers,
    config: o.config,
    seeds: o.seeds,
    methods: o.methods,
    runs,
    rows: summarize(o.methods, runs),
    seconds: (performance.now() - t0) / 1000,
    total,
    stopped,
  };
}

/** Each method named once, and every teacher it needs given. */
function checkMethods(o: CompareOptions): void {
  const names = new Set<string>();
  for (const m of o.methods) {
    if (names.has(m.name)) throw new RangeError(`compare: method ${m.name} is listed twice`);
    names.add(m.name);
    for (const i of m.teachers) {
      if (o.teachers[i]) continue;
      const given = o.teachers.length;
      throw new RangeError(
        `compare: method ${m.name} needs teacher ${i + 1}, but ${given} teacher(s) were given`,
      );
    }
  }
}

/** One method on one seed (null when stopped); fills `caches` with the teachers' logits. */
async function runOne(
  o: CompareOptions,
  m: Method,
  seed: number,
  caches: (Float32Array | undefined)[],
  features: Record<string, Float32Array>,
): Promise<CompareRun | null> {
  const started = performance.now();
  const config: TrainConfig = { ...o.config, model: o.student, seed };
  const model = buildModel(o.student, { generator: new Generator(seed) });
  const cached = {
    ...(m.teachers.every((t) => caches[t])
      ? { teacherCache: m.teachers.map((t) => caches[t]!) }
      : {}),
    featureCache: features,
  };
  const trainer = new Trainer(
    model,
    o.train,
    o.test,
    o.norm,
    config,
    m.kd,
    m.teachers.map((t) => o.teachers[t]!.model),
    cached,
  );
  if (m.kd && !cached.teacherCache) {
    const c = trainer.getTeacherCache();
    if (c)
      m.teachers.forEach((t, k) => {
        caches[t] ??= c[k];
      });
  }
  // a layer not cached yet is added to the shared cache on first use
  if (trainer.features) Object.assign(features, trainer.getFeatureCache());
  const result = await trainer.run(o.shouldStop ? { shouldStop: o.shouldStop } : {});
  if (result.status === 'stopped') return null;
  const last = trainer.state.history.at(-1);
  const ok = result.status !== 'diverged';
  return {
    method: m.name,
    seed,
    status: ok ? 'done' : 'diverged',
    ...(result.status === 'diverged' ? { message: result.message } : {}),
    testAccuracy: ok ? (last?.testAccuracy ?? null) : null,
    softLoss: ok ? (last?.softLoss ?? null) : null,
    hardLoss: ok ? (last?.hardLoss ?? null) : null,
    seconds: (performance.now() - started) / 1000,
    history: trainer.state.history,
  };
}

/** |z| at or over this is a difference; under it (or with no spread) the reading is open. */
export const VERDICT_SIGMAS = 2;

/** The verdict on a difference of `delta` with combined standard deviation `sd`. */
export function verdictOf(delta: number, sd: number): Difference {
  const z = sd > 0 ? delta / sd : null;
  const verdict: Verdict =
    z === null || Math.abs(z) < VERDICT_SIGMAS ? 'inconclusive' : z > 0 ? 'better' : 'worse';
  return { delta, z, verdict };
}

type Stats = { mean: number | null; std: number | null };

function differ(a: Stats, b: Stats): Difference | null {
  if (a.mean === null || b.mean === null) return null;
  return verdictOf(a.mean - b.mean, Math.sqrt((a.std ?? 0) ** 2 + (b.std ?? 0) ** 2));
}

/** Per method: mean ± std of the finished runs (last and best epoch), and the verdicts. */
export function summarize(methods: readonly Method[], runs: readonly CompareRun[]): CompareRow[] {
  const last = (name: string) =>
    meanStd(
      runs.filter((r) => r.method === name && r.status === 'done').map((r) => r.testAccuracy!),
    );
  const [scratch, kd] = [last('scratch'), last(PLAIN_KD)];
  return methods.map((m): CompareRow => {
    const rs = runs.filter((r) => r.method === m.name);
    const done = rs.filter((r) => r.status === 'done');
    const acc = last(m.name);
    const best = meanStd(done.map((r) => Math.max(...r.history.map((h) => h.testAccuracy))));
    const vsScratch = m.name === 'scratch' ? null : differ(acc, scratch);
    return {
      method: m.name,
      description: m.description,
      runs: rs.length,
      diverged: rs.length - done.length,
      accuracyMean: acc.mean,
      accuracyStd: acc.std,
      bestMean: best.mean,
      bestStd: best.std,
      delta: vsScratch?.delta ?? null,
      z: vsScratch?.z ?? null,
      vsScratch,
      vsKD: m.name === 'scratch' || m.name === PLAIN_KD ? null : differ(acc, kd),
      secondsPerRun: rs.reduce((s, r) => s + r.seconds, 0) / Math.max(1, rs.length),
    };
  });
}

const pct = (v: number | null) => (v === null ? '—' : (100 * v).toFixed(2));

/** Δ in points and σ, then the verdict: '+1.20 (+2.4σ) better'. */
function differenceCell(d: Difference | null): string {
  if (!d) return '—';
  const signed = (v: number, text: string) => `${v >= 0 ? '+' : ''}${text}`;
  const inSigma = d.z === null ? '' : ` (${signed(d.z, d.z.toFixed(1))}σ)`;
  return `${signed(d.delta, pct(d.delta))}${inSigma} ${d.verdict}`;
}

/**
 * One Markdown table: method, last- and best-epoch accuracy mean ± std, Δ and verdict against
 * scratch and against plain KD, diverged, s/run; then what the numbers allow one to read.
 */
export function compareMarkdown(r: CompareResult): string {
  const kdRow = r.rows.some((row) => row.method === PLAIN_KD);
  const lines = [
    `| method | what | test accuracy %, last epoch (mean ± std, ${r.seeds.length} seeds) ` +
      `| best epoch % | vs scratch: Δ points (σ) | vs plain KD (${PLAIN_KD}) | diverged | s / run |`,
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const ms = (m: number | null, s: number | null) =>
    m === null ? 'all diverged' : `${pct(m)} ± ${pct(s)}`;
  for (const row of r.rows) {
    const best = row.bestMean === null ? '—' : ms(row.bestMean, row.bestStd);
    lines.push(
      `| ${row.method} | ${row.description} | ${ms(row.accuracyMean, row.accuracyStd)} ` +
        `| ${best} | ${differenceCell(row.vsScratch)} ` +
        `| ${kdRow ? differenceCell(row.vsKD) : '—'} | ${row.diverged}/${row.runs} ` +
        `| ${row.secondsPerRun.toFixed(1)} |`,
    );
  }
  lines.push('', readings(r, kdRow).join(' '));
  const c = r.config;
  if (r.stopped) {
    lines.push(
      '',
      `Stopped: ${r.runs.length} of ${r.total} runs finished; the rows hold those runs only.`,
    );
  }
  const fewest = Math.min(...r.rows.map((row) => row.runs - row.diverged));
  if (fewest < 2) {
    lines.push(
      '',
      'A row with fewer than two finished seeds has no spread: its ± is 0 and no σ is given, so no difference in it is established (use --seeds 2 or more).',
    );
  }
  lines.push(
    '',
    `Student ${r.student}; teachers ${r.teachers.map((t, i) => `${i + 1}: ${t.model} (${pct(t.accuracy)}%)`).join(', ')} (single-teacher methods use teacher 1). ` +
      `${c.epochs} epochs, batch ${c.batchSize}, ${c.optimizer} lr ${c.lr} (${c.schedule}), weight decay ${c.weightDecay}, ${c.augment ? 'random crop + flip' : 'no augmentation'}, ` +
      `gradient clipping ${c.clipGradNorm || 'off'}; ${imagesUsed(c)}${featureLayersUsed(r)}; ` +
      `σ combines both rows' standard deviations; ${r.seconds.toFixed(0)} s in all.`,
  );
  return lines.join('\n');
}

/** What the table allows one to read, each sentence chosen by the numbers. */
function readings(r: CompareResult, kdRow: boolean): string[] {
  const out: string[] = [
    `A verdict is better or worse when the difference of means is at least ${VERDICT_SIGMAS} ` +
      'combined standard deviations, inconclusive otherwise.',
  ];
  const rows = r.rows.filter((row) => row.accuracyMean !== null && row.bestMean !== null);
  const gaps = rows.map((row) => row.bestMean! - row.accuracyMean!);
  const epochs = r.config.epochs;
  if (epochs === 1 || !rows.length) {
    out.push('With one epoch per run (or no finished run) the best epoch is the last one.');
  } else {
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const worst = rows[gaps.indexOf(Math.max(...gaps))]!;
    out.push(
      mean > 0
        ? "The best-epoch column picks each run's epoch on the test split itself, so it is " +
            `inflated: by ${pct(mean)} points on average here ` +
            `(most, ${pct(Math.max(...gaps))}, for ${worst.method}); ` +
            'the last epoch is the honest figure and the verdicts use it.'
        : "Here the last epoch was each run's best, so selecting on the test split inflated " +
            'nothing; the verdicts use the last epoch.',
    );
  }
  if (!kdRow) out.push(`The run has no ${PLAIN_KD} row, so no row is read against plain KD.`);
  return out;
}

/** Which images the runs saw: all, or the first N of a split (--train-limit, --test-limit). */
function imagesUsed(c: CompareResult['config']): string {
  const part = (n: number, what: string) =>
    n ? `the first ${n} ${what}` : `every ${what.slice(0, -1)}`;
  const train = part(c.trainLimit, 'training images');
  return `trained on ${train}, tested on ${part(c.testLimit, 'test images')}`;
}

/** The layers of the feature rows, when there are any. */
function featureLayersUsed(r: CompareResult): string {
  const layers = r.methods.flatMap((m) =>
    m.kd?.feature && m.kd.feature !== 'none' ? [m.kd.featureLayers ?? 'default'] : [],
  );
  if (!layers.length) return '';
  const named = [...new Set(layers)].map((l) =>
    l === 'default' ? 'the default pair (the last top-level maps of equal size)' : l,
  );
  return `; feature terms on ${named.join(', ')}`;
}
