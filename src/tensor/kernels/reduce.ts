// Reductions over a set of dims: the reduced dims are permuted to the end and made contiguous,
// so each output element reduces one contiguous run of R inputs.
import { backend } from '../backend/index.js';
import { runSum } from '../backend/run-sum.js';
import type { DType } from '../dtype.js';
import { coalesce, forEachRun } from '../layout.js';
import { allocateUninitialized, borrowScratch, returnScratch } from '../buffer-pool.js';
import { contiguousStrides, numel } from '../shape.js';
import { TensorData } from '../storage.js';

/** Output shape of a reduction: reduced dims removed, or kept as size 1. */
export function reducedShape(
  shape: readonly number[],
  dims: readonly number[],
  keepdim: boolean,
): number[] {
  return keepdim
    ? shape.map((s, d) => (dims.includes(d) ? 1 : s))
    : shape.filter((_, d) => !dims.includes(d));
}

/**
 * Sum over dims in one pass over the input in its own layout: the output is addressed with
 * stride 0 on the reduced dims, and partial sums are kept in float64.
 */
export function sumKernel(
  a: TensorData,
  dims: readonly number[],
  keepdim: boolean,
  outDtype: DType,
): TensorData {
  const kept = reducedShape(a.shape, dims, true);
  const keptStrides = contiguousStrides(kept).map((s, d) => (dims.includes(d) ? 0 : s));
  const acc = borrowScratch('float64', numel(kept)) as Float64Array;
  acc.fill(0);
  const src = a.data;
  if (!channelSums(a, keptStrides, acc))
    forEachRun(a.shape, [a.strides, keptStrides], [a.offset, 0], (_, at, len, step) => {
      let i = at[0]!;
      const si = step[0]!;
      let o = at[1]!;
      const so = step[1]!;
      if (so === 0) {
        acc[o]! += runSum(src, i, len, si);
      } else {
        for (let j = 0; j < len; j++, i += si, o += so) acc[o]! += src[i]!;
      }
    });
  const out = allocateUninitialized(outDtype, acc.length);
  for (let i = 0; i < acc.length; i++) out[i] = acc[i]!;
  returnScratch(acc);
  return new TensorData(out, reducedShape(a.shape, dims, keepdim));
}

/**
 * Sums per channel — x laid out as [N, C, S] once coalesced, summed over N and S (a conv or
 * linear bias's gradient) — as the backend primitive (wasm for large float32), in the general
 * loop's order, so with its bits; false (nothing done) for any other layout.
 */
function channelSums(a: TensorData, keptStrides: readonly number[], acc: Float64Array): boolean {
  const c = coalesce(a.shape, [a.strides, keptStrides]);
  const so = c.strides[1]!;
  const nd = c.shape.length;
  // pad to [N, C, S]: output stride 1 on C, 0 on N and S; the input contiguous
  const shape =
    nd === 3
      ? c.shape
      : nd === 2 && so[1] === 0
        ? [1, ...c.shape]
        : nd === 2
          ? [...c.shape, 1]
          : null;
  const outS = nd === 3 ? so : nd === 2 && so[1] === 0 ? [0, ...so] : [...so, 0];
  if (!shape || outS[0] !== 0 || outS[1] !== 1 || outS[2] !== 0) return false;
  const [N, C, S] = shape as [number, number, number];
  if (!a.isContiguous()) return false;
  backend.channelSums(a.data, a.offset, N, C, S, acc);
  return true;
}

/**
 * Max (or min) over dims with the flat index (within the reduced block, row-major) of the first
 * extreme value, in one pass over the input in its own layout. NaN wins, as in PyTorch.
 */
export function extremeKernel(
  a: TensorData,
  dims: readonly number[],
  keepdim: boolean,
  mode: 'max' | 'min',
): { values: TensorData; indices: TensorData } {
  const kept = reducedShape(a.shape, dims, true);
  const inner = numel(dims.map((d) => a.shape[d]!));
  if (inner === 0) throw new RangeError(`${mode}: cannot reduce over an empty dimension`);
  const outStrides = contiguousStrides(kept).map((s, d) => (dims.includes(d) ? 0 : s));
  // position within the reduced block: row-major over the reduced dims, 0 on kept dims
  const blockStrides = new Array<number>(a.ndim).fill(0);
  let step = 1;
  for (let q = dims.length - 1; q >= 0; q--) {
    blockStrides[dims[q]!] = step;
    step *= a.shape[dims[q]!]!;
  }
  const n = numel(kept);
  const best = (borrowScratch('float64', n) as Float64Array).fill(
    mode === 'max' ? -Infinity : Infinity,
  );
  const bestAt = allocateUninitialized('int32', n).fill(-1);
  const src = a.data;
  const sign = mode === 'max' ? 1 : -1;
  forEachRun(a.shape, [a.strides, outStrides, blockStrides], [a.offset, 0, 0], (_, at, len, st) => {
    let i = at[0]!;
    let o = at[1]!;
    let r = at[2]!;
    for (let j = 0; j < len; j++, i += st[0]!, o += st[1]!, r += st[2]!) {
      const v = src[i]!;
      const b = best[o]!;
      if (b !== b) continue; // NaN already won
      if (bestAt[o]! < 0 || v !== v || sign * (v - b) > 0) {
        best[o] = v;
        bestAt[o] = r;
      }
    }
  });
  const values = allocateUninitialized(a.dtype, n);
  for (let k = 0; k < n; k++) values[k] = best[k]!;
  returnScratch(best);
  const shape = reducedShape(a.shape, dims, keepdim);
  return { values: new TensorData(values, shape), indices: new TensorData(bestAt, shape) };
}
