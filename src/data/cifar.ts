// The CIFAR-10 binary format (https://www.cs.toronto.edu/~kriz/cifar.html): every record is
// 3073 bytes — one label byte (0-9), then 1024 red, 1024 green, 1024 blue bytes, each channel a
// row-major 32x32 image. Files: data_batch_1.bin ... data_batch_5.bin, test_batch.bin,
// and batches.meta.txt with the class names.
export const RECORD_BYTES = 3073;
export const IMAGE_BYTES = 3072;
export const NUM_CLASSES = 10;
export const CLASS_NAMES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

export interface CifarSet {
  /** N x 3072 bytes, CHW order per image (as stored). */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Parses one batch file; `source` names the file in errors. */
export function parseCifarBatch(bytes: Uint8Array, source = '<buffer>'): CifarSet {
  if (bytes.length === 0)
    throw new Error(`${source}: the file is empty (0 bytes, no CIFAR-10 record)`);
  if (bytes.length % RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / RECORD_BYTES);
    throw new Error(
      `${source}: size ${bytes.length} bytes is not a multiple of the ${RECORD_BYTES}-byte CIFAR-10 record; record ${whole} (at byte offset ${whole * RECORD_BYTES}) is cut short after ${bytes.length - whole * RECORD_BYTES} bytes`,
    );
  }
  const count = bytes.length / RECORD_BYTES;
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * RECORD_BYTES;
    const label = bytes[at]!;
    if (label >= NUM_CLASSES)
      throw new Error(`${source}: record ${i} (byte offset ${at}) has label ${label}, outside 0-9`);
    labels[i] = label;
    images.set(bytes.subarray(at + 1, at + RECORD_BYTES), i * IMAGE_BYTES);
  }
  return { images, labels, count };
}

/** Encodes images and labels as a CIFAR-10 batch file (used by tests to build fixtures). */
export function encodeCifarBatch(set: CifarSet): Uint8Array {
  const out = new Uint8Array(set.count * RECORD_BYTES);
  for (let i = 0; i < set.count; i++) {
    out[i * RECORD_BYTES] = set.labels[i]!;
    out.set(set.images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), i * RECORD_BYTES + 1);
  }
  return out;
}

export function concatSets(sets: readonly CifarSet[]): CifarSet {
  const count = sets.reduce((n, s) => n + s.count, 0);
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const s of sets) {
    images.set(s.images, at * IMAGE_BYTES);
    labels.set(s.labels, at);
    at += s.count;
  }
  return { images, labels, count };
}

/** The first n images (a view, no copy). */
export function takeFirst(set: CifarSet, n: number): CifarSet {
  const count = Math.min(n, set.count);
  return {
    images: set.images.subarray(0, count * IMAGE_BYTES),
    labels: set.labels.subarray(0, count),
    count,
  };
}
