// Batched matrix product C[..., n, m] = A[..., n, k] @ B[..., k, m] with broadcast batch dims.
// Reference kernel: contiguous operands, i-p-j loop order so the inner loop streams rows of B and C.
import { allocate, type DType } from '../dtype.js';
import { broadcastShapes, broadcastStrides, contiguousStrides, formatShape, numel } from '../shape.js';
import { TensorData } from '../storage.js';

export function matmulKernel(a: TensorData, b: TensorData, outDtype: DType): TensorData {
  const n = a.shape[a.ndim - 2]!;
  const k = a.shape[a.ndim - 1]!;
  const k2 = b.shape[b.ndim - 2]!;
  const m = b.shape[b.ndim - 1]!;
  if (k !== k2) {
    throw new RangeError(`matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${k} != ${k2})`);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul (batch dims)');
  const ac = a.contiguous();
  const bc = b.contiguous();
  const aBatchStrides = broadcastStrides(a.shape.slice(0, -2), contiguousStrides(a.shape.slice(0, -2)), batch);
  const bBatchStrides = broadcastStrides(b.shape.slice(0, -2), contiguousStrides(b.shape.slice(0, -2)), batch);
  const nb = numel(batch);
  const out = allocate(outDtype, nb * n * m);
  const A = ac.data;
  const B = bc.data;
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
    for (let i = 0; i < n; i++) {
      const cRow = cOff + i * m;
      for (let p = 0; p < k; p++) {
        const av = A[aOff + i * k + p]!;
        const bRow = bOff + p * m;
        for (let j = 0; j < m; j++) out[cRow + j]! += av * B[bRow + j]!;
      }
    }
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d]! < batch[d]!) break;
      idx[d] = 0;
    }
  }
  return new TensorData(out, [...batch, n, m]);
}
