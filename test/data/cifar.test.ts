// The reader on fixtures built here, in the official format, and every bad-file case.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { data } from '../../src/index.js';
import { hasSharedCifar, SHARED_CIFAR } from '../helpers/cifar.js';

const dir = mkdtempSync(join(tmpdir(), 'kdgrad-cifar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fixture(count: number, seed = 1): data.CifarSet {
  const images = new Uint8Array(count * data.IMAGE_BYTES).map((_, i) => (i * 31 + seed * 7) % 256);
  const labels = new Uint8Array(count).map((_, i) => (i + seed) % 10);
  return { images, labels, count };
}

describe('CIFAR-10 binary format', () => {
  it('encode -> parse round trip keeps every label and pixel', () => {
    const set = fixture(5);
    const bytes = data.encodeCifarBatch(set);
    expect(bytes.length).toBe(5 * 3073);
    expect(bytes[3073]).toBe(set.labels[1]); // label byte first in each record
    const back = data.parseCifarBatch(bytes);
    expect(back.count).toBe(5);
    expect(back.labels).toEqual(set.labels);
    expect(back.images).toEqual(set.images);
  });

  it('rejects a size that is not a multiple of 3073, naming the file and the cut record', () => {
    const bytes = data.encodeCifarBatch(fixture(3)).subarray(0, 3073 * 2 + 100);
    expect(() => data.parseCifarBatch(bytes, 'x.bin')).toThrow(
      /x.bin: size 6246 bytes is not a multiple of the 3073-byte CIFAR-10 record; record 2 \(at byte offset 6146\) is cut short after 100 bytes/,
    );
  });

  it('refuses empty files, directories, devices and files bigger than all of CIFAR-10, naming the path', async () => {
    expect(() => data.parseCifarBatch(new Uint8Array(0), 'test_batch.bin')).toThrow(
      /test_batch\.bin: the file is empty \(0 bytes/,
    );
    const bad = join(dir, 'bad-files');
    mkdirSync(join(bad, 'data_batch_1.bin'), { recursive: true });
    writeFileSync(join(bad, 'test_batch.bin'), new Uint8Array(0));
    await expect(data.loadCifarSplit(bad, 'train')).rejects.toThrow(
      /data_batch_1\.bin: not a regular file \(a directory\)/,
    );
    await expect(data.loadCifarSplit(bad, 'test')).rejects.toThrow(
      /test_batch\.bin: the file is empty/,
    );
    const dev = join(dir, 'dev-files');
    mkdirSync(dev);
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/dev/zero', join(dev, 'test_batch.bin'));
    await expect(data.loadCifarSplit(dev, 'test')).rejects.toThrow(
      /test_batch\.bin: not a regular file \(a device, pipe or socket\)/,
    );
    const { truncateSync } = await import('node:fs');
    const big = join(dir, 'big-files');
    mkdirSync(big);
    writeFileSync(join(big, 'test_batch.bin'), '');
    truncateSync(join(big, 'test_batch.bin'), 60_001 * data.RECORD_BYTES);
    await expect(data.loadCifarSplit(big, 'test')).rejects.toThrow(
      /test_batch\.bin: 184383073 bytes is more than all of CIFAR-10/,
    );
  });

  it('rejects a label outside 0-9, naming the file, record and offset', () => {
    const bytes = data.encodeCifarBatch(fixture(3));
    bytes[3073 * 2] = 12;
    expect(() => data.parseCifarBatch(bytes, 'y.bin')).toThrow(
      /y.bin: record 2 \(byte offset 6146\) has label 12, outside 0-9/,
    );
  });

  it('reads every data_batch_N.bin of a folder in numeric order, and test_batch.bin', async () => {
    const folder = join(dir, 'full');
    mkdirSync(folder);
    writeFileSync(join(folder, 'data_batch_2.bin'), data.encodeCifarBatch(fixture(2, 2)));
    writeFileSync(join(folder, 'data_batch_1.bin'), data.encodeCifarBatch(fixture(3, 1)));
    writeFileSync(join(folder, 'test_batch.bin'), data.encodeCifarBatch(fixture(4, 9)));
    writeFileSync(join(folder, 'batches.meta.txt'), `${data.CLASS_NAMES.join('\n')}\n\n`);
    const train = await data.loadCifarSplit(folder, 'train');
    expect(train.count).toBe(5);
    expect(Array.from(train.labels)).toEqual([...fixture(3, 1).labels, ...fixture(2, 2).labels]);
    expect((await data.loadCifarSplit(folder, 'test')).count).toBe(4);
    expect(await data.loadClassNames(folder)).toEqual([...data.CLASS_NAMES]);
    await expect(data.loadCifarSplit(join(dir), 'test')).rejects.toThrow(
      /no test_batch.bin file for the test split/,
    );
  });

  it('refuses a training file that is not data_batch_1..5.bin, and a batch file there twice', async () => {
    const extra = join(dir, 'extra');
    mkdirSync(extra);
    writeFileSync(join(extra, 'data_batch_1.bin'), data.encodeCifarBatch(fixture(3, 1)));
    writeFileSync(join(extra, 'data_batch_6.bin'), data.encodeCifarBatch(fixture(2, 2)));
    await expect(data.loadCifarSplit(extra, 'train')).rejects.toThrow(
      /data_batch_6\.bin is not an official CIFAR-10 training file \(data_batch_1\.bin … data_batch_5\.bin\); move it out of the folder/,
    );
    const twice = join(dir, 'twice');
    mkdirSync(twice);
    writeFileSync(join(twice, 'data_batch_1.bin'), data.encodeCifarBatch(fixture(3, 1)));
    writeFileSync(join(twice, 'data_batch_2.bin'), data.encodeCifarBatch(fixture(3, 1)));
    await expect(data.loadCifarSplit(twice, 'train')).rejects.toThrow(
      /data_batch_2\.bin holds the same bytes as .*data_batch_1\.bin: a batch file is there twice/,
    );
  });

  it('normalises per channel and builds [B, 3, 32, 32] tensors', () => {
    const set = fixture(4);
    const norm = data.channelStats(set);
    const x = data.toImageTensor(set, [0, 1, 2, 3], norm);
    expect(x.shape).toEqual([4, 3, 32, 32]);
    const perChannel = x.transpose(0, 1).reshape(3, -1);
    perChannel
      .mean(1)
      .toArray<number[]>()
      .forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-4));
    perChannel
      .std(1, { correction: 0 })
      .toArray<number[]>()
      .forEach((s) => expect(s).toBeCloseTo(1, 3));
    expect(Array.from(data.labelsAt(set, [2, 0]))).toEqual([set.labels[2], set.labels[0]]);
  });
});

