import { describe, expect, it } from 'vitest';
import { data, Generator } from '../../src/index.js';
import { learnableSet } from '../helpers/fixtures.js';

const set: data.CifarSet = {
  images: new Uint8Array(2 * data.IMAGE_BYTES).map((_, i) => i % 251),
  labels: Uint8Array.of(3, 7),
  count: 2,
};
const norm: data.Normalization = { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] }; // identity on byte values

describe('augmentation and batching', () => {
  it('without crop and flip, augmentedBatch is toImageTensor', () => {
    const a = data.augmentedBatch(set, [1, 0], norm, new Generator(0), { padding: 0, flip: false });
    expect(a.toArray()).toEqual(data.toImageTensor(set, [1, 0], norm).toArray());
  });
  it('is reproducible by seed; crops shift by at most 4 pixels with black padding; flips mirror rows', () => {
    const a = data.augmentedBatch(set, [0, 1], norm, new Generator(5)).toTypedArray();
    expect(data.augmentedBatch(set, [0, 1], norm, new Generator(5)).toTypedArray()).toEqual(a);
    const flipped = data.augmentedBatch(set, [0], norm, new Generator(0), {
      padding: 0,
      flip: true,
    });
    const plain = data.toImageTensor(set, [0], norm);
    const f = flipped.toArray<number[][][][]>();
    const p = plain.toArray<number[][][][]>();
    const mirrored = f[0]![0]![0]!.join() === [...p[0]![0]![0]!].reverse().join();
    const same = f[0]![0]![0]!.join() === p[0]![0]![0]!.join();
    expect(mirrored || same).toBe(true);
    // across many draws every offset in [-4, 4] appears, and zeros come from padding
    const g = new Generator(1);
    let sawZeroRow = false;
    for (let k = 0; k < 40; k++) {
      const img = data.augmentedBatch(set, [0], norm, g, { flip: false }).toArray<number[][][][]>();
      if (img[0]![0]![0]!.every((v) => v === 0) || img[0]![0]![31]!.every((v) => v === 0))
        sawZeroRow = true;
    }
    expect(sawZeroRow).toBe(true);
  });
  it('the loader covers every index once per epoch, in a seeded order that its state replays', () => {
    const loader = new data.BatchLoader(10, { batchSize: 4, seed: 3 });
    expect(loader.batchesPerEpoch).toBe(3);
    const state = loader.getState();
    const epoch = loader.nextEpoch();
    expect(epoch.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(epoch.flatMap((b) => Array.from(b)).sort((x, y) => x - y)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    loader.setState(state);
    expect(loader.nextEpoch().map((b) => Array.from(b))).toEqual(epoch.map((b) => Array.from(b)));
    expect(() => new data.BatchLoader(0, { batchSize: 4 })).toThrow(/data set is empty/);
    expect(() => new data.BatchLoader(10, { batchSize: 0 })).toThrow(
      /batchSize must be a positive integer/,
    );
  });

  // numpy.pad's modes written out on one row: [a b c d] padded by 2
  //   constant(f) f f a b c d f f | edge a a a b c d d d | reflect c b a b c d c b | symmetric b a a b c d d c
  function padIndex(i: number, n: number, mode: string): number {
    if (i >= 0 && i < n) return i;
    if (mode === 'constant') return -1;
    if (mode === 'edge') return Math.min(Math.max(i, 0), n - 1);
    if (mode === 'reflect') return i < 0 ? -i : 2 * n - 2 - i;
    return i < 0 ? -1 - i : 2 * n - 1 - i;
  }
  it.each(['constant', 'edge', 'reflect', 'symmetric'] as const)(
    "padding mode %s matches numpy.pad's definition, with crop offsets and flips as drawn",
    (mode) => {
      const fill = [10, 20, 30];
      const seed = 11;
      const out = data
        .augmentedBatch(set, [0, 1, 0, 1, 0, 1], norm, new Generator(seed), {
          paddingMode: mode,
          fill,
        })
        .toArray<number[][][][]>();
      // replay the same draws: dy, dx, flip per image
      const g = new Generator(seed);
      out.forEach((img, b) => {
        const dy = g.integer(0, 9) - 4;
        const dx = g.integer(0, 9) - 4;
        const flip = g.random() < 0.5;
        const base = (b % 2) * data.IMAGE_BYTES;
        for (let c = 0; c < 3; c++) {
          for (const y of [0, 1, 15, 30, 31]) {
            for (const x of [0, 1, 16, 30, 31]) {
              const cx = flip ? 31 - x : x;
              const sy = padIndex(y + dy, 32, mode);
              const sx = padIndex(cx + dx, 32, mode);
              const want =
                sy < 0 || sx < 0 ? fill[c]! : set.images[base + c * 1024 + sy * 32 + sx]!;
              expect(img[c]![y]![x], `${mode} b${b} c${c} y${y} x${x}`).toBeCloseTo(want, 4);
            }
          }
        }
      });
    },
  );

  it("fill 'mean' pads with the data set's mean colour, which normalises to 0; bad fills are named", () => {
    const meanNorm: data.Normalization = { mean: [0.2, 0.4, 0.6], std: [0.25, 0.25, 0.25] };
    const black = new Uint8Array(data.IMAGE_BYTES).fill(0);
    const one: data.CifarSet = { images: black, labels: Uint8Array.of(0), count: 1 };
    const g = new Generator(3);
    let sawPad = false;
    for (let k = 0; k < 20 && !sawPad; k++) {
      const img = data
        .augmentedBatch(one, [0], meanNorm, g, { fill: 'mean', flip: false })
        .toArray<number[][][][]>();
      const padded = img[0]!.every((ch) => ch[0]!.every((v) => Math.abs(v) < 1e-6));
      if (padded) sawPad = true;
    }
    expect(sawPad).toBe(true);
    expect(() => data.augmentedBatch(one, [0], norm, g, { fill: [1, 2] })).toThrow(
      /fill needs 1 or 3 values/,
    );
    expect(() => data.augmentedBatch(one, [0], norm, g, { fill: 300 })).toThrow(
      /fill values are pixel values in \[0, 255\], got 300/,
    );
    expect(() => data.augmentedBatch(one, [0], norm, g, { paddingMode: 'wrap' as never })).toThrow(
      /paddingMode must be constant, edge, reflect or symmetric, got wrap/,
    );
  });
});

describe('indices and padding are checked', () => {
  const set = learnableSet(8, 1);
  const norm = data.channelStats(set);
  it('an index outside the set, negative or fractional is refused, naming it', () => {
    for (const bad of [99999, 8, -1, 1.5]) {
      expect(() => data.toImageTensor(set, [0, bad], norm)).toThrow(
        new RegExp(
          `toImageTensor: index ${bad} \\(position 1\\) is not an image of this set: indices are integers in \\[0, 8\\)`,
        ),
      );
      expect(() => data.labelsAt(set, [bad])).toThrow(
        /labelsAt: index .* is not an image of this set/,
      );
      expect(() => data.augmentedBatch(set, [bad], norm, new Generator(1))).toThrow(
        /augmentedBatch: index .* is not an image of this set/,
      );
    }
  });
  it('a padding that is not an integer >= 0 is refused', () => {
    for (const padding of [1.5, -3, Number.NaN]) {
      expect(() => data.augmentedBatch(set, [0], norm, new Generator(1), { padding })).toThrow(
        /augment: padding must be an integer >= 0, got/,
      );
    }
  });
});
