// Finding and reading a CIFAR-10 folder on disk (Node only: fs is imported lazily so the
// browser bundle never needs it).
import { concatSets, parseCifarBatch, RECORD_BYTES, type CifarSet, CLASS_NAMES } from './cifar.js';

export const DEFAULT_DIRS = ['data/cifar-10-batches-bin', '../shared/data/cifar-10-batches-bin'];

/**
 * The data folder: `explicit` (--data), else $CIFAR10_DIR, else ./data/cifar-10-batches-bin,
 * else ../shared/data/cifar-10-batches-bin (relative to cwd). The error says how to get data.
 */
export async function resolveCifarDir(explicit?: string, cwd = process.cwd()): Promise<string> {
  const { existsSync } = await import('node:fs');
  const { resolve, join } = await import('node:path');
  const candidates = explicit
    ? [explicit]
    : process.env.CIFAR10_DIR
      ? [process.env.CIFAR10_DIR]
      : DEFAULT_DIRS;
  for (const c of candidates) {
    const dir = resolve(cwd, c);
    if (existsSync(join(dir, 'test_batch.bin')) || existsSync(join(dir, 'data_batch_1.bin')))
      return dir;
  }
  const where = explicit
    ? `--data ${explicit}`
    : process.env.CIFAR10_DIR
      ? `CIFAR10_DIR=${process.env.CIFAR10_DIR}`
      : DEFAULT_DIRS.map((d) => `./${d}`).join(' or ');
  throw new Error(
    `No CIFAR-10 data found at ${where} (looked for data_batch_*.bin / test_batch.bin).\n` +
      'Get it with `npx kdgrad download` (fetches the official cifar-10-binary.tar.gz into ./data), ' +
      'or point CIFAR10_DIR (or --data) at a folder holding the official binary files.',
  );
}

/**
 * Reads the training files (data_batch_1..5.bin, in numeric order) or test_batch.bin of a folder.
 * Another data_batch_*.bin (data_batch_6.bin, data_batch_01.bin) or two files with the same
 * bytes are errors naming them: training on them would count images twice, silently.
 */
export async function loadCifarSplit(dir: string, split: 'train' | 'test'): Promise<CifarSet> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { createHash } = await import('node:crypto');
  const names = (await fs.readdir(dir))
    .filter((f) => (split === 'train' ? /^data_batch_\d+\.bin$/.test(f) : f === 'test_batch.bin'))
    .sort((a, b) => Number(a.match(/\d+/)?.[0] ?? 0) - Number(b.match(/\d+/)?.[0] ?? 0));
  const foreign = names.filter((f) => split === 'train' && !/^data_batch_[1-5]\.bin$/.test(f));
  if (foreign.length)
    throw new Error(
      `${dir}: ${foreign.join(', ')} ${foreign.length === 1 ? 'is not an' : 'are not'} official CIFAR-10 training file${foreign.length === 1 ? '' : 's'} (data_batch_1.bin … data_batch_5.bin); move ${foreign.length === 1 ? 'it' : 'them'} out of the folder`,
    );
  if (!names.length)
    throw new Error(
      `${dir}: no ${split === 'train' ? 'data_batch_*.bin' : 'test_batch.bin'} file for the ${split} split`,
    );
  const sets = await Promise.all(
    names.map(async (n) => {
      const path = join(dir, n);
      // only regular files, and no bigger than all of CIFAR-10: a FIFO would hang, /dev/zero never end
      const st = await fs.stat(path);
      if (!st.isFile())
        throw new Error(
          `${path}: not a regular file (${st.isDirectory() ? 'a directory' : 'a device, pipe or socket'})`,
        );
      if (st.size > MAX_FILE_BYTES)
        throw new Error(
          `${path}: ${st.size} bytes is more than all of CIFAR-10 (${MAX_FILE_BYTES} bytes); is this a CIFAR-10 batch file?`,
        );
      const bytes = new Uint8Array(await fs.readFile(path));
      return {
        set: parseCifarBatch(bytes, path),
        digest: createHash('sha1').update(bytes).digest('hex'),
        path,
      };
    }),
  );
  const seen = new Map<string, string>();
  for (const s of sets) {
    const first = seen.get(s.digest);
    if (first)
      throw new Error(`${s.path} holds the same bytes as ${first}: a batch file is there twice`);
    seen.set(s.digest, s.path);
  }
  return concatSets(sets.map((s) => s.set));
}

/** 60,000 records: the whole data set in one file is the most a batch file can hold. */
export const MAX_FILE_BYTES = 60_000 * RECORD_BYTES;

/** The official training files (data_batch_1..5.bin) that a folder lacks. */
export async function missingTrainingFiles(dir: string): Promise<string[]> {
  const fs = await import('node:fs/promises');
  const have = new Set(await fs.readdir(dir));
  return [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).filter((f) => !have.has(f));
}

/** Class names from batches.meta.txt (one per line), or the standard names if the file is absent. */
export async function loadClassNames(dir: string): Promise<string[]> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  try {
    const names = (await fs.readFile(join(dir, 'batches.meta.txt'), 'utf8'))
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter(Boolean);
    if (names.length !== 10)
      throw new Error(
        `${join(dir, 'batches.meta.txt')}: expected 10 class names, found ${names.length}`,
      );
    return names;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [...CLASS_NAMES];
    throw e;
  }
}
