// Loads the WebAssembly SIMD kernels (assembly/*.ts) once, synchronously, from the base64
// embedded at build time, into a memory kdgrad owns: shared (so worker threads can run the same
// kernels on it, see threads.ts) where SharedArrayBuffer exists, else ordinary. Where WebAssembly
// SIMD is missing, or KDGRAD_NO_WASM=1 is set, the TypeScript kernels run instead, and kdgrad
// says so once.
//
// Memory map: [256, 496) call arguments too long for a signature (conv geometry), at 496 the work
// counter of parallel kernels run without workers (threads.ts), [1024, 65536)
// control words of the worker pools (a slot of 256 bytes each, threads.ts), from 65536 the
// resident arrays (see residentF32), then the operands of the current call, laid out afresh by
// each call.
import { WASM_BASE64, WASM_SHARED_BASE64 } from './wasm-binary.generated.js';

export interface Exports {
  gemmPackFloats(k: number): number;
  sgemm(a: number, b: number, c: number, n: number, k: number, m: number, pack: number): void;
  sgemmNT(a: number, b: number, c: number, n: number, k: number, m: number): void;
  sgemmParallel(
    a: number,
    b: number,
    c: number,
    n: number,
    k: number,
    m: number,
    transposeB: number,
    scratch: number,
    scratchBytes: number,
    next: number,
    t: number,
    nt: number,
  ): void;
  conv2dForward(
    geo: number,
    x: number,
    w: number,
    y: number,
    batch: number,
    scratch: number,
    scratchBytes: number,
    next: number,
    t: number,
    nt: number,
  ): void;
  conv2dInputGrad(
    geo: number,
    g: number,
    wT: number,
    dx: number,
    batch: number,
    scratch: number,
    scratchBytes: number,
    next: number,
    t: number,
    nt: number,
  ): void;
  maxPool2dForward(
    geo: number,
    x: number,
    vals: number,
    idx: number,
    planes: number,
    next: number,
    t: number,
    nt: number,
  ): void;
  conv2dWeightGrad(
    geo: number,
    x: number,
    g: number,
    parts: number,
    batch: number,
    chunks: number,
    scratch: number,
    scratchBytes: number,
    next: number,
    t: number,
    nt: number,
  ): void;
  simdPeakProbe(out: number, rounds: number, next: number, t: number, nt: number): void;
  binaryF32(
    op: number,
    x: number,
    y: number,
    out: number,
    geo: number,
    next: number,
    t: number,
    nt: number,
  ): void;
  reluF32(x: number, out: number, n: number, next: number, t: number, nt: number): void;
  sgdMomentumF32(
    p: number,
    g: number,
    b: number,
    n: number,
    hyper: number,
    nesterov: number,
    next: number,
    t: number,
    nt: number,
  ): void;
  bnStatsF32(
    x: number,
    N: number,
    C: number,
    S: number,
    mean: number,
    variance: number,
    next: number,
    t: number,
    nt: number,
  ): void;
  bnForwardF32(
    x: number,
    out: number,
    N: number,
    C: number,
    S: number,
    scale: number,
    shift: number,
    next: number,
    t: number,
    nt: number,
  ): void;
  bnBackwardSumsF32(
    g: number,
    x: number,
    N: number,
    C: number,
    S: number,
    mean: number,
    sumG: number,
    sumGX: number,
    next: number,
    t: number,
    nt: number,
  ): void;
  bnBackwardDxF32(
    g: number,
    x: number,
    dx: number,
    N: number,
    C: number,
    S: number,
    coef: number,
    next: number,
    t: number,
    nt: number,
  ): void;
  channelSumsF32(
    x: number,
    N: number,
    C: number,
    S: number,
    out: number,
    next: number,
    t: number,
    nt: number,
  ): void;
}

export interface Wasm {
  exports: Exports;
  memory: WebAssembly.Memory;
  /** The compiled module (shared-memory build when `shared`), for worker threads to instantiate. */
  module: WebAssembly.Module;
  shared: boolean;
}

export const ARGS_AT = 256;
export const SOLO_COUNTER_AT = 496;
export const CONTROL_AT = 1024;
export const CONTROL_BYTES = 256;
export const CONTROL_SLOTS = 250;
export const DATA_AT = 65536;
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit

let loaded: Wasm | null | undefined;
let reason = '';

function decode(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function env(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[
    name
  ];
}

function instantiate(shared: boolean): Wasm {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared });
  const module = new WebAssembly.Module(
    decode(shared ? WASM_SHARED_BASE64 : WASM_BASE64) as BufferSource,
  );
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new Error('kdgrad wasm kernel aborted');
      },
    },
  });
  return { exports: instance.exports as unknown as Exports, memory, module, shared };
}

let suspended = 0;

/**
 * Runs `fn` on the TypeScript kernels only: inside it, wasm() answers null, so every op takes its
 * reference path (the parity tests compare both backends in one process this way). Arrays that
 * are already resident stay valid; no new one is made.
 */
export function withoutWasm<T>(fn: () => T): T {
  suspended++;
  try {
    return fn();
  } finally {
    suspended--;
  }
}

