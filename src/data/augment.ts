// Seeded augmentation, as torchvision's RandomCrop(32, padding=4, fill, padding_mode) then
// RandomHorizontalFlip(): the crop window is drawn in the padded image, then flipped with p = 0.5.
// torchvision's default pads with black (fill 0 before normalisation); 'mean' pads with the data
// set's mean colour, which normalises to 0.
import { Tensor } from '../autograd/tensor.js';
import { backend, PADDING_MODES, type PaddingMode } from '../tensor/backend/index.js';
import { allocateUninitialized } from '../tensor/buffer-pool.js';
import { TensorData } from '../tensor/storage.js';
import type { Generator } from '../tensor/random.js';
import { IMAGE_BYTES, type CifarSet } from './cifar.js';
import { checkIndices, normalizationTable, type Normalization } from './transforms.js';

export type { PaddingMode };

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
  if (!PADDING_MODES.includes(mode))
    throw new RangeError(
      `augment: paddingMode must be constant, edge, reflect or symmetric, got ${mode}`,
    );
  if (mode !== 'constant' && pad >= 32)
    throw new RangeError(
      `augment: padding ${pad} must be below the image size 32 for ${mode} padding`,
    );
  const fill = fillColour(opts.fill, norm);
  const B = indices.length;
  const picks = new Int32Array(4 * B);
  for (let b = 0; b < B; b++) {
    // drawn per image in this order (dy, dx, flip): a seed gives the same crops on any backend
    const dy = pad ? generator.integer(0, 2 * pad + 1) - pad : 0;
    const dx = pad ? generator.integer(0, 2 * pad + 1) - pad : 0;
    const flip = flipOn && generator.random() < 0.5;
    picks[4 * b] = indices[b]!;
    picks[4 * b + 1] = dy;
    picks[4 * b + 2] = dx;
    picks[4 * b + 3] = flip ? 1 : 0;
  }
  // every pixel is written (reused inside tidy)
  const out = allocateUninitialized('float32', B * IMAGE_BYTES);
  backend.cropImages(
    set.images,
    picks,
    B,
    3,
    32,
    32,
    PADDING_MODES.indexOf(mode),
    normalizationTable(norm, fill),
    out,
  );
  return new Tensor(new TensorData(out, [B, 3, 32, 32]));
}
