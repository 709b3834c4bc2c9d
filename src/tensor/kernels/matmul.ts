// Batched matrix product C[..., n, m] = A[..., n, k] @ B[..., k, m] with broadcast batch dims,
// one backend GEMM per batch element.
import { backend } from '../backend/index.js';
import type { DType } from '../dtype.js';
import { allocateUninitialized } from '../buffer-pool.js';
import {
  broadcastShapes,
  broadcastStrides,
  contiguousStrides,
  formatShape,
  numel,
} from '../shape.js';
import { TensorData } from '../storage.js';

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
  // a transposed view of a contiguous [.., m, k] tensor (backward's Bᵀ) is read as stored
  const bT = b.ndim >= 2 && transposedContiguous(b);
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
    backend.gemm(A, aOff, B, bOff, out, cOff, n, k, m, !!bT);
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d]! < batch[d]!) break;
      idx[d] = 0;
    }
  }
  return new TensorData(out, [...batch, n, m]);
}
