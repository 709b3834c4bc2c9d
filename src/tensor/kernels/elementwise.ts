// Elementwise kernels over strided, broadcast inputs. Output is always a fresh contiguous array.
import { allocate, type DType } from '../dtype.js';
import { broadcastShapes, broadcastStrides, numel, type Shape } from '../shape.js';
import { TensorData } from '../storage.js';

/** out[i] = fn(a[i]) */
export function unaryMap(a: TensorData, outDtype: DType, fn: (x: number) => number): TensorData {
  const out = allocate(outDtype, a.size);
  const src = a.data;
  if (a.isContiguous()) {
    const o = a.offset;
    for (let i = 0; i < out.length; i++) out[i] = fn(src[o + i]!);
  } else {
    a.forEachOffset((i, at) => { out[i] = fn(src[at]!); });
  }
  return new TensorData(out, a.shape);
}

/**
 * Calls body(outIndex, offsets...) for every element of `shape`, where operand k is read at
 * offsets[k] + sum(index_d * strides[k][d]). The innermost dim is a plain loop.
 */
function stridedLoop(
  shape: Shape,
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  body: (i: number, at: Int32Array | number[]) => void,
): void {
  const n = numel(shape);
  if (n === 0) return;
  const nd = shape.length;
  const k = strides.length;
  const at = [...offsets];
  if (nd === 0) { body(0, at); return; }
  const inner = shape[nd - 1]!;
  const innerStrides = strides.map((s) => s[nd - 1]!);
  const idx = new Array<number>(nd).fill(0);
  const base = [...offsets];
  for (let i = 0; i < n; i += inner) {
    for (let q = 0; q < k; q++) at[q] = base[q]!;
    for (let j = 0; j < inner; j++) {
      body(i + j, at);
      for (let q = 0; q < k; q++) at[q]! += innerStrides[q]!;
    }
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      for (let q = 0; q < k; q++) base[q]! += strides[q]![d]!;
      if (idx[d]! < shape[d]!) break;
      for (let q = 0; q < k; q++) base[q]! -= strides[q]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** out = fn(a, b) with NumPy broadcasting. */
export function binaryMap(
  a: TensorData,
  b: TensorData,
  outDtype: DType,
  fn: (x: number, y: number) => number,
  op: string,
): TensorData {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = allocate(outDtype, numel(shape));
  const da = a.data;
  const db = b.data;
  const sameShape = a.shape.length === b.shape.length && a.shape.every((s, i) => s === b.shape[i]);
  if (sameShape && a.isContiguous() && b.isContiguous()) {
    const oa = a.offset;
    const ob = b.offset;
    for (let i = 0; i < out.length; i++) out[i] = fn(da[oa + i]!, db[ob + i]!);
  } else if (b.size === 1 && a.isContiguous() && shape.length === a.shape.length) {
    const y = db[b.offset]!;
    const oa = a.offset;
    for (let i = 0; i < out.length; i++) out[i] = fn(da[oa + i]!, y);
  } else {
    const sa = broadcastStrides(a.shape, a.strides, shape);
    const sb = broadcastStrides(b.shape, b.strides, shape);
    stridedLoop(shape, [sa, sb], [a.offset, b.offset], (i, at) => { out[i] = fn(da[at[0]!]!, db[at[1]!]!); });
  }
  return new TensorData(out, shape);
}

/** out = cond ? a : b, all three broadcast together. */
export function whereKernel(cond: TensorData, a: TensorData, b: TensorData, outDtype: DType): TensorData {
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const out = allocate(outDtype, numel(shape));
  const dc = cond.data;
  const da = a.data;
  const db = b.data;
  stridedLoop(
    shape,
    [
      broadcastStrides(cond.shape, cond.strides, shape),
      broadcastStrides(a.shape, a.strides, shape),
      broadcastStrides(b.shape, b.strides, shape),
    ],
    [cond.offset, a.offset, b.offset],
    (i, at) => { out[i] = dc[at[0]!] ? da[at[1]!]! : db[at[2]!]!; },
  );
  return new TensorData(out, shape);
}

/** Materialises a broadcast view (used by expand().contiguous() and friends). */
export function broadcastTo(a: TensorData, shape: Shape): TensorData {
  const strides = broadcastStrides(a.shape, a.strides, shape);
  return new TensorData(a.data, shape, strides, a.offset);
}
