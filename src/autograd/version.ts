// In-place modification after use in a graph, detected as PyTorch does: every array has a version
// that in-place writers (optimizer steps, loadStateDict) bump, each graph node records its inputs'
// versions when it is made, and backward refuses a node whose input changed since (the gradient
// would be taken at the new values, silently).
import type { TensorData } from '../tensor/storage.js';

const versions = new WeakMap<object, number>();

/** How many times the array behind `t` was modified in place. */
export const versionOf = (t: TensorData): number => versions.get(t.rawData) ?? 0;

/** Records an in-place write into the array behind `t` (and every view of it). */
export function bumpVersion(t: TensorData): void {
  versions.set(t.rawData, versionOf(t) + 1);
}