/** The kernels, or null when unavailable (the reason is in wasmStatus()). */
export function wasm(): Wasm | null {
  if (suspended > 0) return null;
  if (loaded !== undefined) return loaded;
  if (env('KDGRAD_NO_WASM') === '1') {
    reason = 'disabled by KDGRAD_NO_WASM=1';
    return (loaded = null);
  }
  try {
    let shared = typeof SharedArrayBuffer === 'function';
    try {
      loaded = instantiate(shared);
    } catch (e) {
      if (!shared) throw e;
      shared = false; // e.g. a browser page that is not cross-origin isolated
      loaded = instantiate(false);
    }
  } catch (e) {
    reason = `WebAssembly SIMD unavailable (${(e as Error).message})`;
    loaded = null;
    console.warn(`kdgrad: ${reason}; using the TypeScript kernels`);
  }
  return loaded;
}

export function wasmStatus(): { enabled: boolean; reason: string } {
  const k = wasm();
  return { enabled: k !== null, reason: k ? 'WebAssembly SIMD kernels loaded' : reason };
}

/** Grows the memory to at least `end` bytes. */
function ensure(w: Wasm, end: number, what: string): void {
  const have = w.memory.buffer.byteLength;
  if (end <= have) return;
  if (end > MAX_PAGES * 65536) {
    throw new RangeError(
      `wasm kernels: ${what} needs ${end} bytes, more than the 4 GiB a wasm32 memory can hold`,
    );
  }
  w.memory.grow(Math.ceil((end - have) / 65536));
}

// Resident arrays: float32 arrays that live in the shared memory itself — parameters, their
// gradients, optimizer state — so kernels use them in place instead of copying them in and out
// on every call. They fill [DATA_AT, residentTop); each call's operands are laid out above them.
// When the garbage collector takes a resident array (FinalizationRegistry), its block goes back
// to a free list and is reused by the next array of the same size. Only with a shared memory: an
// ordinary one detaches its buffer when it grows, which would empty every view into it.
let residentTop = DATA_AT;
const freeBlocks = new Map<number, number[]>();
const residentBuffers = new WeakSet<ArrayBufferLike>();
const freed =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<[number, number]>(([at, bytes]) => {
        const list = freeBlocks.get(bytes);
        if (list) list.push(at);
        else freeBlocks.set(bytes, [at]);
      })
    : null;
const residentStats = { arrays: 0, bytes: 0 };

/** Float32 arrays from this many values are made resident (smaller ones cost nothing to copy). */
export const RESIDENT_MIN = 16384;
/**
 * Resident arrays end below this byte address (1 GiB): beyond it arrays are ordinary ones. Arrays
 * that leave a tidy() scope come back only when the garbage collector has run their finalizers,
 * so a synchronous loop that keeps making them could otherwise grow the memory without bound.
 */
const RESIDENT_CAP = 2 ** 30;

/**
 * A float32 array of n values in the kernels' memory (zeroed unless `zero` is false: then its
 * contents are arbitrary), or null where there is none (no shared memory).
 */
export function residentF32(n: number, zero = true): Float32Array | null {
  const w = wasm();
  if (!w || !w.shared || !freed || n <= 0) return null;
  const bytes = Math.ceil((n * 4) / 64) * 64;
  let at = freeBlocks.get(bytes)?.pop();
  if (at === undefined) {
    if (residentTop + bytes > RESIDENT_CAP) return null; // the rest stays for calls' operands
    ensure(w, residentTop + bytes, 'a resident array');
    at = residentTop;
    residentTop += bytes;
    residentStats.bytes += bytes;
  }
  const view = new Float32Array(w.memory.buffer, at, n);
  if (zero) view.fill(0); // a block may hold a former owner's values, or a call's operands
  residentBuffers.add(w.memory.buffer);
  freed.register(view, [at, bytes]);
  residentStats.arrays++;
  return view;
}

/** The byte offset of a resident array (or a view into one) in the kernels' memory, else −1. */
export function residentOffset(a: ArrayBufferView): number {
  return residentBuffers.has(a.buffer) ? a.byteOffset : -1;
}

/** How many resident arrays were made and how many bytes their blocks hold (for memory figures). */
export function residentMemory(): { arrays: number; bytes: number } {
  return { ...residentStats };
}

/**
 * Byte offsets of regions of the given byte sizes above the resident arrays (16-byte aligned),
 * growing memory when needed. A size of 0 takes no space (an operand used in place).
 */
export function reserve(w: Wasm, bytes: readonly number[]): number[] {
  const offsets: number[] = [];
  let at = residentTop;
  for (const b of bytes) {
    offsets.push(at);
    at += Math.ceil(b / 16) * 16;
  }
  ensure(w, at, 'a call');
  return offsets;
}

/** A float32 view of memory (made after any grow: a grown memory has a new buffer). */
export function heapF32(w: Wasm): Float32Array {
  return new Float32Array(w.memory.buffer);
}

export function heapI32(w: Wasm): Int32Array {
  return new Int32Array(w.memory.buffer);
}
