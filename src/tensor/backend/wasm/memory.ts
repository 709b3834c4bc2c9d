// The kernels' memory: where each thing lives, and the two ways operands get there.
//
// Memory map: [256, 496) call arguments too long for a signature (conv geometry), at 496 the work
// counter of parallel kernels run without workers (threads.ts), [1024, 65536) control words of
// the worker pools (a slot of 256 bytes each, threads.ts), from 65536 the resident arrays (see
// residentF32), then the operands of the current call, laid out afresh by each call (reserve).
import { MAX_PAGES, wasm, type Wasm } from './loader.js';

export const ARGS_AT = 256;
export const SOLO_COUNTER_AT = 496;
export const CONTROL_AT = 1024;
export const CONTROL_BYTES = 256;
export const CONTROL_SLOTS = 250;
export const DATA_AT = 65536;

/**
 * Views of the whole memory, made again only for another module or after a grow (a grown memory
 * has a new buffer; an ordinary one detaches the old). Reading `memory.buffer` and making a view
 * took about a third of a small kernel call's time in JavaScript.
 */
interface Views {
  w: Wasm;
  bytes: number;
  f32: Float32Array;
  i32: Int32Array;
}
let views: Views | null = null;

function viewsOf(w: Wasm): Views {
  if (views?.w === w && views.f32.length > 0) return views;
  const buffer = w.memory.buffer;
  views = {
    w,
    bytes: buffer.byteLength,
    f32: new Float32Array(buffer),
    i32: new Int32Array(buffer),
  };
  return views;
}

/** Grows the memory to at least `end` bytes. Only this thread grows it, through here. */
function ensure(w: Wasm, end: number, what: string): void {
  const have = viewsOf(w).bytes;
  if (end <= have) return;
  if (end > MAX_PAGES * 65536) {
    throw new RangeError(
      `wasm kernels: ${what} needs ${end} bytes, more than the 4 GiB a wasm32 memory can hold`,
    );
  }
  w.memory.grow(Math.ceil((end - have) / 65536));
  views = null;
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

// the buffer residentOffset last found resident (every resident array shares one until a grow)
let lastResident: ArrayBufferLike | null = null;

/** The byte offset of a resident array (or a view into one) in the kernels' memory, else −1. */
export function residentOffset(a: ArrayBufferView): number {
  const b = a.buffer;
  if (b === lastResident) return a.byteOffset;
  if (!residentBuffers.has(b)) return -1;
  lastResident = b;
  return a.byteOffset;
}

/** How many resident arrays were made and how many bytes their blocks hold (for memory figures). */
export function residentMemory(): { arrays: number; bytes: number } {
  return { ...residentStats };
}

/** Bytes rounded up to a multiple of 16 (a v128's alignment). */
export const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * Byte offsets of regions of the given byte sizes above the resident arrays (16-byte aligned),
 * growing memory when needed, one per size (typed as a tuple of as many). A size of 0 takes no
 * space (an operand used in place).
 */
export function reserve<const T extends readonly number[]>(
  w: Wasm,
  bytes: T,
): { [K in keyof T]: number } {
  const offsets: number[] = [];
  let at = residentTop;
  for (const b of bytes) {
    offsets.push(at);
    at += align16(b);
  }
  ensure(w, at, 'a call');
  return offsets as { [K in keyof T]: number };
}

/** A float32 view of the whole memory (current: made again after a grow). */
export function heapF32(w: Wasm): Float32Array {
  return viewsOf(w).f32;
}

export function heapI32(w: Wasm): Int32Array {
  return viewsOf(w).i32;
}
