// A strided view over a flat typed array: element [i0, i1, ...] lives at offset + sum(i_k * strides[k]).
// Views (reshape, transpose, expand, narrow) share `data`; kernels always write fresh contiguous arrays.
import { dtypeOf, newArray, type DType, type TypedArray } from './dtype.js';
import { allocate, allocateUninitialized, trackView, type Releasable } from './buffer-pool.js';
import { backend } from './backend/index.js';
import { contiguousStrides, numel, type Shape } from './shape.js';
import { stridedCopy } from './layout.js';

export class TensorData implements Releasable {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  #data: TypedArray;
  #released = false;

  constructor(data: TypedArray, shape: Shape, strides?: Shape, offset = 0) {
    this.#data = data;
    this.shape = [...shape];
    this.strides = strides ? [...strides] : contiguousStrides(shape);
    this.offset = offset;
    trackView(this);
  }

  /** The flat array this view reads; throws once its tidy() scope has released it for reuse. */
  get data(): TypedArray {
    if (this.#released) {
      throw new Error(
        `tensor of shape [${this.shape.join(', ')}] was released when its tidy() scope ended; return it from the scope or keep() it to use it afterwards`,
      );
    }
    return this.#data;
  }

  /** The array without the released check (the pool's bookkeeping only). */
  get rawData(): TypedArray {
    return this.#data;
  }

  get released(): boolean {
    return this.#released;
  }

  markReleased(): void {
    this.#released = true;
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

  /** A matrix whose strides are [1, rows]: the transpose of a row-major one. */
  private isTransposedMatrix(): boolean {
    const [R, C] = this.shape;
    return this.ndim === 2 && R! > 1 && C! > 1 && this.strides[0] === 1 && this.strides[1] === R;
  }

  /** A contiguous copy (or this, when already contiguous with offset 0 and no extra data). */
  contiguous(): TensorData {
    if (this.isContiguous() && this.offset === 0 && this.data.length === this.size) return this;
    return this.copy();
  }

  copy(dtype: DType = this.dtype): TensorData {
    const out = allocateUninitialized(dtype, this.size); // every element is written below
    const src = this.data;
    if (dtype === 'int32' && this.dtype !== 'int32' && this.dtype !== 'bool') {
      this.forEachOffset((i, at) => {
        out[i] = Math.trunc(src[at]!);
      });
    } else if (dtype === 'bool') {
      this.forEachOffset((i, at) => {
        out[i] = src[at] !== 0 && !Number.isNaN(src[at]!) ? 1 : 0;
      });
    } else if (this.isContiguous()) {
      out.set(src.subarray(this.offset, this.offset + this.size));
    } else if (this.isTransposedMatrix()) {
      // [R, C] with strides [1, R]: the transpose of a row-major [C, R] from the offset
      backend.transpose(src, this.offset, this.shape[1]!, this.shape[0]!, out);
    } else {
      stridedCopy(this, out);
    }
    return new TensorData(out, this.shape);
  }

  /** Values in row-major order, as a contiguous typed array of this dtype (never aliases the storage). */
  toTypedArray(): TypedArray {
    // a fresh array outside the pool: the caller owns it beyond any tidy() scope
    const out = newArray(this.dtype, this.size);
    const c = this.contiguous();
    out.set(c.data.subarray(0, this.size));
    return out;
  }

  get(index: readonly number[]): number {
    let at = this.offset;
    for (let i = 0; i < index.length; i++) at += index[i]! * this.strides[i]!;
    return this.data[at]!;
  }
}
