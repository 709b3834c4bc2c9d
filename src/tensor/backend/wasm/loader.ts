// Loads the WebAssembly SIMD kernels (assembly/*.ts) once, synchronously, from the base64
// embedded at build time, into a memory kdgrad owns: shared (so worker threads can run the same
// kernels on it, see threads.ts) where SharedArrayBuffer exists, else ordinary. Where WebAssembly
// SIMD is missing, or KDGRAD_NO_WASM=1 is set, the TypeScript backend runs instead, and kdgrad
// says so once. The memory's layout is in memory.ts.
import { WASM_BASE64, WASM_SHARED_BASE64 } from './binary.generated.js';
import type { Exports } from './exports.generated.js';

/** Pages a memory may grow to: 4 GiB, the wasm32 limit. */
export const MAX_PAGES = 65536;

export interface Wasm {
  exports: Exports;
  memory: WebAssembly.Memory;
  /** The compiled module (shared-memory build when `shared`), for worker threads to instantiate. */
  module: WebAssembly.Module;
  shared: boolean;
}

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
