// Shared pieces of the CLI commands: option parsing helpers, data loading, model checkpoints.
import { InvalidArgumentError, type Command } from 'commander';
import {
  DEFAULT_DIRS,
  loadCifarSplit,
  missingTrainingFiles,
  resolveCifarDir,
} from '../data/folder.js';
import { channelStats, type Normalization } from '../data/transforms.js';
import type { CifarSet } from '../data/cifar.js';
import { buildModel } from '../models/zoo.js';
import { loadModule } from '../nn/checkpoint.js';
import type { ZooModel } from '../models/zoo.js';
import { Generator } from '../tensor/random.js';
import type { TrainConfig } from '../train/config.js';

export const int =
  (name: string) =>
  (v: string): number => {
    // decimal digits only: Number() would also take '0x1', '1e3' and ' 5 '
    const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${name} must be an integer, got ${JSON.stringify(v)}`);
    return n;
  };
export const positiveInt =
  (name: string) =>
  (v: string): number => {
    const n = int(name)(v);
    if (n < 1)
      throw new InvalidArgumentError(
        `${name} must be a positive integer, got ${JSON.stringify(v)}`,
      );
    return n;
  };
export const nonNegativeInt =
  (name: string) =>
  (v: string): number => {
    const n = int(name)(v);
    if (n < 0)
      throw new InvalidArgumentError(`${name} must be an integer >= 0, got ${JSON.stringify(v)}`);
    return n;
  };
export const num =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n))
      throw new InvalidArgumentError(`${name} must be a number, got ${JSON.stringify(v)}`);
    return n;
  };
export const oneOf =
  <T extends string>(name: string, values: readonly T[]) =>
  (v: string): T => {
    if (!values.includes(v as T))
      throw new InvalidArgumentError(
        `${name} must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`,
      );
    return v as T;
  };
export const list =
  (name: string) =>
  (v: string): number[] =>
    v.split(',').map((x) => num(name)(x));
/** --crop-fill: 'mean', one pixel value, or r,g,b (0-255). */
export const fillOption = (v: string): number[] | 'mean' => {
  if (v.trim() === 'mean') return 'mean';
  const raw = v.split(',');
  const parts = raw.map((x) => Number(x.trim()));
  // an empty part ('1,,2', ',,') is a typo, not a 0
  if (
    (parts.length !== 1 && parts.length !== 3) ||
    raw.some((x) => !/\S/.test(x)) ||
    parts.some((x) => !(x >= 0 && x <= 255))
  ) {
    throw new InvalidArgumentError(
      `--crop-fill must be 'mean', a pixel value 0-255 or r,g,b, got ${JSON.stringify(v)}`,
    );
  }
  return parts.length === 1 ? [parts[0]!, parts[0]!, parts[0]!] : parts;
};

/** The random crop's torchvision options, on every training command. */
export function addCropOptions(cmd: Command): Command {
  return cmd
    .option(
      '--crop-padding-mode <mode>',
      "random crop padding: constant | edge | reflect | symmetric (torchvision's padding_mode)",
      oneOf('--crop-padding-mode', ['constant', 'edge', 'reflect', 'symmetric'] as const),
      'constant',
    )
    .option(
      '--crop-fill <colour>',
      "constant padding colour: a pixel value, r,g,b, or mean (the data set's mean colour) " +
        '(default: 0, black, as torchvision)',
      fillOption,
    );
}

/** The shared training budget of the studies (sweep, demo, compare): every run gets the same. */
export function addStudyOptions(cmd: Command): Command {
  cmd
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'), 64)
    .option('--lr <x>', 'peak learning rate', num('--lr'), 0.05)
    .option(
      '--optimizer <name>',
      'sgd | adam | adamw',
      oneOf('--optimizer', ['sgd', 'adam', 'adamw'] as const),
      'sgd',
    )
    .option(
      '--lr-schedule <name>',
      'onecycle | cosine | constant',
      oneOf('--lr-schedule', ['onecycle', 'cosine', 'constant'] as const),
      'onecycle',
    )
    .option('--weight-decay <x>', 'weight decay', num('--weight-decay'), 5e-4)
    .option(
      '--clip-grad-norm <x>',
      'clip the global gradient norm (keeps high T stable; 0: off)',
      num('--clip-grad-norm'),
      5,
    )
    .option('--augment', 'random crop + flip (the teachers then run on every batch; default: off)')
    .option(
      '--no-augment',
      'no random crop / flip (the default here: teacher logits are computed once)',
    );
  return addCropOptions(cmd)
    .option(
      '--train-limit <n>',
      'first N training images (0: all)',
      nonNegativeInt('--train-limit'),
      0,
    )
    .option('--test-limit <n>', 'first N test images (0: all)', nonNegativeInt('--test-limit'), 0);
}

/** What addStudyOptions parses: the shared budget of every run of a study. */
export interface StudyCli {
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'sgd' | 'adam' | 'adamw';
  lrSchedule: 'onecycle' | 'cosine' | 'constant';
  weightDecay: number;
  clipGradNorm: number;
  augment?: boolean;
  cropPaddingMode: 'constant' | 'edge' | 'reflect' | 'symmetric';
  cropFill: number[] | 'mean';
  trainLimit: number;
  testLimit: number;
}

/** A study's training budget (SGD momentum 0.9, Nesterov; no augmentation unless --augment). */
export function studyConfig(o: StudyCli): Omit<TrainConfig, 'model' | 'seed'> {
  return {
    epochs: o.epochs,
    batchSize: o.batchSize,
    lr: o.lr,
    optimizer: o.optimizer,
    momentum: 0.9,
    nesterov: true,
    weightDecay: o.weightDecay,
    schedule: o.lrSchedule,
    augment: o.augment ?? false,
    cropPaddingMode: o.cropPaddingMode,
    cropFill: o.cropFill,
    clipGradNorm: o.clipGradNorm,
    trainLimit: o.trainLimit,
    testLimit: o.testLimit,
  };
}

export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export interface Data {
  dir: string;
  train: CifarSet;
  test: CifarSet;
  norm: Normalization;
}

export interface AutoDownload {
  url: string;
  md5: string;
  log(line: string): void;
}

/**
 * The data folder's train and test splits; normalisation statistics come from the training split.
 * With `download` (what `npm start` does), a machine with no data folder and no --data or
 * $CIFAR10_DIR gets the official archive in ./data first.
 */
export async function loadData(dataOption?: string, download?: AutoDownload): Promise<Data> {
  let dir: string;
  try {
    dir = await resolveCifarDir(dataOption);
  } catch (e) {
    if (!download || dataOption || process.env.CIFAR10_DIR) throw e;
    download.log(
      `No CIFAR-10 folder found (${DEFAULT_DIRS.map((d) => `./${d}`).join(', ')}): downloading ${download.url} into ./data`,
    );
    const { downloadCifar10 } = await import('../data/download.js');
    let shown = -1;
    try {
      dir = await downloadCifar10({
        url: download.url,
        md5: download.md5,
        dest: 'data',
        onProgress: (got, total) => {
          const pct = total ? Math.floor((100 * got) / total) : -1;
          if (total && pct >= shown + 10) {
            shown = pct - (pct % 10);
            download.log(`  ${shown}% of ${(total / 1e6).toFixed(0)} MB`);
          }
        },
      });
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\nWithout network: copy the official CIFAR-10 binary files into ./data/cifar-10-batches-bin, or point CIFAR10_DIR (or --data) at a folder that holds them.`,
        { cause: err },
      );
    }
    download.log(`CIFAR-10 is in ${dir}`);
  }
  const [train, test] = await Promise.all([
    loadCifarSplit(dir, 'train'),
    loadCifarSplit(dir, 'test'),
  ]);
  const missing = await missingTrainingFiles(dir);
  if (missing.length) {
    // the shared subset is one file on purpose; a half-unpacked download is not: either way, say so
    process.stderr.write(
      `note: ${dir} lacks ${missing.join(', ')} of the 5 official training files: training uses ${train.count.toLocaleString('en-US')} images\n`,
    );
  }
  return { dir, train, test, norm: channelStats(train) };
}

