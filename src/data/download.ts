// Downloads the official CIFAR-10 binary archive, verifies its MD5, and unpacks it with the
// `tar` package. A partial download is kept as <file>.part and resumed with an HTTP Range
// request; a file with the wrong checksum is deleted, and nothing is unpacked from it.
// Node's modules and `tar` are imported when a download starts, so the engine's entry (and its
// browser bundle) does not depend on them.

export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';

export interface DownloadOptions {
  url?: string;
  md5?: string;
  /** Folder that receives cifar-10-batches-bin/ (default ./data). */
  dest?: string;
  onProgress?(received: number, total: number | null): void;
  /**
   * Give up when fewer than `minBytesPerSecond` × `windowSeconds` bytes arrived in the last
   * `windowSeconds` (a server that never answers, or trickles): defaults 30 s and 1024 bytes/s.
   * What arrived is kept, and a rerun resumes.
   */
  windowSeconds?: number;
  minBytesPerSecond?: number;
}

const nodeModules = async () => ({
  crypto: await import('node:crypto'),
  fs: await import('node:fs'),
  fsp: await import('node:fs/promises'),
  path: await import('node:path'),
  stream: await import('node:stream'),
  streamp: await import('node:stream/promises'),
});
type NodeModules = Awaited<ReturnType<typeof nodeModules>>;

async function md5Of(n: NodeModules, path: string): Promise<string> {
  const hash = n.crypto.createHash('md5');
  await n.streamp.pipeline(n.fs.createReadStream(path), hash);
  return hash.digest('hex');
}

/** An HTTP status that is not success: said as it is, not as a network failure. */
class HttpError extends Error {}

/** A network failure as a sentence: what failed, why (fetch's cause), and that a rerun resumes. */
function networkError(n: NodeModules, url: string, e: unknown, part: string): Error {
  const err = e as NodeJS.ErrnoException & { cause?: { code?: string; message?: string } };
  // not the network: a URL fetch cannot parse, or the file being written
  if (err instanceof TypeError && /parse URL|Invalid URL/i.test(err.message))
    return new Error(`download: ${JSON.stringify(url)} is not a valid URL`, { cause: e });
  if (err.syscall && err.path)
    return new Error(`download: cannot write ${err.path} (${err.code ?? err.message})`, {
      cause: e,
    });
  if (err instanceof HttpError) return err;
  const why = err.cause?.code ?? err.cause?.message ?? err.message;
  const kept = n.fs.existsSync(part) && n.fs.statSync(part).size > 0;
  return new Error(
    `download of ${url} failed (${why}); ${kept ? `what arrived is kept in ${part}: run the same command again to resume` : 'nothing arrived: run the same command again when the network is back'}`,
  );
}

/** Fetches url into `file`, resuming from file.part when the server honours Range. */
async function fetchTo(
  n: NodeModules,
  url: string,
  file: string,
  opts: DownloadOptions,
): Promise<void> {
  const onProgress = opts.onProgress;
  const part = `${file}.part`;
  const have = n.fs.existsSync(part) ? n.fs.statSync(part).size : 0;
  // the watchdog: every window, at least minBytesPerSecond × window bytes must have arrived
  const windowS = opts.windowSeconds ?? 30;
  const minRate = opts.minBytesPerSecond ?? 1024;
  const abort = new AbortController();
  let inWindow = 0;
  let slow: Error | null = null;
  const timer = setInterval(() => {
    if (inWindow < minRate * windowS) {
      slow = new Error(
        inWindow === 0
          ? `no data for ${windowS} s`
          : `only ${inWindow} bytes in ${windowS} s (under ${minRate} bytes/s)`,
      );
      abort.abort(slow);
    }
    inWindow = 0;
  }, windowS * 1000);
  try {
    await fetchBody(n, url, file, part, have, abort.signal, onProgress, (bytes) => {
      inWindow += bytes;
    });
  } catch (e) {
    throw networkError(n, url, slow ?? e, part);
  } finally {
    clearInterval(timer);
  }
}

async function fetchBody(
  n: NodeModules,
  url: string,
  file: string,
  part: string,
  have: number,
  signal: AbortSignal,
  onProgress: DownloadOptions['onProgress'],
  onBytes: (bytes: number) => void,
): Promise<void> {
  const res = await fetch(url, { headers: have ? { Range: `bytes=${have}-` } : {}, signal });
  // 416: the .part already holds the whole file (a run stopped between the last byte and the rename)
  if (res.status === 416 && have > 0) {
    await n.fsp.rename(part, file);
    return;
  }
  if (!res.ok || !res.body)
    throw new HttpError(`download of ${url} failed: HTTP ${res.status} ${res.statusText}`);
  const resumed = have > 0 && res.status === 206;
  const length = Number(res.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(length) ? length + (resumed ? have : 0) : null;
  let received = resumed ? have : 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      received += chunk.byteLength;
      onBytes(chunk.byteLength);
      onProgress?.(received, total);
      ctl.enqueue(chunk);
    },
  });
  await n.streamp.pipeline(
    n.stream.Readable.fromWeb(res.body.pipeThrough(counter) as never),
    n.fs.createWriteStream(part, { flags: resumed ? 'a' : 'w' }),
  );
  await n.fsp.rename(part, file);
}

/** Downloads, checks and unpacks; returns the folder holding the .bin files. */
export async function downloadCifar10(opts: DownloadOptions = {}): Promise<string> {
  const url = opts.url ?? CIFAR10_URL;
  const md5 = (opts.md5 ?? CIFAR10_MD5).toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(md5))
    throw new RangeError(`md5 must be 32 hexadecimal digits, got ${JSON.stringify(opts.md5)}`);
  const dest = opts.dest ?? 'data';
  const n = await nodeModules();
  const { join } = n.path;
  await n.fsp.mkdir(dest, { recursive: true });
  const archive = join(dest, 'cifar-10-binary.tar.gz');
  if (!n.fs.existsSync(archive)) await fetchTo(n, url, archive, opts);
  const got = await md5Of(n, archive);
  if (got !== md5) {
    await n.fsp.rm(archive, { force: true });
    await n.fsp.rm(`${archive}.part`, { force: true });
    throw new Error(
      `${archive}: MD5 ${got} does not match the expected ${md5}; the file was deleted and nothing was unpacked. Run the command again to download it anew.`,
    );
  }
  const tar = await import('tar');
  try {
    await tar.x({ file: archive, cwd: dest, strict: true });
  } catch (e) {
    throw new Error(`${archive}: cannot unpack (${(e as Error).message})`, { cause: e });
  }
  const dir = join(dest, 'cifar-10-batches-bin');
  if (!n.fs.existsSync(join(dir, 'test_batch.bin')))
    throw new Error(
      `${archive}: unpacked, but ${dir}/test_batch.bin is missing; is this the CIFAR-10 binary archive?`,
    );
  return dir;
}