describe('resolving the data folder', () => {
  const saved = process.env.CIFAR10_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.CIFAR10_DIR;
    else process.env.CIFAR10_DIR = saved;
  });

  it('uses --data, then CIFAR10_DIR, and says how to get data when none is found', async () => {
    const folder = join(dir, 'env');
    mkdirSync(folder);
    writeFileSync(join(folder, 'test_batch.bin'), data.encodeCifarBatch(fixture(1)));
    expect(await data.resolveCifarDir(folder)).toBe(folder);
    process.env.CIFAR10_DIR = folder;
    expect(await data.resolveCifarDir()).toBe(folder);
    process.env.CIFAR10_DIR = join(dir, 'nowhere');
    await expect(data.resolveCifarDir()).rejects.toThrow(
      /No CIFAR-10 data found at CIFAR10_DIR=.*nowhere[\s\S]*kdgrad download/,
    );
    delete process.env.CIFAR10_DIR;
    await expect(data.resolveCifarDir(undefined, dir)).rejects.toThrow(
      /\.\/data\/cifar-10-batches-bin or \.\/\.\.\/shared/,
    );
  });

  it.runIf(hasSharedCifar)(
    'reads the shared subset: 10,000 + 10,000 images, 1,000 per class',
    async () => {
      const train = await data.loadCifarSplit(SHARED_CIFAR, 'train');
      expect(train.count).toBe(10_000);
      const counts = new Array(10).fill(0);
      for (const l of train.labels) counts[l]++;
      expect(counts).toEqual(new Array(10).fill(1000));
      expect(await data.loadClassNames(SHARED_CIFAR)).toEqual([...data.CLASS_NAMES]);
    },
  );
});
