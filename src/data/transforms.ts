// Turning CIFAR bytes into normalised float tensors.
import { Tensor } from '../autograd/tensor.js';
import { allocateUninitialized } from '../tensor/buffer-pool.js';
import { TensorData } from '../tensor/storage.js';
import { IMAGE_BYTES, type CifarSet } from './cifar.js';

export interface Normalization {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** Every index must name an image of the set: an integer in [0, count). */
export function checkIndices(set: CifarSet, indices: ArrayLike<number>, op: string): void {
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= set.count)
      throw new RangeError(
        `${op}: index ${v} (position ${i}) is not an image of this set: indices are integers in [0, ${set.count})`,
      );
  }
}

/** Per-channel mean and std of pixel values scaled to [0, 1]. */
export function channelStats(set: CifarSet): Normalization {
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  for (let i = 0; i < set.count; i++) {
    for (let c = 0; c < 3; c++) {
      const base = i * IMAGE_BYTES + c * 1024;
      for (let k = 0; k < 1024; k++) {
        const v = set.images[base + k]! / 255;
        sum[c]! += v;
        sq[c]! += v * v;
      }
    }
  }
  const n = set.count * 1024;
  const mean = sum.map((s) => s / n) as [number, number, number];
  const std = sq.map((s, c) => Math.sqrt(Math.max(s / n - mean[c]! ** 2, 1e-12))) as [
    number,
    number,
    number,
  ];
  return { mean, std };
}

/** Images at `indices` as a float32 [B, 3, 32, 32] tensor, (x/255 − mean) / std per channel. */
export function toImageTensor(
  set: CifarSet,
  indices: ArrayLike<number>,
  norm: Normalization,
): Tensor {
  checkIndices(set, indices, 'toImageTensor');
  const out = allocateUninitialized('float32', indices.length * IMAGE_BYTES); // every pixel is written (reused inside tidy)
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b]! * IMAGE_BYTES;
    for (let c = 0; c < 3; c++) {
      const scale = 1 / (255 * norm.std[c]!);
      const shift = norm.mean[c]! / norm.std[c]!;
      const o = b * IMAGE_BYTES + c * 1024;
      for (let k = 0; k < 1024; k++) out[o + k] = set.images[src + c * 1024 + k]! * scale - shift;
    }
  }
  return new Tensor(new TensorData(out, [indices.length, 3, 32, 32]));
}

export function labelsAt(set: CifarSet, indices: ArrayLike<number>): Int32Array {
  checkIndices(set, indices, 'labelsAt');
  return Int32Array.from({ length: indices.length }, (_, i) => set.labels[indices[i]!]!);
}
