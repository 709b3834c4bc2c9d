// A module's state dict to and from a safetensors file, with PyTorch's key names.
import type { Module, LoadResult } from './module.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';

export async function saveModule(module: Module, path: string, metadata: Record<string, string> = {}): Promise<void> {
  await saveSafetensors(path, module.stateDict(), { format: 'pt', ...metadata });
}

/** Loads into `module` (strict by default); returns the file's metadata and the key report. */
export async function loadModule(module: Module, path: string, opts: { strict?: boolean } = {}): Promise<LoadResult & { metadata: Record<string, string> }> {
  const { tensors, metadata } = await loadSafetensors(path);
  try {
    return { ...module.loadStateDict(tensors, opts), metadata };
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
