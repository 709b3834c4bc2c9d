// A strided view over a flat typed array: element [i0, i1, ...] lives at offset + sum(i_k * strides[k]).
// Views (reshape, transpose, expand, narrow) share `data`; kernels always write fresh contiguous arrays.
import { allocate, dtypeOf, type DType, type TypedArray } from './dtype.js';
import { contiguousStrides, numel, type Shape } from './shape.js';
import { stridedCopy } from './kernels/elementwise.js';

export class TensorData {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;

  constructor(data: TypedArray, shape: Shape, strides?: Shape, offset = 0) {
    this.data = data;
    this.shape = [...shape];
    this.strides = strides ? [...strides] : contiguousStrides(shape);
    this.offset = offset;
  }

  static zeros(dtype: DType, shape: Shape): TensorData {
    return new TensorData(allocate(dtype, numel(shape)), shape);
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return numel(this.shape);
  }

  /** True when the elements are laid out row-major without gaps (offset may be non-zero). */
  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      const s = this.shape[i]!;
      if (s !== 1 && this.strides[i] !== expected) return false;
      expected *= s;
    }
    return true;
  }

  /** Offset of every element in row-major order: the one loop all strided reads share. */
  forEachOffset(fn: (flat: number, at: number) => void): void {
    const n = this.size;
    if (n === 0) return;
    const nd = this.shape.length;
    if (this.isContiguous()) {
      for (let i = 0; i < n; i++) fn(i, this.offset + i);
      return;
    }
    const idx = new Array<number>(nd).fill(0);
    let at = this.offset;
    for (let i = 0; i < n; i++) {
      fn(i, at);
      for (let d = nd - 1; d >= 0; d--) {
        idx[d]!++;
        at += this.strides[d]!;
        if (idx[d]! < this.shape[d]!) break;
        at -= this.strides[d]! * this.shape[d]!;
        idx[d] = 0;
      }
    }
  }

  /** A contiguous copy (or this, when already contiguous with offset 0 and no extra data). */
  contiguous(): TensorData {
    if (this.isContiguous() && this.offset === 0 && this.data.length === this.size) return this;
    return this.copy();
  }

  copy(dtype: DType = this.dtype): TensorData {
    const out = allocate(dtype, this.size);
    const src = this.data;
    if (dtype === 'int32' && this.dtype !== 'int32' && this.dtype !== 'bool') {
      this.forEachOffset((i, at) => { out[i] = Math.trunc(src[at]!); });
    } else if (dtype === 'bool') {
      this.forEachOffset((i, at) => { out[i] = src[at] !== 0 && !Number.isNaN(src[at]!) ? 1 : 0; });
    } else if (this.isContiguous()) {
      out.set(src.subarray(this.offset, this.offset + this.size));
    } else {
      stridedCopy(this, out);
    }
    return new TensorData(out, this.shape);
  }

  /** Values in row-major order, as a contiguous typed array of this dtype (never aliases the storage). */
  toTypedArray(): TypedArray {
    return this.copy().data;
  }

  get(index: readonly number[]): number {
    let at = this.offset;
    for (let i = 0; i < index.length; i++) at += index[i]! * this.strides[i]!;
    return this.data[at]!;
  }
}
