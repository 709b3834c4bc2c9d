// Seeded augmentation, as torchvision's RandomCrop(32, padding=4) then RandomHorizontalFlip():
// the crop window is drawn in the zero-padded image (black pixels), then flipped with p = 0.5.
import { Tensor } from '../autograd/tensor.js';
import { allocateUninitialized } from '../tensor/pool.js';
import { TensorData } from '../tensor/storage.js';
import type { Generator } from '../tensor/random.js';
import { IMAGE_BYTES, type CifarSet } from './cifar.js';
import type { Normalization } from './transforms.js';

export interface AugmentOptions {
  /** Padding of the random crop (default 4); 0 disables cropping. */
  padding?: number;
  /** Horizontal flips with probability 0.5 (default true). */
  flip?: boolean;
}

/** Normalised, augmented images at `indices` as float32 [B, 3, 32, 32]. */
export function augmentedBatch(set: CifarSet, indices: ArrayLike<number>, norm: Normalization, generator: Generator, opts: AugmentOptions = {}): Tensor {
  const pad = opts.padding ?? 4;
  const flipOn = opts.flip ?? true;
  const out = allocateUninitialized('float32', indices.length * IMAGE_BYTES); // every pixel is written (reused inside tidy)
  for (let b = 0; b < indices.length; b++) {
    const dy = pad ? generator.integer(0, 2 * pad + 1) - pad : 0;
    const dx = pad ? generator.integer(0, 2 * pad + 1) - pad : 0;
    const flip = flipOn && generator.random() < 0.5;
    const src = indices[b]! * IMAGE_BYTES;
    for (let c = 0; c < 3; c++) {
      const scale = 1 / (255 * norm.std[c]!);
      const shift = norm.mean[c]! / norm.std[c]!;
      const o = b * IMAGE_BYTES + c * 1024;
      for (let y = 0; y < 32; y++) {
        const sy = y + dy;
        for (let x = 0; x < 32; x++) {
          const sx = (flip ? 31 - x : x) + dx;
          const v = sy >= 0 && sy < 32 && sx >= 0 && sx < 32 ? set.images[src + c * 1024 + sy * 32 + sx]! : 0;
          out[o + y * 32 + x] = v * scale - shift;
        }
      }
    }
  }
  return new Tensor(new TensorData(out, [indices.length, 3, 32, 32]));
}
