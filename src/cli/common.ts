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
import { TRAIN_FIELDS, type TrainConfig } from '../train/config.js';
import { addFieldOptions, readFields, type FieldOptionSpec } from './options.js';

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
/** The shared training budget of a study (sweep, demo, compare): every run gets the same. */
const STUDY_SPECS = {
  batchSize: { default: 64 },
  lr: { default: 0.05, help: 'peak learning rate' },
  optimizer: { default: 'sgd' },
  schedule: { default: 'onecycle' },
  weightDecay: { default: 5e-4 },
  clipGradNorm: { default: 5, help: 'clip the global gradient norm (keeps high T stable; 0: off)' },
  augment: {
    default: false,
    help: 'random crop + flip (the teachers then run on every batch; off: their logits are computed once)',
  },
  cropPaddingMode: { default: 'constant' },
  cropFill: {},
  trainLimit: { default: 0 },
  testLimit: { default: 0 },
} satisfies { [K in keyof TrainConfig]?: FieldOptionSpec };

export function addStudyOptions(cmd: Command): Command {
  return addFieldOptions(cmd, TRAIN_FIELDS, STUDY_SPECS);
}

/** What a study's command line parses (its own options besides the shared budget). */
export type StudyCli = Record<string, unknown> & { epochs: number };

/** A study's training budget (SGD momentum 0.9, Nesterov; no augmentation unless --augment). */
export function studyConfig(o: StudyCli): Omit<TrainConfig, 'model' | 'seed'> {
  const budget = readFields(TRAIN_FIELDS, o, STUDY_SPECS) as Omit<
    TrainConfig,
    'model' | 'seed' | 'epochs' | 'momentum' | 'nesterov'
  >;
  return { ...budget, epochs: o.epochs, momentum: 0.9, nesterov: true };
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
