// Reductions over a set of dims: the reduced dims are permuted to the end and made contiguous,
// so each output element reduces one contiguous run of R inputs.
import { allocate, type DType } from '../dtype.js';
import { contiguousStrides, numel } from '../shape.js';
import { forEachRun } from './elementwise.js';
import { TensorData } from '../storage.js';
import { permuteView } from './views.js';

interface Blocks {
  data: TensorData; // contiguous, reduced dims last
  outer: number; // number of output elements
  inner: number; // elements reduced per output
  keptShape: number[]; // output shape without the reduced dims
}

function toBlocks(a: TensorData, dims: readonly number[]): Blocks {
  const kept: number[] = [];
  for (let d = 0; d < a.ndim; d++) if (!dims.includes(d)) kept.push(d);
  const permuted = permuteView(a, [...kept, ...dims]).contiguous();
  const keptShape = kept.map((d) => a.shape[d]!);
  const inner = numel(dims.map((d) => a.shape[d]!));
  return { data: permuted, outer: numel(keptShape), inner, keptShape };
}

/** Output shape of a reduction: reduced dims removed, or kept as size 1. */
export function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  return keepdim ? shape.map((s, d) => (dims.includes(d) ? 1 : s)) : shape.filter((_, d) => !dims.includes(d));
}

/**
 * Sum over dims in one pass over the input in its own layout: the output is addressed with
 * stride 0 on the reduced dims, and partial sums are kept in float64.
 */
export function sumKernel(a: TensorData, dims: readonly number[], keepdim: boolean, outDtype: DType): TensorData {
  const kept = reducedShape(a.shape, dims, true);
  const keptStrides = contiguousStrides(kept).map((s, d) => (dims.includes(d) ? 0 : s));
  const acc = new Float64Array(numel(kept));
  const src = a.data;
  forEachRun(a.shape, [a.strides, keptStrides], [a.offset, 0], (_, at, len, step) => {
    let i = at[0]!;
    const si = step[0]!;
    let o = at[1]!;
    const so = step[1]!;
    if (so === 0) {
      let s = 0;
      for (let j = 0; j < len; j++, i += si) s += src[i]!;
      acc[o]! += s;
    } else {
      for (let j = 0; j < len; j++, i += si, o += so) acc[o]! += src[i]!;
    }
  });
  const out = allocate(outDtype, acc.length);
  for (let i = 0; i < acc.length; i++) out[i] = acc[i]!;
  return new TensorData(out, reducedShape(a.shape, dims, keepdim));
}

/**
 * Max (or min) over dims with the flat index (within the reduced block) of the first extreme value.
 * NaN wins, as in PyTorch: a NaN anywhere in the block makes the result NaN.
 */
export function extremeKernel(
  a: TensorData,
  dims: readonly number[],
  keepdim: boolean,
  mode: 'max' | 'min',
): { values: TensorData; indices: TensorData } {
  const { data, outer, inner } = toBlocks(a, dims);
  if (inner === 0) throw new RangeError(`${mode}: cannot reduce over an empty dimension`);
  const src = data.data;
  const values = allocate(a.dtype, outer);
  const indices = new Int32Array(outer);
  const better = mode === 'max' ? (x: number, y: number) => x > y : (x: number, y: number) => x < y;
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    let best = src[base]!;
    let bestI = 0;
    if (!Number.isNaN(best)) {
      for (let i = 1; i < inner; i++) {
        const v = src[base + i]!;
        if (Number.isNaN(v)) { best = v; bestI = i; break; }
        if (better(v, best)) { best = v; bestI = i; }
      }
    }
    values[o] = best;
    indices[o] = bestI;
  }
  const shape = reducedShape(a.shape, dims, keepdim);
  return { values: new TensorData(values, shape), indices: new TensorData(indices, shape) };
}
