// Downloads the official CIFAR-10 binary archive, verifies its MD5, and unpacks it with the
// `tar` package. A partial download is kept as <file>.part and resumed with an HTTP Range
// request; a file with the wrong checksum is deleted, and nothing is unpacked from it.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';

export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';

export interface DownloadOptions {
  url?: string;
  md5?: string;
  /** Folder that receives cifar-10-batches-bin/ (default ./data). */
  dest?: string;
  onProgress?(received: number, total: number | null): void;
}

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Fetches url into `file`, resuming from file.part when the server honours Range. */
async function fetchTo(url: string, file: string, onProgress?: DownloadOptions['onProgress']): Promise<void> {
  const part = `${file}.part`;
  const have = existsSync(part) ? statSync(part).size : 0;
  const res = await fetch(url, { headers: have ? { Range: `bytes=${have}-` } : {} });
  if (!res.ok || !res.body) throw new Error(`download of ${url} failed: HTTP ${res.status} ${res.statusText}`);
  const resumed = have > 0 && res.status === 206;
  const length = Number(res.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(length) ? length + (resumed ? have : 0) : null;
  let received = resumed ? have : 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      received += chunk.byteLength;
      onProgress?.(received, total);
      ctl.enqueue(chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body.pipeThrough(counter) as never), createWriteStream(part, { flags: resumed ? 'a' : 'w' }));
  await rename(part, file);
}

/** Downloads, checks and unpacks; returns the folder holding the .bin files. */
export async function downloadCifar10(opts: DownloadOptions = {}): Promise<string> {
  const url = opts.url ?? CIFAR10_URL;
  const md5 = (opts.md5 ?? CIFAR10_MD5).toLowerCase();
  const dest = opts.dest ?? 'data';
  await mkdir(dest, { recursive: true });
  const archive = join(dest, 'cifar-10-binary.tar.gz');
  if (!existsSync(archive)) await fetchTo(url, archive, opts.onProgress);
  const got = await md5Of(archive);
  if (got !== md5) {
    await rm(archive, { force: true });
    await rm(`${archive}.part`, { force: true });
    throw new Error(`${archive}: MD5 ${got} does not match the expected ${md5}; the file was deleted and nothing was unpacked. Run the command again to download it anew.`);
  }
  await tar.x({ file: archive, cwd: dest, strict: true });
  const dir = join(dest, 'cifar-10-batches-bin');
  if (!existsSync(join(dir, 'test_batch.bin'))) throw new Error(`${archive}: unpacked, but ${dir}/test_batch.bin is missing; is this the CIFAR-10 binary archive?`);
  return dir;
}