/** A zoo model with weights from a checkpoint (model name from --model or the file's metadata). */
/**
 * A zoo model loaded from a checkpoint. `flag` is the option that names the model when the
 * checkpoint does not (or null where the command has none); weights that are not finite are an
 * error naming the file and the weight, never a "diverged" training run later.
 */
export async function loadZooModel(
  path: string,
  name?: string,
  flag: string | null = '--teacher-model',
): Promise<{ model: ZooModel; name: string }> {
  const { loadSafetensors } = await import('../nn/safetensors.js');
  const meta = (await loadSafetensors(path)).metadata;
  const modelName = name ?? meta.kdgrad_model;
  if (!modelName) {
    const how = flag
      ? `pass the model name with ${flag} (e.g. ${flag} vgg-teacher)`
      : 'it was not written by kdgrad train or saveModule with a kdgrad_model entry';
    throw new Error(`${path}: the checkpoint does not say which model it holds; ${how}`);
  }
  const model = buildModel(modelName, { generator: new Generator(0) });
  await loadModule(model, path);
  for (const [key, t] of Object.entries(model.stateDict())) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') continue;
    const d = t.storage.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i]!))
        throw new Error(
          `${path}: weight ${key} holds ${d[i]} (element ${i}): the checkpoint is broken`,
        );
    }
  }
  model.eval();
  return { model, name: modelName };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
