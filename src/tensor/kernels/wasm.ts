// Loads the WebAssembly SIMD kernels (assembly/gemm.ts) once, synchronously, from the base64
// embedded at build time. Where WebAssembly SIMD is missing, or KDGRAD_NO_WASM=1 is set, the
// TypeScript kernels run instead, and kdgrad says so once.
import { WASM_BASE64 } from './wasm-binary.generated.js';

interface Exports {
  memory: WebAssembly.Memory;
  sgemm(a: number, b: number, c: number, n: number, k: number, m: number): void;
  sgemmNT(a: number, b: number, c: number, n: number, k: number, m: number): void;
}

let kernels: Exports | null | undefined;
let reason = '';

function decode(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function disabledByEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.KDGRAD_NO_WASM === '1';
}

/** The kernels, or null when unavailable (the reason is in wasmStatus()). */
export function wasm(): Exports | null {
  if (kernels !== undefined) return kernels;
  if (disabledByEnv()) {
    reason = 'disabled by KDGRAD_NO_WASM=1';
    return (kernels = null);
  }
  try {
    const module = new WebAssembly.Module(decode(WASM_BASE64) as BufferSource);
    const instance = new WebAssembly.Instance(module, {
      env: { abort: () => { throw new Error('kdgrad wasm kernel aborted'); } },
    });
    kernels = instance.exports as unknown as Exports;
  } catch (e) {
    reason = `WebAssembly SIMD unavailable (${(e as Error).message})`;
    kernels = null;
    console.warn(`kdgrad: ${reason}; using the TypeScript kernels`);
  }
  return kernels;
}

export function wasmStatus(): { enabled: boolean; reason: string } {
  const k = wasm();
  return { enabled: k !== null, reason: k ? 'WebAssembly SIMD kernels loaded' : reason };
}

/** Byte offsets of n float32 regions in wasm memory, growing it when needed (16-byte aligned). */
function reserve(k: Exports, sizes: readonly number[]): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const s of sizes) {
    offsets.push(at);
    at += Math.ceil((s * 4) / 16) * 16;
  }
  const have = k.memory.buffer.byteLength;
  if (at > have) k.memory.grow(Math.ceil((at - have) / 65536));
  return offsets;
}

/**
 * C = A @ B for row-major float32 matrices (A: n×k at aOff; B: k×m at bOff, or, with
 * transposeB, B stored as m×k), written to C at cOff. Returns false (doing nothing) when the
 * wasm kernels are unavailable.
 */
export function sgemm(A: Float32Array, aOff: number, B: Float32Array, bOff: number, C: Float32Array, cOff: number, n: number, k: number, m: number, transposeB = false): boolean {
  const w = wasm();
  if (!w) return false;
  const [pa, pb, pc] = reserve(w, [n * k, k * m, n * m]) as [number, number, number];
  const heap = new Float32Array(w.memory.buffer);
  heap.set(A.subarray(aOff, aOff + n * k), pa / 4);
  heap.set(B.subarray(bOff, bOff + k * m), pb / 4);
  (transposeB ? w.sgemmNT : w.sgemm)(pa, pb, pc, n, k, m);
  C.set(new Float32Array(w.memory.buffer, pc, n * m), cOff);
  return true;
}
