// Batched matrix product C[..., n, m] = A[..., n, k] @ B[..., k, m] with broadcast batch dims.
// float32 products large enough to pay for the copies run in the WebAssembly SIMD kernel
// (assembly/gemm.ts); gemmReference below is the definition both must agree with.
import type { DType, TypedArray } from '../dtype.js';
import { allocateUninitialized } from '../pool.js';
import {
  broadcastShapes,
  broadcastStrides,
  contiguousStrides,
  formatShape,
  numel,
} from '../shape.js';
import { TensorData } from '../storage.js';
import { sgemm } from './wasm-kernels.js';

/** Below this many multiply-adds per product the copies into wasm memory cost more than they save. */
export const WASM_MIN_WORK = 4096;

/**
 * C[cOff..] = A[aOff..] (n×k) @ B[bOff..] (k×m), row-major; with transposeB, B is stored as its
 * transpose (m×k). Each C element is summed over p = 0..k−1 in that order, rounded to C's type at
 * every step, so both layouts give the same bits; the i-p-j order streams rows of B and C.
 */
export function gemmReference(
  A: TypedArray,
  aOff: number,
  B: TypedArray,
  bOff: number,
  C: TypedArray,
  cOff: number,
  n: number,
  k: number,
  m: number,
  transposeB = false,
): void {
  for (let i = 0; i < n; i++) {
    const cRow = cOff + i * m;
    for (let j = 0; j < m; j++) C[cRow + j] = 0;
    if (transposeB) {
      for (let j = 0; j < m; j++) {
        const bRow = bOff + j * k;
        for (let p = 0; p < k; p++) C[cRow + j]! += A[aOff + i * k + p]! * B[bRow + p]!;
      }
      continue;
    }
    for (let p = 0; p < k; p++) {
      const av = A[aOff + i * k + p]!;
      const bRow = bOff + p * m;
      for (let j = 0; j < m; j++) C[cRow + j]! += av * B[bRow + j]!;
    }
  }
}

/** If t is the last-two-dims transpose of a contiguous tensor, that tensor (offset 0); else null. */
function transposedContiguous(t: TensorData): TensorData | null {
  const nd = t.ndim;
  const order = [...t.shape.keys()];
  [order[nd - 2], order[nd - 1]] = [order[nd - 1]!, order[nd - 2]!];
  const base = new TensorData(
    t.data,
    order.map((d) => t.shape[d]!),
    order.map((d) => t.strides[d]!),
    t.offset,
  );
  return base.isContiguous() &&
    base.offset === 0 &&
    base.data.length === base.size &&
    t.strides[nd - 1] !== 1
    ? base
    : null;
}

export function matmulKernel(a: TensorData, b: TensorData, outDtype: DType): TensorData {
  const n = a.shape[a.ndim - 2]!;
  const k = a.shape[a.ndim - 1]!;
  const k2 = b.shape[b.ndim - 2]!;
  const m = b.shape[b.ndim - 1]!;
  if (k !== k2) {
    throw new RangeError(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${k} != ${k2})`,
    );
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul (batch dims)');
  const A = a.contiguous().data;
  const fast =
    outDtype === 'float32' &&
    A instanceof Float32Array &&
    b.data instanceof Float32Array &&
    n * k * m >= WASM_MIN_WORK;
  // A transposed view of a contiguous [.., m, k] tensor (backward's Bᵀ) is read as is by the NT kernel.
  const bT = fast && b.ndim >= 2 && transposedContiguous(b);
  const B = bT ? bT.data : b.contiguous().data;
  const aBatchStrides = broadcastStrides(
    a.shape.slice(0, -2),
    contiguousStrides(a.shape.slice(0, -2)),
    batch,
  );
  const bBatchStrides = broadcastStrides(
    b.shape.slice(0, -2),
    contiguousStrides(b.shape.slice(0, -2)),
    batch,
  );
  const nb = numel(batch);
  const out = allocateUninitialized(outDtype, nb * n * m); // every element is written
  const idx = new Array<number>(batch.length).fill(0);
  for (let bi = 0; bi < nb; bi++) {
    let aBatch = 0;
    let bBatch = 0;
    for (let d = 0; d < batch.length; d++) {
      aBatch += idx[d]! * aBatchStrides[d]!;
      bBatch += idx[d]! * bBatchStrides[d]!;
    }
    const aOff = aBatch * n * k;
    const bOff = bBatch * k * m;
    const cOff = bi * n * m;
    if (!(
      fast && sgemm(A, aOff, B as Float32Array, bOff, out as Float32Array, cOff, n, k, m, !!bT)
    )) {
      gemmReference(A, aOff, B, bOff, out, cOff, n, k, m, !!bT);
    }
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d]! < batch[d]!) break;
      idx[d] = 0;
    }
  }
  return new TensorData(out, [...batch, n, m]);
}
