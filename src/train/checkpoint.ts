// Checkpoint files of a training run:
//   <out>                      the model's state dict (safetensors, PyTorch key names)
//   <out>.train.safetensors    everything to resume: model, optimizer buffers, and (in the
//                              metadata) the config, schedule, generator states and history
import { Tensor } from '../autograd/tensor.js';
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
  optimizer: { paramGroups: OptimizerState['paramGroups']; scalars: Record<string, Record<string, number>> };
}

export const statePath = (out: string) => `${out}.train.safetensors`;

export async function saveRun(out: string, trainer: Trainer, info: RunInfo): Promise<void> {
  const { state, optimizer } = trainer.snapshot();
  const tensors: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(trainer.model.stateDict())) tensors[`model.${k}`] = v;
  const scalars: Record<string, Record<string, number>> = {};
  for (const [idx, st] of Object.entries(optimizer.state)) {
    for (const [name, v] of Object.entries(st)) {
      if (typeof v === 'number') (scalars[idx] ??= {})[name] = v;
      else tensors[`optim.${idx}.${name}`] = tensor(Float64Array.from(v), { dtype: 'float64' });
    }
  }
  const meta: StateMeta = { ...info, state, optimizer: { paramGroups: optimizer.paramGroups, scalars } };
  await saveSafetensors(statePath(out), tensors, { kdgrad: JSON.stringify(meta) });
  await saveModule(trainer.model, out, { kdgrad_model: info.config.model });
}

export async function loadRunInfo(out: string): Promise<{ meta: StateMeta; tensors: Record<string, Tensor> }> {
  const path = statePath(out);
  const { tensors, metadata } = await loadSafetensors(path);
  if (!metadata.kdgrad) throw new Error(`${path}: not a kdgrad training state (no 'kdgrad' metadata)`);
  return { meta: JSON.parse(metadata.kdgrad) as StateMeta, tensors };
}

/** Restores model, optimizer, schedule and generators saved by saveRun into a fresh trainer. */
export function restoreRun(trainer: Trainer, meta: StateMeta, tensors: Record<string, Tensor>): void {
  const model: Record<string, Tensor> = {};
  const state: OptimizerState['state'] = {};
  for (const [k, v] of Object.entries(tensors)) {
    if (k.startsWith('model.')) model[k.slice(6)] = v;
    else if (k.startsWith('optim.')) {
      const [, idx, name] = k.split('.') as [string, string, string];
      (state[idx] ??= {})[name] = Array.from(v.toTypedArray());
    }
  }
  for (const [idx, st] of Object.entries(meta.optimizer.scalars)) Object.assign((state[idx] ??= {}), st);
  trainer.model.loadStateDict(model);
  trainer.restore({ state: meta.state, optimizer: { state, paramGroups: meta.optimizer.paramGroups } });
}
