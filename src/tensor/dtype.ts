// Element types. Floats carry gradients; int32 and bool hold indices, labels and masks.
export type DType = 'float32' | 'float64' | 'int32' | 'bool';
export type FloatDType = 'float32' | 'float64';
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];
export const DEFAULT_DTYPE: FloatDType = 'float32';

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

export function isFloat(d: DType): d is FloatDType {
  return d === 'float32' || d === 'float64';
}

export function assertDType(d: unknown, where: string): DType {
  if (typeof d !== 'string' || !(DTYPES as readonly string[]).includes(d)) {
    throw new TypeError(
      `${where}: unknown dtype ${JSON.stringify(d)} (expected one of ${DTYPES.join(', ')})`,
    );
  }
  return d as DType;
}

/** Type promotion, as PyTorch: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The dtype a floating op (exp, div, mean, ...) computes in: ints and bools become float32. */
export function toFloat(d: DType): FloatDType {
  return isFloat(d) ? d : DEFAULT_DTYPE;
}

/** A fresh zero-filled array that the buffer pool never sees (buffer-pool.ts's allocate is what kernels use). */
export function newArray(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'bool':
      return new Uint8Array(n);
  }
}

export function dtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/** Stores a JS number the way the dtype would (bool: nonzero -> 1, int32: truncation). */
export function castValue(dtype: DType, v: number): number {
  if (dtype === 'bool') return v !== 0 && !Number.isNaN(v) ? 1 : 0;
  if (dtype === 'int32') return v | 0;
  if (dtype === 'float32') return Math.fround(v);
  return v;
}
