// Float32 arrays of some size are kept in the kernels' shared memory where there is one
// (backend/dispatch.ts, residentF32), so the wasm kernels read and write them in place instead of
// copying them in and out on every call: parameters, their gradients and optimizer state (here),
// and every array the buffer pool makes (buffer-pool.ts). Small arrays stay ordinary: for them a copy
// costs nothing.
import type { TypedArray } from './dtype.js';
import { residentF32 } from './backend/index.js';
import { stridedCopy } from './layout.js';
import { TensorData } from './storage.js';

/** A contiguous resident copy of t when it is float32 and large enough (and memory is shared), else null. */
export function residentCopy(t: TensorData): TensorData | null {
  if (t.dtype !== 'float32') return null;
  const r = residentF32(t.size, false); // every element is written below
  if (!r) return null;
  if (t.isContiguous()) r.set(t.data.subarray(t.offset, t.offset + t.size));
  else stridedCopy(t, r);
  return new TensorData(r, t.shape);
}

/** A zeroed array of n values of like's kind: resident when float32 and large enough. */
export function residentZeros(like: TypedArray, n: number): TypedArray {
  if (like instanceof Float32Array) {
    const r = residentF32(n);
    if (r) return r;
  }
  return new (like.constructor as new (n: number) => TypedArray)(n);
}
