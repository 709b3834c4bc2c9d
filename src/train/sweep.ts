// The article's temperature experiment at small scale: for each temperature and seed a
// KD student, beside the same student trained from scratch and the teacher itself; reported as
// mean ± std over seeds, with divergence detected and reported instead of averaged in.
import { takeFirst, type CifarSet } from '../data/cifar.js';
import type { Normalization } from '../data/transforms.js';
import { buildModel } from '../models/zoo.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../autograd/tensor.js';
import { Generator } from '../tensor/random.js';
import type { KDConfig, TrainConfig } from './config.js';
import { evaluate } from './evaluate.js';
import { Trainer, type EpochRecord } from './trainer.js';

/** How one training run of a study ended (a diverged run has no accuracy or losses). */
export interface RunOutcome {
  seed: number;
  status: 'done' | 'diverged';
  message?: string;
  testAccuracy: number | null;
  softLoss: number | null;
  hardLoss: number | null;
  history: EpochRecord[];
}

export interface SweepRun extends RunOutcome {
  kind: 'scratch' | 'kd';
  temperature: number | null;
}

export interface SweepRow {
  label: string;
  temperature: number | null;
  runs: number;
  diverged: number;
  accuracyMean: number | null;
  accuracyStd: number | null;
  softLossMean: number | null;
  hardLossMean: number | null;
}

export interface SweepResult {
  teacher: { accuracy: number; model: string };
  student: string;
  config: TrainConfig;
  kd: Omit<KDConfig, 'temperature'>;
  temperatures: number[];
  seeds: number[];
  runs: SweepRun[];
  rows: SweepRow[];
  /** The trained students of the first seed, by run label ('scratch', 'T=2', ...). */
  models: Record<string, Module>;
  /**
   * Best KD temperature against scratch: difference of means and z = Δ / sqrt(sd_kd² + sd_scratch²);
   * z is null when a row has fewer than two finished runs or its runs do not vary (no spread to
   * measure Δ against), and then no significance is claimed.
   */
  best: { temperature: number; delta: number; z: number | null } | null;
  seconds: number;
  /** Runs the study has in all; fewer are in `runs` when it was stopped. */
  total: number;
  stopped: boolean;
}

type Forward = Module & { forward(x: Tensor): Tensor };

export function meanStd(xs: readonly number[]): { mean: number | null; std: number | null } {
  if (!xs.length) return { mean: null, std: null };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std =
    xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std };
}

export interface SweepOptions {
  teacher: Forward;
  teacherModel: string;
  student: string;
  train: CifarSet;
  test: CifarSet;
  norm: Normalization;
  config: Omit<TrainConfig, 'model' | 'seed'>;
  kd: Omit<KDConfig, 'temperature'>;
  temperatures: number[];
  seeds: number[];
  onRun?(run: SweepRun, done: number, total: number, model: Module): void | Promise<void>;
  onEpoch?(label: string, r: EpochRecord): void;
  /** Runs finished earlier (resuming): not trained again; first-seed models by label if kept. */
  done?: readonly SweepRun[];
  doneModels?: Record<string, Module>;
  /** Asked after every batch: true stops the study, the current run unfinished and left out. */
  shouldStop?(): boolean;
}

