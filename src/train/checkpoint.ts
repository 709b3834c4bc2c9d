// Checkpoint files of a training run:
//   <out>                      the model's state dict (safetensors, PyTorch key names)
//   <out>.train.safetensors    everything to resume: model, optimizer buffers, and (in the
//                              metadata) the config, schedule, generator states and history
import type { Tensor } from '../autograd/tensor.js';
import { tensor } from '../autograd/creation.js';
import { loadSafetensors, saveSafetensors } from '../nn/safetensors.js';
import { saveModule } from '../nn/checkpoint.js';
import type { OptimizerState } from '../nn/optim/optimizer.js';
import type { KDConfig, TrainConfig } from './config.js';
import type { Trainer, TrainState } from './trainer.js';

export interface RunInfo {
  command: 'train' | 'distill';
  config: TrainConfig;
  kd: KDConfig | null;
  teachers: { path: string; model: string }[];
}

interface StateMeta extends RunInfo {
  state: TrainState;
  optimizer: {
    paramGroups: OptimizerState['paramGroups'];
    scalars: Record<string, Record<string, number>>;
  };
}

export const statePath = (out: string) => `${out}.train.safetensors`;

export async function saveRun(out: string, trainer: Trainer, info: RunInfo): Promise<void> {
  const { state, optimizer } = trainer.snapshot();
  const tensors: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(trainer.model.stateDict())) tensors[`model.${k}`] = v;
  // a feature term's regressors are part of the run, not of the student model
  for (const [k, v] of Object.entries(trainer.features?.stateDict() ?? {}))
    tensors[`feature.${k}`] = v;
  const scalars: Record<string, Record<string, number>> = {};
  for (const [idx, st] of Object.entries(optimizer.state)) {
    for (const [name, v] of Object.entries(st)) {
      if (typeof v === 'number') (scalars[idx] ??= {})[name] = v;
      else tensors[`optim.${idx}.${name}`] = tensor(Float64Array.from(v), { dtype: 'float64' });
    }
  }
  const meta: StateMeta = {
    ...info,
    state,
    optimizer: { paramGroups: optimizer.paramGroups, scalars },
  };
  await saveSafetensors(statePath(out), tensors, { kdgrad: JSON.stringify(meta) });
  await saveModule(trainer.model, out, { kdgrad_model: info.config.model });
}

export async function loadRunInfo(
  out: string,
): Promise<{ meta: StateMeta; tensors: Record<string, Tensor> }> {
  const path = statePath(out);
  const { tensors, metadata } = await loadSafetensors(path);
  if (!metadata.kdgrad)
    throw new Error(`${path}: not a kdgrad training state (no 'kdgrad' metadata)`);
  let meta: StateMeta;
  try {
    meta = JSON.parse(metadata.kdgrad) as StateMeta;
  } catch (e) {
    throw new Error(
      `${path}: the 'kdgrad' metadata is not valid JSON (${(e as Error).message}); the training state is corrupt: start again without --resume`,
      { cause: e },
    );
  }
  const problem = stateProblem(meta);
  if (problem)
    throw new Error(
      `${path}: corrupt training state: ${problem}; start again without --resume (or restore the file)`,
    );
  return { meta, tensors };
}

const isInt = (v: unknown, lo: number, hi = Number.MAX_SAFE_INTEGER): v is number =>
  Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isGen = (v: unknown): boolean => {
  const words = (v as { s?: unknown } | null)?.s;
  return (
    Array.isArray(words) &&
    words.length === 4 &&
    words.every((x) => isInt(x, -(2 ** 31), 2 ** 32 - 1))
  );
};

/** What is wrong with a training state's metadata (field and value), or null. */
function stateProblem(m: StateMeta): string | null {
  if (typeof m !== 'object' || m === null) return 'the metadata is not an object';
  if (m.command !== 'train' && m.command !== 'distill')
    return `command is ${JSON.stringify(m.command)}, expected "train" or "distill"`;
  const c = m.config as Partial<TrainConfig> | undefined;
  if (!c || typeof c.model !== 'string' || !isInt(c.epochs, 1) || !isInt(c.batchSize, 1))
    return 'config (model, epochs, batchSize) is missing or invalid';
  if (!Array.isArray(m.teachers) || (m.command === 'distill') !== Boolean(m.kd))
    return 'teachers / kd do not match the command';
  const st = m.state as Partial<TrainState> | undefined;
  if (!st || typeof st !== 'object') return 'state is missing';
  if (!isInt(st.epoch, 0, c.epochs))
    return `state.epoch is ${JSON.stringify(st.epoch)}, expected 0-${c.epochs}`;
  if (!isInt(st.batch, 0))
    return `state.batch is ${JSON.stringify(st.batch)}, expected an integer >= 0`;
  if (!isGen(st.loaderAtEpochStart) || !isGen(st.augment))
    return 'a generator state (loaderAtEpochStart, augment) is missing or invalid';
  const r = st.running;
  if (
    !r ||
    ![r.loss, r.soft, r.hard, r.seconds].every(isNum) ||
    !isInt(r.correct, 0) ||
    !isInt(r.seen, 0) ||
    r.correct > r.seen
  )
    return 'state.running (partial-epoch sums) is missing or invalid';
  if (!Array.isArray(st.history) || st.history.length !== st.epoch)
    return `state.history holds ${Array.isArray(st.history) ? st.history.length : 'no'} epochs, expected ${st.epoch}`;
  if (
    !m.optimizer ||
    !Array.isArray(m.optimizer.paramGroups) ||
    typeof m.optimizer.scalars !== 'object'
  )
    return 'optimizer state is missing';
  return null;
}

/** Restores model, optimizer, schedule and generators saved by saveRun into a fresh trainer. */
export function restoreRun(
  trainer: Trainer,
  meta: StateMeta,
  tensors: Record<string, Tensor>,
): void {
  // the batch index is checked against this run's loader: a tampered one would train on nothing
  if (meta.state.batch > trainer.batchesPerEpoch) {
    throw new Error(
      `corrupt training state: state.batch is ${meta.state.batch}, but an epoch of this run has ${trainer.batchesPerEpoch} batches; start again without --resume`,
    );
  }
  const model: Record<string, Tensor> = {};
  const feature: Record<string, Tensor> = {};
  const state: OptimizerState['state'] = {};
  for (const [k, v] of Object.entries(tensors)) {
    if (k.startsWith('model.')) model[k.slice(6)] = v;
    else if (k.startsWith('feature.')) feature[k.slice(8)] = v;
    else if (k.startsWith('optim.')) {
      const [, idx, name] = k.split('.') as [string, string, string];
      (state[idx] ??= {})[name] = Array.from(v.toTypedArray());
    }
  }
  for (const [idx, st] of Object.entries(meta.optimizer.scalars))
    Object.assign((state[idx] ??= {}), st);
  trainer.model.loadStateDict(model);
  trainer.features?.loadStateDict(feature);
  trainer.restore({
    state: meta.state,
    optimizer: { state, paramGroups: meta.optimizer.paramGroups },
  });
}
