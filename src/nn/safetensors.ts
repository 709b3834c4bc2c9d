// The safetensors format (huggingface/safetensors): 8-byte little-endian header length N,
// N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
// then the raw little-endian tensor bytes. Offsets are relative to the data section, which
// the tensors must cover exactly (no gaps, no overlaps).
import { Tensor } from '../autograd/tensor.js';
import { newArray, type DType } from '../tensor/dtype.js';
import { numel } from '../tensor/shape.js';
import { TensorData } from '../tensor/storage.js';

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

const WRITE: Record<
  DType,
  { code: string; size: number; set: (v: DataView, at: number, x: number) => void }
> = {
  float32: { code: 'F32', size: 4, set: (v, at, x) => v.setFloat32(at, x, true) },
  float64: { code: 'F64', size: 8, set: (v, at, x) => v.setFloat64(at, x, true) },
  int32: { code: 'I32', size: 4, set: (v, at, x) => v.setInt32(at, x, true) },
  bool: { code: 'BOOL', size: 1, set: (v, at, x) => v.setUint8(at, x ? 1 : 0) },
};

const WRITE_I64 = {
  code: 'I64',
  size: 8,
  set: (v: DataView, at: number, x: number) => v.setBigInt64(at, BigInt(x), true),
};

/** Readable dtypes: the target dtype, byte size and reader. F16/BF16 are widened to float32, I64 narrowed to int32. */
const READ: Record<
  string,
  { dtype: DType; size: number; get: (v: DataView, at: number) => number }
> = {
  F32: { dtype: 'float32', size: 4, get: (v, at) => v.getFloat32(at, true) },
  F64: { dtype: 'float64', size: 8, get: (v, at) => v.getFloat64(at, true) },
  F16: { dtype: 'float32', size: 2, get: (v, at) => halfToFloat(v.getUint16(at, true)) },
  BF16: {
    dtype: 'float32',
    size: 2,
    get: (v, at) => new Float32Array(new Uint32Array([v.getUint16(at, true) << 16]).buffer)[0]!,
  },
  I32: { dtype: 'int32', size: 4, get: (v, at) => v.getInt32(at, true) },
  I64: { dtype: 'int32', size: 8, get: (v, at) => Number(v.getBigInt64(at, true)) },
  BOOL: { dtype: 'bool', size: 1, get: (v, at) => v.getUint8(at) },
  U8: { dtype: 'int32', size: 1, get: (v, at) => v.getUint8(at) },
};

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export interface EncodeOptions {
  /** int32 tensors to store as I64 (PyTorch keeps BatchNorm's num_batches_tracked in int64). */
  int64?: Iterable<string>;
}

export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
  opts: EncodeOptions = {},
): Uint8Array {
  // no prototype: a tensor may be called '__proto__' or 'constructor'
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const int64 = new Set(opts.int64 ?? []);
  const writer = (name: string, t: Tensor) =>
    t.dtype === 'int32' && int64.has(name) ? WRITE_I64 : WRITE[t.dtype];
  if (Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata))
      if (typeof v !== 'string')
        throw new TypeError(`safetensors: metadata value for '${k}' must be a string`);
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === '__metadata__')
      throw new RangeError("safetensors: '__metadata__' is reserved and cannot name a tensor");
    const w = writer(name, t);
    const bytes = t.numel() * w.size;
    header[name] = { dtype: w.code, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // align the data section to 8 bytes, counting UTF-8 bytes (a non-ASCII name is several)
  const head = new Uint8Array(json.length + ((8 - ((8 + json.length) % 8)) % 8)).fill(0x20);
  head.set(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const [name, t] of entries) {
    const w = writer(name, t);
    for (const v of t.toTypedArray()) {
      w.set(view, at, v);
      at += w.size;
    }
  }
  return out;
}

