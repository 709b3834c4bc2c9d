// Float32 arrays of some size are kept in the kernels' shared memory where there is one
// (kernels/wasm.ts, residentF32), so the wasm kernels read and write them in place instead of
// copying them in and out on every call: parameters, their gradients and optimizer state (here),
// and every array the buffer pool makes (pool.ts). Small arrays stay ordinary: for them a copy
// costs nothing.
import type { TypedArray } from './dtype.js';
import { stridedCopy } from './kernels/elementwise.js';
import { RESIDENT_MIN, residentF32 } from './kernels/wasm.js';
import { TensorData } from './storage.js';

export { RESIDENT_MIN };

/** A contiguous resident copy of t when it is float32 and large enough (and memory is shared), else null. */
export function residentCopy(t: TensorData): TensorData | null {
  if (t.dtype !== 'float32' || t.size < RESIDENT_MIN) return null;
  const r = residentF32(t.size, false); // every element is written below
  if (!r) return null;
  if (t.isContiguous()) r.set(t.data.subarray(t.offset, t.offset + t.size));
  else stridedCopy(t, r);
  return new TensorData(r, t.shape);
}

/** A zeroed array of n values of like's kind: resident when float32 and large enough. */
export function zerosLike(like: TypedArray, n: number): TypedArray {
  if (like instanceof Float32Array && n >= RESIDENT_MIN) {
    const r = residentF32(n);
    if (r) return r;
  }
  return new (like.constructor as new (n: number) => TypedArray)(n);
}
