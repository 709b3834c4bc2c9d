// Walking strided arrays: dims laid out contiguously for every operand are merged first
// ("coalesced"), so most broadcasts reduce to a short outer loop around a long inner one.
import { numel, type Shape } from './shape.js';
import type { TypedArray } from './dtype.js';

/** Merges dim d into d+1 wherever stride[d] = stride[d+1]·shape[d+1] for every operand; drops size-1 dims. */
export function coalesce(
  shape: Shape,
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, q) => outStrides[q]![last] === s[d]! * size)) {
      outShape[last] = outShape[last]! * size;
      strides.forEach((s, q) => {
        outStrides[q]![last] = s[d]!;
      });
    } else {
      outShape.push(size);
      strides.forEach((s, q) => outStrides[q]!.push(s[d]!));
    }
  }
  if (!outShape.length) {
    outShape.push(1);
    strides.forEach((_, q) => outStrides[q]!.push(0));
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Visits the coalesced outer index space of `shape`, calling inner(outStart, offsets, length, innerStrides)
 * once per innermost run.
 */
export function forEachRun(
  shape: Shape,
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  inner: (o: number, at: number[], len: number, step: number[]) => void,
): void {
  if (numel(shape) === 0) return;
  const c = coalesce(shape, strides);
  const nd = c.shape.length;
  const len = c.shape[nd - 1]!;
  const step = c.strides.map((s) => s[nd - 1]!);
  const base = [...offsets];
  const idx = new Array<number>(nd).fill(0);
  const runs = numel(c.shape) / len;
  for (let r = 0; r < runs; r++) {
    inner(r * len, base, len, step);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      for (let q = 0; q < base.length; q++) base[q]! += c.strides[q]![d]!;
      if (idx[d]! < c.shape[d]!) break;
      for (let q = 0; q < base.length; q++) base[q]! -= c.strides[q]![d]! * c.shape[d]!;
      idx[d] = 0;
    }
  }
}

/** Copies a strided view into a fresh contiguous array of `dtype` (values cast by the typed array). */
export function stridedCopy(
  a: { data: TypedArray; shape: Shape; strides: readonly number[]; offset: number },
  out: TypedArray,
): void {
  const src = a.data;
  forEachRun(a.shape, [a.strides], [a.offset], (o, at, len, step) => {
    let i = at[0]!;
    const s = step[0]!;
    if (s === 1) {
      for (let j = 0; j < len; j++) out[o + j] = src[i + j]!;
      return;
    }
    for (let j = 0; j < len; j++, i += s) out[o + j] = src[i]!;
  });
}
