// Index-based kernels: gather/scatter along one dim, concatenation, constant padding.
import type { DType } from '../dtype.js';
import { allocate } from '../buffer-pool.js';
import { formatShape, numel } from '../shape.js';
import { TensorData } from '../storage.js';

function checkIndex(v: number, size: number, op: string, where: string): number {
  if (!Number.isInteger(v) || v < -size || v >= size) {
    throw new RangeError(
      `${op}: index ${v} ${where} is out of range for a dimension of size ${size}`,
    );
  }
  return v < 0 ? v + size : v;
}

/** out = a with dim `dim` replaced by a[..., index[j], ...]. */
export function indexSelectKernel(
  a: TensorData,
  dim: number,
  index: Int32Array | readonly number[],
  op = 'indexSelect',
): TensorData {
  const ac = a.contiguous();
  const outer = numel(a.shape.slice(0, dim));
  const size = a.shape[dim]!;
  const inner = numel(a.shape.slice(dim + 1));
  const shape = [...a.shape];
  shape[dim] = index.length;
  const out = allocate(a.dtype, numel(shape));
  const src = ac.data;
  const idx = Array.from(index, (v, j) => checkIndex(v, size, op, `(position ${j})`));
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const from = (o * size + idx[j]!) * inner;
      const to = (o * idx.length + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i] = src[from + i]!;
    }
  }
  return new TensorData(out, shape);
}

/** out = zeros(shape) with out[..., index[j], ...] += src[..., j, ...]. */
export function indexAddKernel(
  shape: readonly number[],
  dim: number,
  index: Int32Array | readonly number[],
  src: TensorData,
  dtype: DType,
): TensorData {
  const sc = src.contiguous();
  const outer = numel(shape.slice(0, dim));
  const size = shape[dim]!;
  const inner = numel(shape.slice(dim + 1));
  const out = allocate(dtype, numel(shape));
  const s = sc.data;
  const idx = Array.from(index, (v, j) => checkIndex(v, size, 'indexAdd', `(position ${j})`));
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const to = (o * size + idx[j]!) * inner;
      const from = (o * idx.length + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i]! += s[from + i]!;
    }
  }
  return new TensorData(out, shape);
}

function checkGatherShapes(
  op: string,
  dataShape: readonly number[],
  index: TensorData,
  dim: number,
): void {
  if (index.ndim !== dataShape.length) {
    throw new RangeError(
      `${op}: index of shape ${formatShape(index.shape)} must have the same rank as the input ${formatShape(dataShape)}`,
    );
  }
  for (let d = 0; d < index.ndim; d++) {
    if (d !== dim && index.shape[d]! > dataShape[d]!) {
      throw new RangeError(
        `${op}: index shape ${formatShape(index.shape)} exceeds input shape ${formatShape(dataShape)} at dim ${d}`,
      );
    }
  }
}

/** out[i][j][k] = a[i][index[i][j][k]][k] (for dim = 1), as torch.gather. */
export function gatherKernel(a: TensorData, dim: number, index: TensorData): TensorData {
  checkGatherShapes('gather', a.shape, index, dim);
  const out = allocate(a.dtype, index.size);
  const idx = index.contiguous().data;
  const pos = new Array<number>(index.ndim).fill(0);
  for (let i = 0; i < out.length; i++) {
    let at = a.offset;
    for (let d = 0; d < index.ndim; d++) {
      const p =
        d === dim ? checkIndex(idx[i]!, a.shape[d]!, 'gather', `at flat position ${i}`) : pos[d]!;
      at += p * a.strides[d]!;
    }
    out[i] = a.data[at]!;
    for (let d = index.ndim - 1; d >= 0; d--) {
      if (++pos[d]! < index.shape[d]!) break;
      pos[d] = 0;
    }
  }
  return new TensorData(out, index.shape);
}

/** out = zeros(shape); out[i][index[i][j][k]][k] += src[i][j][k] (for dim = 1), as torch.scatter_add. */
export function scatterAddKernel(
  shape: readonly number[],
  dim: number,
  index: TensorData,
  src: TensorData,
  dtype: DType,
): TensorData {
  checkGatherShapes('scatterAdd', shape, index, dim);
  const out = allocate(dtype, numel(shape));
  const strides = shape.map((_, d) => numel(shape.slice(d + 1)));
  const idx = index.contiguous().data;
  const pos = new Array<number>(index.ndim).fill(0);
  const s = src.data;
  for (let i = 0; i < index.size; i++) {
    let to = 0;
    let from = src.offset;
    for (let d = 0; d < index.ndim; d++) {
      const p =
        d === dim ? checkIndex(idx[i]!, shape[d]!, 'scatterAdd', `at flat position ${i}`) : pos[d]!;
      to += p * strides[d]!;
      from += pos[d]! * src.strides[d]!;
    }
    out[to]! += s[from]!;
    for (let d = index.ndim - 1; d >= 0; d--) {
      if (++pos[d]! < index.shape[d]!) break;
      pos[d] = 0;
    }
  }
  return new TensorData(out, shape);
}

/** Concatenation along dim (shapes already checked). */
export function catKernel(parts: readonly TensorData[], dim: number, dtype: DType): TensorData {
  const first = parts[0]!;
  const shape = [...first.shape];
  shape[dim] = parts.reduce((s, p) => s + p.shape[dim]!, 0);
  const out = allocate(dtype, numel(shape));
  const outer = numel(shape.slice(0, dim));
  const rowOut = numel(shape.slice(dim));
  let col = 0;
  for (const p of parts) {
    const pc = p.contiguous();
    const row = numel(p.shape.slice(dim));
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < row; i++) out[o * rowOut + col + i] = pc.data[o * row + i]!;
    }
    col += row;
  }
  return new TensorData(out, shape);
}

/** Constant padding: pads[d] = [before, after] for every dim. */
export function padKernel(
  a: TensorData,
  pads: readonly (readonly [number, number])[],
  value: number,
): TensorData {
  const shape = a.shape.map((s, d) => s + pads[d]![0] + pads[d]![1]);
  const out = allocate(a.dtype, numel(shape));
  if (value !== 0) out.fill(value);
  const strides = shape.map((_, d) => numel(shape.slice(d + 1)));
  let base = 0;
  for (let d = 0; d < shape.length; d++) base += pads[d]![0] * strides[d]!;
  const nd = a.ndim;
  const pos = new Array<number>(nd).fill(0);
  const src = a.data;
  a.forEachOffset((_, at) => {
    let to = base;
    for (let d = 0; d < nd; d++) to += pos[d]! * strides[d]!;
    out[to] = src[at]!;
    for (let d = nd - 1; d >= 0; d--) {
      if (++pos[d]! < a.shape[d]!) break;
      pos[d] = 0;
    }
  });
  return new TensorData(out, shape);
}