/** The label of a sweep run's row: 'scratch' or 'T=<T>'. */
export const sweepLabel = (temperature: number | null) =>
  temperature === null ? 'scratch' : `T=${temperature}`;

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const teacherAccuracy = evaluate(
    o.teacher,
    o.config.testLimit ? takeFirst(o.test, o.config.testLimit) : o.test,
    o.norm,
  ).accuracy;
  const runs: SweepRun[] = [];
  const total = o.seeds.length * (o.temperatures.length + 1);
  let cache: Float32Array[] | undefined;
  // the teacher's feature layers (a feature term), computed once for every run
  const featureCache: Record<string, Float32Array> = {};
  const models: Record<string, Module> = { ...o.doneModels };
  let stopped = false;
  const one = async (temperature: number | null, seed: number) => {
    const earlier = o.done?.find((r) => r.temperature === temperature && r.seed === seed);
    if (earlier) {
      runs.push(earlier);
      return;
    }
    const config: TrainConfig = { ...o.config, model: o.student, seed };
    const model = buildModel(o.student, { generator: new Generator(seed) });
    const kd = temperature === null ? null : { ...o.kd, temperature };
    const trainer = new Trainer(model, o.train, o.test, o.norm, config, kd, kd ? [o.teacher] : [], {
      ...(cache ? { teacherCache: cache } : {}),
      featureCache,
    });
    if (kd && !cache) cache = trainer.getTeacherCache() ?? undefined;
    if (trainer.features) Object.assign(featureCache, trainer.getFeatureCache());
    const label = kd ? `KD T=${temperature} seed ${seed}` : `scratch seed ${seed}`;
    const result = await trainer.run({
      onEpoch: (r) => o.onEpoch?.(label, r),
      ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
    });
    if (result.status === 'stopped') {
      stopped = true;
      return;
    }
    const last = trainer.state.history.at(-1);
    const run: SweepRun = {
      kind: kd ? 'kd' : 'scratch',
      temperature,
      seed,
      status: result.status === 'diverged' ? 'diverged' : 'done',
      ...(result.status === 'diverged' ? { message: result.message } : {}),
      testAccuracy: result.status === 'diverged' ? null : (last?.testAccuracy ?? null),
      softLoss: result.status === 'diverged' ? null : (last?.softLoss ?? null),
      hardLoss: result.status === 'diverged' ? null : (last?.hardLoss ?? null),
      history: trainer.state.history,
    };
    runs.push(run);
    if (seed === o.seeds[0] && run.status === 'done') models[sweepLabel(temperature)] = model;
    await o.onRun?.(run, runs.length, total, model);
  };
  for (const seed of o.seeds) {
    for (const T of [null, ...o.temperatures]) {
      if (!stopped) await one(T, seed);
    }
  }
  const row = (label: string, temperature: number | null, rs: SweepRun[]): SweepRow => {
    const ok = rs.filter((r) => r.status === 'done');
    const acc = meanStd(ok.map((r) => r.testAccuracy!));
    const soft = meanStd(ok.filter((r) => r.softLoss !== null).map((r) => r.softLoss!));
    const hard = meanStd(ok.filter((r) => r.hardLoss !== null).map((r) => r.hardLoss!));
    return {
      label,
      temperature,
      runs: rs.length,
      diverged: rs.length - ok.length,
      accuracyMean: acc.mean,
      accuracyStd: acc.std,
      softLossMean: soft.mean,
      hardLossMean: hard.mean,
    };
  };
  const scratch = row(
    `${o.student} from scratch`,
    null,
    runs.filter((r) => r.kind === 'scratch'),
  );
  const kdRows = o.temperatures.map((T) =>
    row(
      `${o.student} + KD`,
      T,
      runs.filter((r) => r.kind === 'kd' && r.temperature === T),
    ),
  );
  const rows = [
    {
      label: `teacher (${o.teacherModel})`,
      temperature: null,
      runs: 1,
      diverged: 0,
      accuracyMean: teacherAccuracy,
      accuracyStd: null,
      softLossMean: null,
      hardLossMean: null,
    },
    scratch,
    ...kdRows,
  ];
  const candidates = kdRows.filter((r) => r.accuracyMean !== null && r.diverged === 0);
  let best: SweepResult['best'] = null;
  if (candidates.length && scratch.accuracyMean !== null) {
    const b = candidates.reduce((x, y) => (y.accuracyMean! > x.accuracyMean! ? y : x));
    const delta = b.accuracyMean! - scratch.accuracyMean;
    const sd = Math.sqrt((b.accuracyStd ?? 0) ** 2 + (scratch.accuracyStd ?? 0) ** 2);
    const enough = Math.min(b.runs - b.diverged, scratch.runs - scratch.diverged) >= 2;
    best = { temperature: b.temperature!, delta, z: enough && sd > 0 ? delta / sd : null };
  }
  return {
    teacher: { accuracy: teacherAccuracy, model: o.teacherModel },
    student: o.student,
    config: { ...o.config, model: o.student, seed: o.seeds[0] ?? 0 },
    kd: o.kd,
    temperatures: o.temperatures,
    seeds: o.seeds,
    runs,
    rows,
    models,
    best,
    seconds: (performance.now() - t0) / 1000,
    total,
    stopped,
  };
}

const pct = (v: number | null, sd?: number | null) =>
  v === null
    ? '—'
    : `${(100 * v).toFixed(2)}%${sd === undefined || sd === null ? '' : ` ± ${(100 * sd).toFixed(2)}`}`;
const f4 = (v: number | null) => (v === null ? '—' : v.toFixed(4));

/** What the best KD row says against scratch, chosen by the numbers (see SweepResult.best). */
export function bestReading(best: NonNullable<SweepResult['best']>): string {
  const points = `${best.delta >= 0 ? '+' : ''}${(100 * best.delta).toFixed(2)} points`;
  const head = `Best temperature T = ${best.temperature}: ${points} against the student from scratch`;
  if (best.z === null) {
    return `${head}; no significance can be claimed: a row has fewer than two finished seeds, or its seeds do not vary (use --seeds 2 or more).`;
  }
  const sigma = `${best.z.toFixed(1)} combined standard deviations`;
  if (best.z > 2) return `${head}, ${sigma}: distillation helps by more than 2σ.`;
  if (best.z < -2) return `${head}, ${sigma}: distillation hurts by more than 2σ.`;
  return `${head}, ${sigma}: within 2σ, so not established at this number of seeds.`;
}

/** The article's table (T | test accuracy | soft loss | hard loss) as Markdown. */
export function sweepMarkdown(r: SweepResult): string {
  const lines = [
    `| run | T | test accuracy (mean ± std over ${r.seeds.length} seeds) | soft loss (T²·KL) | hard loss (CE) |`,
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const row of r.rows) {
    const acc =
      row.diverged === row.runs && row.runs > 0
        ? `diverged (${row.diverged}/${row.runs} seeds)`
        : `${pct(row.accuracyMean, row.label.startsWith('teacher') ? undefined : row.accuracyStd)}${row.diverged ? ` (${row.diverged}/${row.runs} diverged)` : ''}`;
    lines.push(
      `| ${row.label} | ${row.temperature ?? '—'} | ${acc} | ${f4(row.softLossMean)} | ${f4(row.hardLossMean)} |`,
    );
  }
  if (r.stopped) {
    lines.push(
      '',
      `Stopped: ${r.runs.length} of ${r.total} runs finished; the rows hold those runs only.`,
    );
  }
  if (r.best) lines.push('', bestReading(r.best));
  lines.push(
    '',
    `Soft and hard losses are the last epoch's training means. ${r.config.epochs} epochs, batch ${r.config.batchSize}, ${r.config.optimizer} lr ${r.config.lr} (${r.config.schedule}), alpha ${r.kd.alpha}, ` +
      `${r.config.augment ? 'random crop + flip' : 'no augmentation'}, gradient clipping ${r.config.clipGradNorm || 'off'}; ${r.seconds.toFixed(0)} s in all.`,
  );
  return lines.join('\n');
}
