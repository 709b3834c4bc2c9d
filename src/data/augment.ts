// Seeded augmentation, as torchvision's RandomCrop(32, padding=4, fill, padding_mode) then
// RandomHorizontalFlip(): the crop window is drawn in the padded image, then flipped with p = 0.5.
// torchvision's default pads with black (fill 0 before normalisation); 'mean' pads with the data
// set's mean colour, which normalises to 0.
import { Tensor } from '../autograd/tensor.js';
import { allocateUninitialized } from '../tensor/buffer-pool.js';
import { TensorData } from '../tensor/storage.js';
import type { Generator } from '../tensor/random.js';
import { IMAGE_BYTES, type CifarSet } from './cifar.js';
import { checkIndices, type Normalization } from './transforms.js';

export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

export interface AugmentOptions {
  /** Padding of the random crop (default 4); 0 disables cropping. */
  padding?: number;
  /** Horizontal flips with probability 0.5 (default true). */
  flip?: boolean;
  /** torchvision's padding_mode (default 'constant'). */
  paddingMode?: PaddingMode;
  /** constant mode: the padding colour in pixel values 0-255 (one, or one per channel), or 'mean'. Default 0 (black). */
  fill?: number | readonly number[] | 'mean';
}

/** Where a coordinate outside [0, n) reads from: -1 for the fill colour (constant mode). */
function source(i: number, n: number, mode: PaddingMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return i < 0 ? 0 : n - 1;
    case 'reflect':
      return i < 0 ? -i : 2 * (n - 1) - i; // the edge pixel is not repeated
    case 'symmetric':
      return i < 0 ? -i - 1 : 2 * n - 1 - i; // the edge pixel is repeated
  }
}

/** The fill colour per channel in pixel values, from the option. */
export function fillColour(
  fill: AugmentOptions['fill'],
  norm: Normalization,
): [number, number, number] {
  if (fill === undefined) return [0, 0, 0];
  if (fill === 'mean') return norm.mean.map((m) => 255 * m) as [number, number, number];
  const f = typeof fill === 'number' ? [fill, fill, fill] : fill;
  if (f.length !== 3 && f.length !== 1)
    throw new RangeError(`augment: fill needs 1 or 3 values (r, g, b), got ${f.length}`);
  const rgb = (f.length === 1 ? [f[0]!, f[0]!, f[0]!] : f) as [number, number, number];
  for (const v of rgb)
    if (!(v >= 0 && v <= 255))
      throw new RangeError(`augment: fill values are pixel values in [0, 255], got ${v}`);
  return rgb;
}

/** Normalised, augmented images at `indices` as float32 [B, 3, 32, 32]. */
export function augmentedBatch(
  set: CifarSet,
  indices: ArrayLike<number>,
  norm: Normalization,
  generator: Generator,
  opts: AugmentOptions = {},
): Tensor {
  const pad = opts.padding ?? 4;
  if (!Number.isInteger(pad) || pad < 0)
    throw new RangeError(`augment: padding must be an integer >= 0, got ${pad}`);
  checkIndices(set, indices, 'augmentedBatch');
  const flipOn = opts.flip ?? true;
  const mode = opts.paddingMode ?? 'constant';
  if (!['constant', 'edge', 'reflect', 'symmetric'].includes(mode))
    throw new RangeError(
      `augment: paddingMode must be constant, edge, reflect or symmetric, got ${mode}`,
    );
  if (mode !== 'constant' && pad >= 32)
    throw new RangeError(
      `augment: padding ${pad} must be below the image size 32 for ${mode} padding`,
    );
  const fill = fillColour(opts.fill, norm);
  const out = allocateUninitialized('float32', indices.length * IMAGE_BYTES); // every pixel is written (reused inside tidy)
  // the source column of each output column is worked out once per image, not once per pixel
  const cols = colScratch;
  for (let b = 0; b < indices.length; b++) {
    const dy = pad ? generator.integer(0, 2 * pad + 1) - pad : 0;
    const dx = pad ? generator.integer(0, 2 * pad + 1) - pad : 0;
    const flip = flipOn && generator.random() < 0.5;
    const src = indices[b]! * IMAGE_BYTES;
    for (let x = 0; x < 32; x++) cols[x] = source((flip ? 31 - x : x) + dx, 32, mode);
    for (let c = 0; c < 3; c++) {
      const scale = 1 / (255 * norm.std[c]!);
      const shift = norm.mean[c]! / norm.std[c]!;
      const plane = src + c * 1024;
      const filled = fill[c]! * scale - shift;
      for (let y = 0; y < 32; y++) {
        const sy = source(y + dy, 32, mode);
        const o = b * IMAGE_BYTES + c * 1024 + y * 32;
        if (sy < 0) {
          out.fill(filled, o, o + 32);
          continue;
        }
        const row = plane + sy * 32;
        for (let x = 0; x < 32; x++) {
          const sx = cols[x]!;
          out[o + x] = sx >= 0 ? set.images[row + sx]! * scale - shift : filled;
        }
      }
    }
  }
  return new Tensor(new TensorData(out, [indices.length, 3, 32, 32]));
}

// one row's source columns, reused by every call
const colScratch = new Int32Array(32);
