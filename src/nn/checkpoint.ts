// A module's state dict to and from a safetensors file, with PyTorch's key names.
import type { Module, LoadResult } from './module.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';

/** BatchNorm's counter is int64 in PyTorch's state dicts; kdgrad keeps it as int32 in memory. */
export const int64Keys = (state: Record<string, unknown>): string[] =>
  Object.keys(state).filter(
    (k) => k === 'num_batches_tracked' || k.endsWith('.num_batches_tracked'),
  );

export async function saveModule(
  module: Module,
  path: string,
  metadata: Record<string, string> = {},
): Promise<void> {
  const state = module.stateDict();
  await saveSafetensors(path, state, { format: 'pt', ...metadata }, { int64: int64Keys(state) });
}

/** Loads into `module` (strict by default); returns the file's metadata and the key report. */
export async function loadModule(
  module: Module,
  path: string,
  opts: { strict?: boolean } = {},
): Promise<LoadResult & { metadata: Record<string, string> }> {
  const { tensors, metadata } = await loadSafetensors(path);
  try {
    return { ...module.loadStateDict(tensors, opts), metadata };
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
  }
}
