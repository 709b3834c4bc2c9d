// Shared pieces of the CLI commands: option parsing helpers, data loading, model checkpoints.
import { InvalidArgumentError } from 'commander';
import { loadCifarSplit, resolveCifarDir } from '../data/folder.js';
import { channelStats, type Normalization } from '../data/transforms.js';
import type { CifarSet } from '../data/cifar.js';
import { buildModel } from '../models/zoo.js';
import { loadModule } from '../nn/checkpoint.js';
import type { ZooModel } from '../models/zoo.js';
import { Generator } from '../tensor/random.js';

export const int = (name: string) => (v: string): number => {
  // decimal digits only: Number() would also take '0x1', '1e3' and ' 5 '
  const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got ${JSON.stringify(v)}`);
  return n;
};
export const positiveInt = (name: string) => (v: string): number => {
  const n = int(name)(v);
  if (n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
};
export const nonNegativeInt = (name: string) => (v: string): number => {
  const n = int(name)(v);
  if (n < 0) throw new InvalidArgumentError(`${name} must be an integer >= 0, got ${JSON.stringify(v)}`);
  return n;
};
export const num = (name: string) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
};
export const oneOf = <T extends string>(name: string, values: readonly T[]) => (v: string): T => {
  if (!values.includes(v as T)) throw new InvalidArgumentError(`${name} must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
};
export const list = (name: string) => (v: string): number[] => v.split(',').map((x) => num(name)(x));
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export interface Data { dir: string; train: CifarSet; test: CifarSet; norm: Normalization }

/** The data folder's train and test splits; normalisation statistics come from the training split. */
export async function loadData(dataOption?: string): Promise<Data> {
  const dir = await resolveCifarDir(dataOption);
  const [train, test] = await Promise.all([loadCifarSplit(dir, 'train'), loadCifarSplit(dir, 'test')]);
  return { dir, train, test, norm: channelStats(train) };
}

/** A zoo model with weights from a checkpoint (model name from --model or the file's metadata). */
export async function loadZooModel(path: string, name?: string): Promise<{ model: ZooModel; name: string }> {
  const { loadSafetensors } = await import('../nn/safetensors.js');
  const meta = (await loadSafetensors(path)).metadata;
  const modelName = name ?? meta.kdgrad_model;
  if (!modelName) throw new Error(`${path}: the checkpoint does not say which model it holds; pass the model name (e.g. --teacher-model vgg-teacher)`);
  const model = buildModel(modelName, { generator: new Generator(0) });
  await loadModule(model, path);
  model.eval();
  return { model, name: modelName };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
