// The article's remedies measured: one student, one budget, several distillation methods (from
// scratch, KD at several T, temperature schedules, several teachers, DKD, LSKD), each over the
// same seeds; mean ± std, diverged runs counted apart, wall time per run.
import { takeFirst, type CifarSet } from '../data/cifar.js';
import type { Normalization } from '../data/transforms.js';
import { buildModel, type ZooModel } from '../models/zoo.js';
import { Generator } from '../tensor/random.js';
import { DEFAULT_KD, type KDConfig, type TrainConfig } from './config.js';
import { evaluate } from './evaluate.js';
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
  ];
}

/** Every method name `kdgrad compare` can run (with two or more teachers). */
export const METHOD_NAMES = standardMethods(2, 12).map((m) => m.name);

export interface CompareRun extends RunOutcome {
  method: string;
  seconds: number;
}

export interface CompareRow {
  method: string;
  description: string;
  runs: number;
  diverged: number;
  accuracyMean: number | null;
  accuracyStd: number | null;
  /** Difference of means with the from-scratch row, and in combined standard deviations. */
  delta: number | null;
  z: number | null;
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
      const run = await runOne(o, m, seed, caches);
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
): Promise<CompareRun | null> {
  const started = performance.now();
  const config: TrainConfig = { ...o.config, model: o.student, seed };
  const model = buildModel(o.student, { generator: new Generator(seed) });
  const cached = m.teachers.every((t) => caches[t])
    ? { teacherCache: m.teachers.map((t) => caches[t]!) }
    : {};
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

/** Per method: mean ± std of the finished runs, and the difference with scratch in σ. */
function summarize(methods: readonly Method[], runs: readonly CompareRun[]): CompareRow[] {
  const scratch = meanStd(
    runs.filter((r) => r.method === 'scratch' && r.status === 'done').map((r) => r.testAccuracy!),
  );
  return methods.map((m): CompareRow => {
    const rs = runs.filter((r) => r.method === m.name);
    const done = rs.filter((r) => r.status === 'done');
    const acc = meanStd(done.map((r) => r.testAccuracy!));
    const hasDelta = m.name !== 'scratch' && acc.mean !== null && scratch.mean !== null;
    const sd = Math.sqrt((acc.std ?? 0) ** 2 + (scratch.std ?? 0) ** 2);
    const delta = hasDelta ? acc.mean! - scratch.mean! : null;
    return {
      method: m.name,
      description: m.description,
      runs: rs.length,
      diverged: rs.length - done.length,
      accuracyMean: acc.mean,
      accuracyStd: acc.std,
      delta,
      z: delta === null ? null : sd > 0 ? delta / sd : null,
      secondsPerRun: rs.reduce((s, r) => s + r.seconds, 0) / Math.max(1, rs.length),
    };
  });
}

const pct = (v: number | null) => (v === null ? '—' : (100 * v).toFixed(2));

/** One Markdown table: method, accuracy mean ± std, Δ vs scratch (and in σ), diverged, s/run. */
export function compareMarkdown(r: CompareResult): string {
  const lines = [
    `| method | what | test accuracy % (mean ± std, ${r.seeds.length} seeds) | Δ vs scratch (points, σ) | diverged | s / run |`,
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const row of r.rows) {
    const acc =
      row.accuracyMean === null
        ? 'all diverged'
        : `${pct(row.accuracyMean)} ± ${pct(row.accuracyStd)}`;
    const signed = (v: number, text: string) => `${v >= 0 ? '+' : ''}${text}`;
    const inSigma = row.z === null ? '' : ` (${signed(row.z, row.z.toFixed(1))}σ)`;
    const d = row.delta === null ? '—' : `${signed(row.delta, pct(row.delta))}${inSigma}`;
    lines.push(
      `| ${row.method} | ${row.description} | ${acc} | ${d} | ${row.diverged}/${row.runs} | ${row.secondsPerRun.toFixed(1)} |`,
    );
  }
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
      `gradient clipping ${c.clipGradNorm || 'off'}; σ combines both rows' standard deviations; ${r.seconds.toFixed(0)} s in all.`,
  );
  return lines.join('\n');
}
