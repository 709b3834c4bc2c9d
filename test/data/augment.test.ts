import { describe, expect, it } from 'vitest';
import { data, Generator } from '../../src/index.js';

const set: data.CifarSet = { images: new Uint8Array(2 * data.IMAGE_BYTES).map((_, i) => i % 251), labels: Uint8Array.of(3, 7), count: 2 };
const norm: data.Normalization = { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] }; // identity on byte values

describe('augmentation and batching', () => {
  it('without crop and flip, augmentedBatch is toImageTensor', () => {
    const a = data.augmentedBatch(set, [1, 0], norm, new Generator(0), { padding: 0, flip: false });
    expect(a.toArray()).toEqual(data.toImageTensor(set, [1, 0], norm).toArray());
  });
  it('is reproducible by seed; crops shift by at most 4 pixels with black padding; flips mirror rows', () => {
    const a = data.augmentedBatch(set, [0, 1], norm, new Generator(5)).toTypedArray();
    expect(data.augmentedBatch(set, [0, 1], norm, new Generator(5)).toTypedArray()).toEqual(a);
    const flipped = data.augmentedBatch(set, [0], norm, new Generator(0), { padding: 0, flip: true });
    const plain = data.toImageTensor(set, [0], norm);
    const f = flipped.toArray() as number[][][][];
    const p = plain.toArray() as number[][][][];
    const mirrored = f[0]![0]![0]!.join() === [...p[0]![0]![0]!].reverse().join();
    const same = f[0]![0]![0]!.join() === p[0]![0]![0]!.join();
    expect(mirrored || same).toBe(true);
    // across many draws every offset in [-4, 4] appears, and zeros come from padding
    const g = new Generator(1);
    let sawZeroRow = false;
    for (let k = 0; k < 40; k++) {
      const img = data.augmentedBatch(set, [0], norm, g, { flip: false }).toArray() as number[][][][];
      if (img[0]![0]![0]!.every((v) => v === 0) || img[0]![0]![31]!.every((v) => v === 0)) sawZeroRow = true;
    }
    expect(sawZeroRow).toBe(true);
  });
  it('the loader covers every index once per epoch, in a seeded order that its state replays', () => {
    const loader = new data.BatchLoader(10, { batchSize: 4, seed: 3 });
    expect(loader.batchesPerEpoch).toBe(3);
    const state = loader.getState();
    const epoch = loader.nextEpoch();
    expect(epoch.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(epoch.flatMap((b) => Array.from(b)).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    loader.setState(state);
    expect(loader.nextEpoch().map((b) => Array.from(b))).toEqual(epoch.map((b) => Array.from(b)));
    expect(() => new data.BatchLoader(0, { batchSize: 4 })).toThrow(/data set is empty/);
    expect(() => new data.BatchLoader(10, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });
});
