// Turning CIFAR bytes into normalised float tensors.
import { Tensor } from '../autograd/tensor.js';
import { backend } from '../tensor/backend/index.js';
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
  const B = indices.length;
  const picks = new Int32Array(4 * B);
  for (let b = 0; b < B; b++) picks[4 * b] = indices[b]!;
  // every pixel is written (reused inside tidy)
  const out = allocateUninitialized('float32', B * IMAGE_BYTES);
  backend.cropImages(set.images, picks, B, 3, 32, 32, 0, normalizationTable(norm), out);
  return new Tensor(new TensorData(out, [B, 3, 32, 32]));
}

/**
 * (v/255 − mean_c) / std_c for every byte value v of each channel, computed as v·scale − shift in
 * float64 and rounded once to float32: rows of 257, the last the fill colour (pixel values, default
 * black) normalised the same way. Backend.cropImages reads pixels through it.
 */
export function normalizationTable(
  norm: Normalization,
  fill: readonly [number, number, number] = [0, 0, 0],
): Float32Array {
  const table = new Float32Array(3 * 257);
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * norm.std[c]!);
    const shift = norm.mean[c]! / norm.std[c]!;
    for (let v = 0; v < 256; v++) table[c * 257 + v] = v * scale - shift;
    table[c * 257 + 256] = fill[c]! * scale - shift;
  }
  return table;
}

export function labelsAt(set: CifarSet, indices: ArrayLike<number>): Int32Array {
  checkIndices(set, indices, 'labelsAt');
  return Int32Array.from({ length: indices.length }, (_, i) => set.labels[indices[i]!]!);
}
