// Loads the WebAssembly SIMD kernels (assembly/*.ts) once, synchronously, from the base64
// embedded at build time, into a memory kdgrad owns: shared (so worker threads can run the same
// kernels on it, see threads.ts) where SharedArrayBuffer exists, else ordinary. Where WebAssembly
// SIMD is missing, or KDGRAD_NO_WASM=1 is set, the TypeScript backend runs instead, and kdgrad
// says so once. The memory's layout is in memory.ts.
//
// Two builds of the kernels ship: relaxed SIMD, whose GEMM micro-kernels use fused multiply-add,
// and plain SIMD. The relaxed build loads where the runtime has relaxed SIMD (browsers ship it;
// Node 20 has it behind a V8 flag, set here before the first compile) unless KDGRAD_NO_FMA=1;
// the two differ by rounding only. wasmStatus() says which one runs and why.
import { WASM_FMA_BASE64, WASM_SHARED_FMA_BASE64 } from './binary-relaxed.generated.js';
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
  /** The relaxed-SIMD build is the one loaded. */
  fma: boolean;
  /** Its relaxed_madd rounds once on this processor. */
  fused: boolean;
}

/** Which kernels run: the relaxed-SIMD build, the plain SIMD build, or the TypeScript loops. */
export type KernelBuild = 'relaxed-simd' | 'simd' | 'typescript';

export interface WasmStatus {
  /** WebAssembly kernels are loaded (either build). */
  enabled: boolean;
  kernels: KernelBuild;
  /** The GEMM and convolution micro-kernels multiply-add with one rounding (relaxed SIMD on a
   * processor whose relaxed_madd is fused). */
  fusedMultiplyAdd: boolean;
  /** What runs, and why not the faster build where one is not loaded. */
  reason: string;
}

let loaded: Wasm | null | undefined;
let reason = '';
let fmaReason = '';

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

// (module (func (export "f") (param f32 f32 f32) (result f32)
//   (f32x4.extract_lane 0 (f32x4.relaxed_madd (f32x4.splat a) (f32x4.splat b) (f32x4.splat c)))))
// valid only where the runtime has relaxed SIMD
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7d, 0x7d, 0x7d,
  0x01, 0x7d, 0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x16, 0x01,
  0x14, 0x00, 0x20, 0x00, 0xfd, 0x13, 0x20, 0x01, 0xfd, 0x13, 0x20, 0x02, 0xfd, 0x13, 0xfd, 0x85,
  0x02, 0xfd, 0x1f, 0x00, 0x0b,
]);

type V8 = { setFlagsFromString(flags: string): void };
type NodeProcess = { getBuiltinModule?: (id: string) => unknown };

/** Whether this runtime compiles relaxed SIMD, turning on Node 20's V8 flag if it must. */
function relaxedSimd(): boolean {
  if (WebAssembly.validate(RELAXED_PROBE)) return true;
  const proc = (globalThis as { process?: NodeProcess }).process;
  const v8 = proc?.getBuiltinModule?.('node:v8') as V8 | undefined;
  if (!v8) return false;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(RELAXED_PROBE);
}

/**
 * Whether relaxed_madd rounds once on this processor. Relaxed SIMD lets it be fused or a multiply
 * then an add; (1 + 2⁻²³)(1 − 2⁻²³) − 1 tells them apart: −2⁻⁴⁶ fused, 0 when the product rounds.
 */
function fusesMultiplyAdd(): boolean {
  const probe = new WebAssembly.Instance(new WebAssembly.Module(RELAXED_PROBE));
  const f = probe.exports.f as (a: number, b: number, c: number) => number;
  const e = 2 ** -23;
  return f(1 + e, 1 - e, -1) !== 0;
}

function binary(shared: boolean, fma: boolean): string {
  if (fma) return shared ? WASM_SHARED_FMA_BASE64 : WASM_FMA_BASE64;
  return shared ? WASM_SHARED_BASE64 : WASM_BASE64;
}

function instantiate(shared: boolean, fma: boolean): Wasm {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared });
  const module = new WebAssembly.Module(decode(binary(shared, fma)) as BufferSource);
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new Error('kdgrad wasm kernel aborted');
      },
    },
  });
  const fused = fma && fusesMultiplyAdd();
  return { exports: instance.exports as unknown as Exports, memory, module, shared, fma, fused };
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
  let fma = false;
  if (env('KDGRAD_NO_FMA') === '1') fmaReason = 'disabled by KDGRAD_NO_FMA=1';
  else if (!(fma = relaxedSimd())) fmaReason = 'this runtime has no relaxed SIMD';
  // a shared memory where possible (not in a browser page that is not cross-origin isolated),
  // and the plain build if the relaxed one cannot start after all
  const shared = typeof SharedArrayBuffer === 'function';
  const tries: [boolean, boolean][] = [
    [shared, fma],
    [false, fma],
    [shared, false],
    [false, false],
  ];
  let error: unknown = null;
  for (const [sh, f] of tries) {
    if ((sh && !shared) || (f && !fma)) continue;
    try {
      loaded = instantiate(sh, f);
      if (fma && !f) fmaReason = `the relaxed-SIMD build failed (${(error as Error).message})`;
      break;
    } catch (e) {
      error ??= e;
    }
  }
  if (loaded === undefined) {
    const e = error as Error;
    reason = `WebAssembly SIMD unavailable (${e.message})`;
    loaded = null;
    console.warn(`kdgrad: ${reason}; using the TypeScript kernels`);
  }
  return loaded;
}

/** Which kernels run (relaxed SIMD, plain SIMD or TypeScript) and why. */
export function wasmStatus(): WasmStatus {
  const k = wasm();
  if (!k) return { enabled: false, kernels: 'typescript', fusedMultiplyAdd: false, reason };
  if (k.fma) {
    return {
      enabled: true,
      kernels: 'relaxed-simd',
      fusedMultiplyAdd: k.fused,
      reason: k.fused
        ? 'WebAssembly relaxed-SIMD kernels loaded (fused multiply-add)'
        : 'WebAssembly relaxed-SIMD kernels loaded ' +
          '(this processor multiplies, then adds: not fused)',
    };
  }
  return {
    enabled: true,
    kernels: 'simd',
    fusedMultiplyAdd: false,
    reason: `WebAssembly SIMD kernels loaded (no fused multiply-add: ${fmaReason})`,
  };
}
