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
  TEACHER_RECIPE,
  resolveKD,
  type KDConfig,
  type TrainConfig,
} from '../../train/config.js';
import { Trainer, type EpochRecord } from '../../train/trainer.js';
import { makeProgress } from '../progress.js';
import {
  addCropOptions,
  collect,
  int,
  loadData,
  loadZooModel,
  nonNegativeInt,
  num,
  oneOf,
  positiveInt,
  printJson,
} from '../common.js';

export interface TrainOutcome {
  status: 'done' | 'stopped' | 'diverged';
  message?: string;
  out: string;
  history: EpochRecord[];
  testAccuracy: number | null;
}

function addTrainingOptions(cmd: Command, defaults: TrainConfig): Command {
  return addCropOptions(cmd)
    .option('--model <name>', `model from the zoo (${Object.keys(ZOO).join(', ')})`, defaults.model)
    .option('--epochs <n>', 'epochs', positiveInt('--epochs'), defaults.epochs)
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'), defaults.batchSize)
    .option('--lr <x>', 'peak learning rate (one-cycle) or constant rate', num('--lr'), defaults.lr)
    .option(
      '--optimizer <name>',
      'sgd | adam | adamw',
      oneOf('--optimizer', ['sgd', 'adam', 'adamw'] as const),
      defaults.optimizer,
    )
    .option(
      '--momentum <x>',
      'SGD momentum (Nesterov; under --lr-schedule onecycle the schedule cycles it 0.95 → 0.85 itself)',
      num('--momentum'),
      defaults.momentum,
    )
    .option('--weight-decay <x>', 'weight decay', num('--weight-decay'), defaults.weightDecay)
    .option(
      '--lr-schedule <name>',
      'onecycle | cosine | constant',
      oneOf('--lr-schedule', ['onecycle', 'cosine', 'constant'] as const),
      defaults.schedule,
    )
    .option('--augment', `random crop + flip (default: ${defaults.augment ? 'on' : 'off'})`)
    .option('--no-augment', 'no random crop / flip')
    .option(
      '--clip-grad-norm <x>',
      'clip the global gradient norm (0: off)',
      num('--clip-grad-norm'),
      defaults.clipGradNorm,
    )
    .option(
      '--train-limit <n>',
      'use only the first N training images (0: all)',
      nonNegativeInt('--train-limit'),
      0,
    )
    .option(
      '--test-limit <n>',
      'evaluate on the first N test images (0: all)',
      nonNegativeInt('--test-limit'),
      0,
    )
    .option(
      '--seed <n>',
      'random seed (data order, augmentation, initialisation)',
      int('--seed'),
      0,
    )
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

/** The distillation options shared by `distill` and `sweep` (sweep takes the temperatures apart). */
export function addKDOptions(cmd: Command, opts: { temperature?: boolean } = {}): Command {
  if (opts.temperature !== false)
    cmd.option(
      '--temperature <T>',
      'temperature T (T0 for --schedule adaptive)',
      num('--temperature'),
      DEFAULT_KD.temperature,
    );
  return cmd
    .option(
      '--loss <name>',
      'kd (Hinton; the seed) | dkd (decoupled KD) | lskd (logit-standardised KD)',
      oneOf('--loss', ['kd', 'dkd', 'lskd'] as const),
      DEFAULT_KD.loss,
    )
    .option(
      '--alpha <a>',
      'kd, lskd: weight of the T²·KL term; CE gets 1 − alpha',
      num('--alpha'),
      DEFAULT_KD.alpha,
    )
    .option(
      '--schedule <name>',
      'kd: temperature schedule, constant | adaptive',
      oneOf('--schedule', ['constant', 'adaptive'] as const),
      DEFAULT_KD.schedule,
    )
    .option(
      '--temp-decay <x>',
      'adaptive: T_e = max(min-temp, T0 · decay^e), e = 0, 1, ..., kept within [0.05, 1000]',
      num('--temp-decay'),
      DEFAULT_KD.tempDecay,
    )
    .option('--min-temp <x>', 'adaptive: floor for T', num('--min-temp'), DEFAULT_KD.minTemp)
    .option(
      '--average <how>',
      'kd with several teachers: probs | logits',
      oneOf('--average', ['probs', 'logits'] as const),
      DEFAULT_KD.average,
    )
    .option('--dkd-alpha <x>', 'dkd: weight of TCKD', num('--dkd-alpha'), DEFAULT_KD.dkdAlpha)
    .option('--dkd-beta <x>', 'dkd: weight of NCKD', num('--dkd-beta'), DEFAULT_KD.dkdBeta)
    .option(
      '--warmup <epochs>',
      'dkd: the KD term ramps up as min(e / warmup, 1), e counted from 1 as mdistiller',
      num('--warmup'),
      DEFAULT_KD.warmup,
    )
    .option(
      '--lskd-eps <x>',
      "lskd: epsilon added to the logits' standard deviation",
      num('--lskd-eps'),
      DEFAULT_KD.lskdEps,
    );
}

export function kdFrom(o: Opts): KDConfig {
  return {
    loss: o.loss as KDConfig['loss'],
    temperature: (o.temperature as number | undefined) ?? DEFAULT_KD.temperature,
    alpha: o.alpha as number,
    schedule: o.schedule as KDConfig['schedule'],
    tempDecay: o.tempDecay as number,
    minTemp: o.minTemp as number,
    average: o.average as KDConfig['average'],
    dkdAlpha: o.dkdAlpha as number,
    dkdBeta: o.dkdBeta as number,
    warmup: o.warmup as number,
    lskdEps: o.lskdEps as number,
  };
}

function configFrom(o: Opts): TrainConfig {
  return {
    model: o.model as string,
    epochs: o.epochs as number,
    batchSize: o.batchSize as number,
    lr: o.lr as number,
    optimizer: o.optimizer as TrainConfig['optimizer'],
    momentum: o.momentum as number,
    nesterov: true,
    weightDecay: o.weightDecay as number,
    schedule: o.lrSchedule as TrainConfig['schedule'],
    augment: (o.augment as boolean | undefined) ?? TEACHER_RECIPE.augment,
    cropPaddingMode: o.cropPaddingMode as TrainConfig['cropPaddingMode'],
    cropFill: o.cropFill as TrainConfig['cropFill'],
    clipGradNorm: o.clipGradNorm as number,
    seed: o.seed as number,
    trainLimit: o.trainLimit as number,
    testLimit: o.testLimit as number,
  };
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
  const flag = (k: string) => `--${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;
  if (saved.command !== now.command)
    out.push(`command: saved by \`kdgrad ${saved.command}\`, resumed by \`kdgrad ${now.command}\``);
  // runs saved before the crop options existed used torchvision's defaults
  const withDefaults = (c: TrainConfig): TrainConfig => ({
    ...c,
    cropPaddingMode: c.cropPaddingMode ?? 'constant',
    cropFill: c.cropFill ?? [0, 0, 0],
  });
  const [a, b] = [withDefaults(saved.config), withDefaults(now.config)];
  for (const k of Object.keys(b) as (keyof TrainConfig)[]) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k]))
      out.push(
        `${flag(k === 'schedule' ? 'lrSchedule' : k)}: saved ${JSON.stringify(a[k])}, given ${JSON.stringify(b[k])}`,
      );
  }
  if (saved.kd && now.kd) {
    const a = resolveKD(saved.kd, saved.teachers.length);
    const b = resolveKD(now.kd, now.teachers.length);
    for (const k of Object.keys(b) as (keyof KDConfig)[])
      if (a[k] !== b[k])
        out.push(`${flag(k)}: saved ${JSON.stringify(a[k])}, given ${JSON.stringify(b[k])}`);
  }
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
  let run = info;
  let saved: Awaited<ReturnType<typeof loadRunInfo>> | null = null;
  if (opts.resume) {
    saved = await loadRunInfo(out);
    const conflicts = resumeConflicts(saved.meta, info);
    if (conflicts.length) {
      throw new Error(
        `--resume: ${statePath(out)} was saved by a run with other options; run the same command as before with --resume, or choose another --out:\n  ${conflicts.join('\n  ')}`,
      );
    }
    run = {
      command: saved.meta.command,
      config: saved.meta.config,
      kd: saved.meta.kd,
      teachers: saved.meta.teachers,
    };
  }
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
  let stop = false;
  let batches = 0;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write(
      '\nstopping: saving a checkpoint after this batch (Ctrl-C again to quit without saving)\n',
    );
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint); // a killed run saves too, so --resume loses nothing
  try {
    const result = await trainer.run({
      onBatch: (i) => {
        progress.onBatch(i);
        if (opts.stopAfter && ++batches >= opts.stopAfter) stop = true;
      },
      // a checkpoint after every epoch: a crash or a diverging loss later loses at most one epoch
      onEpoch: async (r) => {
        progress.onEpoch(r);
        await saveRun(out, trainer, run);
      },
      shouldStop: () => stop,
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
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
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

/** Which --loss (and --schedule) each loss option belongs to; given for another it does nothing. */
const APPLIES_TO: Record<string, { losses: readonly string[]; schedule?: 'adaptive' }> = {
  alpha: { losses: ['kd', 'lskd'] },
  schedule: { losses: ['kd'] },
  tempDecay: { losses: ['kd'], schedule: 'adaptive' },
  minTemp: { losses: ['kd'], schedule: 'adaptive' },
  average: { losses: ['kd'] },
  dkdAlpha: { losses: ['dkd'] },
  dkdBeta: { losses: ['dkd'] },
  warmup: { losses: ['dkd'] },
  lskdEps: { losses: ['lskd'] },
};

const flagOf = (k: string) => `--${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;

/**
 * Options given on the command line that the chosen method ignores are refused with the reason
 * (a silently ignored --dkd-beta under --loss kd reads as a result about it).
 */
export function refuseInapplicable(cmd: Command, o: Opts): void {
  const given = (k: string) => cmd.getOptionValueSource(k) === 'cli';
  const loss = o.loss as string | undefined;
  if (loss !== undefined) {
    for (const [k, a] of Object.entries(APPLIES_TO)) {
      if (!given(k)) continue;
      if (!a.losses.includes(loss))
        throw new Error(
          `${flagOf(k)} does not apply to --loss ${loss} (it is for --loss ${a.losses.join(' | ')})`,
        );
      if (a.schedule && o.schedule !== a.schedule)
        throw new Error(
          `${flagOf(k)} does not apply to --schedule ${String(o.schedule)} (it is for --schedule ${a.schedule})`,
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
        { command: 'train', config: configFrom(o), kd: null, teachers: [] },
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
  addTrainingOptions(distill, { ...TEACHER_RECIPE, model: 'cnn-student', clipGradNorm: 5 })
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
    resolveKD(kd, teachers.length); // a bad combination is reported before any data is read
    const out =
      (o.out as string | undefined) ?? defaultOut('distill', o.model as string, o.seed as number);
    const outcome = await runTraining(
      { command: 'distill', config: configFrom(o), kd, teachers },
      out,
      runOptions(o),
    );
    report(outcome, Boolean(o.json));
  });
}
