// `kdgrad train` and `kdgrad distill`: one training loop, from scratch or from teachers.
import { mkdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { buildModel, ZOO } from '../../models/zoo.js';
import { Generator } from '../../tensor/random.js';
import {
  loadRunInfo,
  restoreRun,
  saveRun,
  statePath,
  type RunInfo,
} from '../../train/checkpoint.js';
import {
  DEFAULT_KD,
  featurePairs,
  KD_FIELDS,
  TEACHER_RECIPE,
  TRAIN_FIELDS,
  resolveKD,
  type AppliesTo,
  type KDConfig,
  type TrainConfig,
} from '../../train/config.js';
import { flagOf, type Field, type Fields } from '../../train/fields.js';
import type { KDLossName } from '../../train/kd-loss.js';
import { addFieldOptions, attributeOf, readFields, type FieldOptionSpec } from '../options.js';
import { Trainer, type EpochRecord } from '../../train/trainer.js';
import { makeProgress } from '../progress.js';
import { collect, loadData, loadZooModel, nonNegativeInt, printJson } from '../common.js';

export interface TrainOutcome {
  status: 'done' | 'stopped' | 'diverged';
  message?: string;
  out: string;
  history: EpochRecord[];
  testAccuracy: number | null;
}

/** The training fields each of `train` and `distill` takes, with the command's defaults. */
function trainSpecs(d: TrainConfig) {
  return {
    model: { default: d.model, help: `model from the zoo (${Object.keys(ZOO).join(', ')})` },
    epochs: { default: d.epochs },
    batchSize: { default: d.batchSize },
    lr: { default: d.lr },
    optimizer: { default: d.optimizer },
    momentum: { default: d.momentum },
    weightDecay: { default: d.weightDecay },
    schedule: { default: d.schedule },
    augment: { default: d.augment },
    cropPaddingMode: { default: 'constant' },
    cropFill: {},
    clipGradNorm: { default: d.clipGradNorm },
    trainLimit: { default: 0 },
    testLimit: { default: 0 },
    seed: { default: 0 },
  } satisfies { [K in keyof TrainConfig]?: FieldOptionSpec };
}

function addTrainingOptions(cmd: Command, defaults: TrainConfig): Command {
  return addFieldOptions(cmd, TRAIN_FIELDS, trainSpecs(defaults))
    .option(
      '--data <dir>',
      'CIFAR-10 folder (default: $CIFAR10_DIR, ./data/cifar-10-batches-bin, ../shared/data/cifar-10-batches-bin)',
    )
    .option(
      '--resume',
      'continue the run saved in <out>.train.safetensors exactly where it stopped',
    )
    .option('--force', 'overwrite an existing --out (and its run state) that another run wrote')
    .option(
      '--stop-after <n>',
      'stop after N batches in this invocation and save a resumable checkpoint',
      nonNegativeInt('--stop-after'),
      0,
    )
    .option('--json', 'print the result as JSON (no progress display)');
}

type Opts = Record<string, unknown>;

/** The KD fields a command takes, their defaults, and help that says which losses they are for. */
function kdSpecs(withTemperature: boolean) {
  const specs: { [K in keyof KDConfig]?: FieldOptionSpec } = {};
  for (const [key, f] of Object.entries(KD_FIELDS) as [keyof KDConfig, Field<unknown>][]) {
    if (key === 'temperature' && !withTemperature) continue;
    const a = (f as { appliesTo?: AppliesTo }).appliesTo;
    const forWhat = a
      ? `${a.losses.join(', ')}${a.schedule ? ` with --schedule ${a.schedule}` : ''}: `
      : '';
    // the layer pairs and the weight have no fixed default: they depend on the models and the loss
    const none = key === 'featureLayers' || key === 'featureWeight';
    specs[key] = none
      ? { help: f.help }
      : { default: DEFAULT_KD[key], help: `${forWhat}${f.help}` };
  }
  return specs;
}

/** The distillation options shared by `distill` and `sweep` (sweep takes the temperatures apart). */
export function addKDOptions(cmd: Command, opts: { temperature?: boolean } = {}): Command {
  return addFieldOptions(cmd, KD_FIELDS, kdSpecs(opts.temperature !== false));
}

export function kdFrom(o: Opts): KDConfig {
  const kd = readFields(KD_FIELDS, o, kdSpecs(true)) as KDConfig;
  return { ...kd, temperature: kd.temperature ?? DEFAULT_KD.temperature };
}

function configFrom(o: Opts, defaults: TrainConfig): TrainConfig {
  return { ...(readFields(TRAIN_FIELDS, o, trainSpecs(defaults)) as TrainConfig), nesterov: true };
}

/** Where `train` and `distill` write when no --out is given: a runs folder, never checkpoints/. */
export function defaultOut(command: 'train' | 'distill', model: string, seed: number): string {
  return join(
    'runs',
    `${model}${command === 'distill' ? '-distilled' : ''}-seed${seed}.safetensors`,
  );
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The same file (by path, or by the real path when both exist). */
async function sameFile(a: string, b: string): Promise<boolean> {
  if (resolvePath(a) === resolvePath(b)) return true;
  const [ra, rb] = await Promise.all([
    realpath(a).catch(() => null),
    realpath(b).catch(() => null),
  ]);
  return ra !== null && ra === rb;
}

/**
 * --out must be a file path whose two files (the checkpoint and its run state) are none of the
 * inputs, can be written, and belong to no other run unless --force or --resume says so; checked
 * before any training, so a bad --out loses no work.
 */
async function checkOut(
  out: string,
  inputs: string[],
  opts: { force?: boolean; resume?: boolean },
): Promise<void> {
  if (!out.trim()) throw new Error('--out is empty: give the checkpoint file to write');
  if (/[/\\]$/.test(out))
    throw new Error(`--out ${out} names a folder: give a file path, e.g. ${out}model.safetensors`);
  const st = await stat(out).catch(() => null);
  if (st?.isDirectory())
    throw new Error(
      `--out ${out} is a directory: give a file path, e.g. ${join(out, 'model.safetensors')}`,
    );
  const written = [out, statePath(out)];
  for (const input of inputs) {
    for (const file of written) {
      if (await sameFile(input, file)) {
        const what = file === out ? '' : ` (the run state ${file})`;
        throw new Error(
          `--out ${out} would overwrite the teacher ${input}${what}; choose another --out`,
        );
      }
    }
  }
  if (Buffer.byteLength(basename(statePath(out))) > 255) {
    throw new Error(
      `--out ${out}: the file name is too long (the run state ${basename(statePath(out))} must be at most 255 bytes)`,
    );
  }
  if (!opts.resume && !opts.force) {
    for (const file of written) {
      if (await exists(file)) {
        throw new Error(
          `--out ${out}: ${file} exists; pass --force to overwrite it, --resume to continue the run saved there, or choose another --out`,
        );
      }
    }
  }
  // the folder must be writable now, not after the first epoch
  const dir = dirname(out) || '.';
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.kdgrad-write-check-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (e) {
    throw new Error(
      `--out ${out}: cannot write in ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { cause: e },
    );
  }
}

/** The options a resumed run would silently ignore: saved value vs the value given now. */
function resumeConflicts(saved: RunInfo, now: RunInfo): string[] {
  const out: string[] = [];
  if (saved.command !== now.command)
    out.push(`command: saved by \`kdgrad ${saved.command}\`, resumed by \`kdgrad ${now.command}\``);
  // runs saved before the crop options existed used torchvision's defaults
  const withDefaults = (c: TrainConfig): TrainConfig => ({
    ...c,
    cropPaddingMode: c.cropPaddingMode ?? 'constant',
    cropFill: c.cropFill ?? [0, 0, 0],
  });
  const differ = (fields: Fields, a: Record<string, unknown>, b: Record<string, unknown>) => {
    for (const k of Object.keys(fields))
      if (JSON.stringify(a[k]) !== JSON.stringify(b[k]))
        out.push(
          `${flagOf(fields, k)}: saved ${JSON.stringify(a[k])}, given ${JSON.stringify(b[k])}`,
        );
  };
  differ(TRAIN_FIELDS, withDefaults(saved.config), withDefaults(now.config));
  if (saved.kd && now.kd)
    differ(
      KD_FIELDS,
      resolveKD(saved.kd, saved.teachers.length),
      resolveKD(now.kd, now.teachers.length),
    );
  const paths = (r: RunInfo) => r.teachers.map((t) => resolvePath(t.path)).join(', ');
  if (paths(saved) !== paths(now))
    out.push(`--teacher: saved ${paths(saved) || 'none'}, given ${paths(now) || 'none'}`);
  return out;
}

/** Runs (or resumes) a training run and writes its checkpoints; Ctrl-C saves and stops. */
export async function runTraining(
  info: RunInfo,
  out: string,
  opts: { resume?: boolean; force?: boolean; data?: string; quiet?: boolean; stopAfter?: number },
): Promise<TrainOutcome> {
  await checkOut(
    out,
    info.teachers.map((t) => t.path),
    opts,
  );
  const saved = opts.resume ? await savedRun(out, info) : null;
  const run: RunInfo = saved
    ? {
        command: saved.meta.command,
        config: saved.meta.config,
        kd: saved.meta.kd,
        teachers: saved.meta.teachers,
      }
    : info;
  // the model and the teachers first: a bad --model or teacher file is reported before the data is looked for
  const model = buildModel(run.config.model, { generator: new Generator(run.config.seed) });
  const teachers = await Promise.all(
    run.teachers.map(async (t) => (await loadZooModel(t.path, t.model)).model),
  );
  const data = await loadData(opts.data);
  const trainer = new Trainer(
    model,
    data.train,
    data.test,
    data.norm,
    run.config,
    run.kd,
    teachers,
  );
  if (saved) {
    try {
      restoreRun(trainer, saved.meta, saved.tensors);
    } catch (e) {
      throw new Error(`${statePath(out)}: ${(e as Error).message}`, { cause: e });
    }
  }
  await mkdir(dirname(out) || '.', { recursive: true });
  const label =
    run.command === 'distill' ? `distill ${run.config.model}` : `train ${run.config.model}`;
  const progress = makeProgress(label, run.config.epochs, { quiet: Boolean(opts.quiet) });
  const signals = stopOnSignals();
  let batches = 0;
  try {
    const result = await trainer.run({
      onBatch: (i) => {
        progress.onBatch(i);
        if (opts.stopAfter && ++batches >= opts.stopAfter) signals.stop = true;
      },
      // a checkpoint after every epoch: a crash or a diverging loss later loses at most one epoch
      onEpoch: async (r) => {
        progress.onEpoch(r);
        await saveRun(out, trainer, run);
      },
      shouldStop: () => signals.stop,
    });
    progress.stop();
    const history = trainer.state.history;
    if (result.status === 'diverged') {
      process.stderr.write(
        `${result.message}\n${history.length ? `The last good checkpoint is kept: ${out} (after epoch ${history.length}).` : 'No checkpoint was written (it diverged in the first epoch).'}\n`,
      );
      return { status: 'diverged', message: result.message, out, history, testAccuracy: null };
    }
    await saveRun(out, trainer, run);
    if (result.status === 'stopped')
      process.stderr.write(
        `saved ${out} and ${statePath(out)}; continue with the same command and --resume\n`,
      );
    return {
      status: result.status,
      out,
      history,
      testAccuracy: history.at(-1)?.testAccuracy ?? null,
    };
  } finally {
    signals.release();
  }
}

/** The saved run of `out`, refused when it was made with other options than `info`'s. */
async function savedRun(out: string, info: RunInfo) {
  const saved = await loadRunInfo(out);
  const conflicts = resumeConflicts(saved.meta, info);
  if (conflicts.length) {
    throw new Error(
      `--resume: ${statePath(out)} was saved by a run with other options; run the same command as before with --resume, or choose another --out:\n  ${conflicts.join('\n  ')}`,
    );
  }
  return saved;
}

/**
 * Ctrl-C or SIGTERM asks the run to stop after the current batch and save (a second Ctrl-C quits
 * without saving); `release` removes the handlers.
 */
function stopOnSignals(): { stop: boolean; release(): void } {
  const state = {
    stop: false,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
  const onSignal = () => {
    if (state.stop) process.exit(130);
    state.stop = true;
    process.stderr.write(
      '\nstopping: saving a checkpoint after this batch (Ctrl-C again to quit without saving)\n',
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal); // a killed run saves too, so --resume loses nothing
  return state;
}

function runOptions(o: Opts) {
  return {
    resume: Boolean(o.resume),
    force: Boolean(o.force),
    data: o.data as string | undefined,
    quiet: Boolean(o.json),
    stopAfter: o.stopAfter as number,
  };
}

function report(outcome: TrainOutcome, json: boolean): void {
  if (json) printJson(outcome);
  else if (outcome.status === 'done')
    process.stdout.write(
      `done: test accuracy ${(100 * outcome.testAccuracy!).toFixed(2)}%; wrote ${outcome.out} and ${statePath(outcome.out)}\n`,
    );
  if (outcome.status === 'diverged') process.exitCode = 3;
  if (outcome.status === 'stopped') process.exitCode = 130;
}

/**
 * Options given on the command line that the chosen method ignores are refused with the reason
 * (a silently ignored --dkd-beta under --loss kd reads as a result about it).
 */
export function refuseInapplicable(cmd: Command, o: Opts): void {
  const given = (k: string) => cmd.getOptionValueSource(k) === 'cli';
  const loss = o.loss as KDLossName | undefined;
  if (loss !== undefined) {
    for (const [k, f] of Object.entries(KD_FIELDS)) {
      const a = (f as { appliesTo?: AppliesTo }).appliesTo;
      if (!a || !given(attributeOf(KD_FIELDS, k))) continue;
      const flag = flagOf(KD_FIELDS, k);
      if (!a.losses.includes(loss))
        throw new Error(
          `${flag} does not apply to --loss ${loss} (it is for --loss ${a.losses.join(' | ')})`,
        );
      if (a.schedule && o.schedule !== a.schedule)
        throw new Error(
          `${flag} does not apply to --schedule ${String(o.schedule)} (it is for --schedule ${a.schedule})`,
        );
    }
  }
  if (
    given('momentum') &&
    o.lrSchedule === 'onecycle' &&
    o.optimizer === 'sgd' &&
    o.momentum !== 0
  ) {
    throw new Error(
      `--momentum ${String(o.momentum)} does nothing under --lr-schedule onecycle, which cycles the momentum between 0.95 and 0.85 itself (as PyTorch; only --momentum 0 turns it off); use --lr-schedule cosine or constant to set it`,
    );
  }
  if (given('momentum') && o.optimizer !== 'sgd')
    throw new Error(`--momentum is for --optimizer sgd, not ${String(o.optimizer)}`);
}

/** The same checkpoint given twice would count as two teachers. */
export async function refuseDuplicateTeachers(paths: readonly string[]): Promise<void> {
  const seen = new Map<string, string>();
  for (const p of paths) {
    const key = await realpath(p).catch(() => resolvePath(p));
    const first = seen.get(key);
    if (first !== undefined)
      throw new Error(
        `--teacher ${p} is the same file as --teacher ${first}: several teachers must be different checkpoints`,
      );
    seen.set(key, p);
  }
}

/** `distill`'s defaults: the teacher's recipe for a smaller student, with gradient clipping. */
const DISTILL_DEFAULTS: TrainConfig = { ...TEACHER_RECIPE, model: 'cnn-student', clipGradNorm: 5 };

export function registerTrain(program: Command): void {
  const train = program
    .command('train')
    .description('train a model from the zoo from scratch (cross-entropy)');
  addTrainingOptions(train, TEACHER_RECIPE)
    .option('--out <file>', 'checkpoint to write (default: runs/<model>-seed<seed>.safetensors)')
    .action(async (o: Opts, cmd: Command) => {
      refuseInapplicable(cmd, o);
      const out =
        (o.out as string | undefined) ?? defaultOut('train', o.model as string, o.seed as number);
      const outcome = await runTraining(
        { command: 'train', config: configFrom(o, TEACHER_RECIPE), kd: null, teachers: [] },
        out,
        runOptions(o),
      );
      report(outcome, Boolean(o.json));
    });

  const distill = program
    .command('distill')
    .description(
      'train a student from one or several teacher checkpoints (knowledge distillation)',
    );
  addTrainingOptions(distill, DISTILL_DEFAULTS)
    .requiredOption(
      '--teacher <file>',
      'teacher checkpoint (required; repeat for several teachers)',
      collect,
    )
    .option('--teacher-model <name>', 'zoo model of the teacher(s) if the checkpoint does not say')
    .option(
      '--out <file>',
      'checkpoint to write (default: runs/<model>-distilled-seed<seed>.safetensors)',
    );
  addKDOptions(distill).action(async (o: Opts, cmd: Command) => {
    refuseInapplicable(cmd, o);
    await refuseDuplicateTeachers(o.teacher as string[]);
    const kd = kdFrom(o);
    const teachers = (o.teacher as string[]).map((path) => ({
      path,
      model: (o.teacherModel as string | undefined) ?? '',
    }));
    for (const t of teachers) if (!t.model) t.model = (await loadZooModel(t.path)).name;
    // a bad combination, or feature layers that do not pair, are reported before any data is read
    const resolved = resolveKD(kd, teachers.length);
    if (resolved.feature !== 'none') {
      const teacher = (await loadZooModel(teachers[0]!.path, teachers[0]!.model)).model;
      featurePairs(resolved, o.epochs as number, buildModel(o.model as string), teacher);
    }
    const out =
      (o.out as string | undefined) ?? defaultOut('distill', o.model as string, o.seed as number);
    const outcome = await runTraining(
      { command: 'distill', config: configFrom(o, DISTILL_DEFAULTS), kd, teachers },
      out,
      runOptions(o),
    );
    report(outcome, Boolean(o.json));
  });
}