/** Parses and validates a safetensors buffer; `source` (a file name) appears in every error. */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new Error(`${source}: not a valid safetensors file: ${msg}`);
  };
  if (bytes.length < 8)
    fail(`it is ${bytes.length} bytes long, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8))
    fail(
      `header length ${n} (bytes 0-7) exceeds the ${bytes.length - 8} bytes that follow (truncated?)`,
    );
  const headerLen = Number(n);
  let header: Record<string, unknown>;
  try {
    header = <Record<string, unknown>>(
      JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)))
    );
  } catch (e) {
    return fail(
      `the JSON header (bytes 8-${8 + headerLen - 1}) does not parse: ${(e as Error).message}`,
    );
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('the header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const spans: [number, number, string][] = [];
  // no prototype: '__proto__' is an ordinary tensor name here (and a strict load reports it)
  const tensors: Record<string, Tensor> = Object.create(null) as Record<string, Tensor>;
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const spec = typeof e?.dtype === 'string' ? READ[e.dtype] : undefined;
    if (!spec)
      fail(
        `tensor '${name}' has unsupported dtype ${JSON.stringify(e?.dtype)} (supported: ${Object.keys(READ).join(', ')})`,
      );
    if (!Array.isArray(e.shape) || !e.shape.every((s) => Number.isInteger(s) && s >= 0))
      fail(`tensor '${name}' has an invalid shape ${JSON.stringify(e.shape)}`);
    const off = e.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((v) => Number.isInteger(v) && v >= 0) ||
      off[0] > off[1]
    ) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    const shape = e.shape as number[];
    const count = numel(shape);
    if (end - begin !== count * spec!.size)
      fail(
        `tensor '${name}' (${String(e.dtype)} ${JSON.stringify(shape)}) needs ${count * spec!.size} bytes but data_offsets span ${end - begin}`,
      );
    if (end > dataLen)
      fail(
        `tensor '${name}' needs bytes ${begin}-${end} of the data section (file offsets ${dataStart + begin}-${dataStart + end}), but only ${dataLen} bytes follow the header: the file is truncated`,
      );
    spans.push([begin, end, name]);
    const data = newArray(spec!.dtype, count);
    for (let i = 0; i < count; i++) data[i] = spec!.get(view, dataStart + begin + i * spec!.size);
    tensors[name] = new Tensor(new TensorData(data, shape));
  }
  spans.sort((a, b) => a[0] - b[0]);
  let expected = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== expected)
      fail(
        `tensor '${name}' starts at data byte ${begin}, expected ${expected} (${begin > expected ? 'a gap' : 'an overlap'})`,
      );
    expected = end;
  }
  if (expected !== dataLen)
    fail(`${dataLen - expected} bytes after the last tensor are not described by the header`);
  return { tensors, metadata };
}

/** `<path>.tmp-<pid>-<time>` files of processes that no longer run (killed during a save). */
async function removeStaleTemps(path: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const { basename, dirname, join } = await import('node:path');
  const prefix = `${basename(path)}.tmp-`;
  const dir = dirname(path);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)-\d+$/.exec(name.slice(prefix.length)) : null;
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = pid === process.pid;
    if (!alive) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (e) {
        alive = (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (!alive) await fs.rm(join(dir, name), { force: true });
  }
}

/** Writes atomically: a temporary file in the same folder, then rename (Node only). */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
  opts: EncodeOptions = {},
): Promise<void> {
  const fs = await import('node:fs/promises');
  const bytes = encodeSafetensors(tensors, metadata, opts);
  await removeStaleTemps(path);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw withPath(e, path);
  }
}

/** Node's file errors (EISDIR, EACCES, ...) do not always name the file: this one does. */
function withPath(e: unknown, path: string): Error {
  const err = e as NodeJS.ErrnoException;
  return err.message?.includes(path)
    ? err
    : Object.assign(new Error(`${path}: ${err.message}`), { code: err.code });
}

export async function loadSafetensors(path: string): Promise<SafetensorsFile> {
  const fs = await import('node:fs/promises');
  const st = await fs.stat(path).catch((e: unknown) => {
    throw withPath(e, path);
  });
  if (!st.isFile())
    throw new Error(
      `${path}: not a regular file (${st.isDirectory() ? 'a directory' : 'a device, pipe or socket'}); a safetensors checkpoint is a file`,
    );
  return decodeSafetensors(new Uint8Array(await fs.readFile(path)), path);
}
