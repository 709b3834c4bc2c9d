// Fused (log-)softmax along one dim: one pass for the max, one for Σ exp(x − max), one to write.
// A row that is all −∞ (or holds +∞) is shifted by 0 instead of its max, as logsumexp does.
import type { DType } from '../dtype.js';
import { allocateUninitialized, borrowScratch, returnScratch } from '../buffer-pool.js';
import { TensorData } from '../storage.js';
import { permuteView } from './views.js';

/**
 * log-softmax (or softmax with `probabilities`) along dim. With `alsoProbabilities`, the softmax
 * is returned too (exp(x − m)/Σ, a division instead of a second exp), for backward to reuse.
 */
export function logSoftmaxKernel(
  a: TensorData,
  dim: number,
  outDtype: DType,
  probabilities = false,
): TensorData {
  return logSoftmaxWithProbs(a, dim, outDtype, probabilities, false).out;
}

export function logSoftmaxWithProbs(
  a: TensorData,
  dim: number,
  outDtype: DType,
  probabilities: boolean,
  alsoProbabilities: boolean,
): { out: TensorData; probs: TensorData | null } {
  const nd = a.ndim;
  const order = [...Array(nd).keys()].filter((d) => d !== dim).concat(nd ? [dim] : []);
  const rowsLast = permuteView(a, order).contiguous();
  const src = rowsLast.data;
  const n = nd ? a.shape[dim]! : 1;
  const rows = n ? rowsLast.size / n : 0;
  const out = probabilities ? null : allocateUninitialized(outDtype, rowsLast.size); // every row is written
  const wantP = probabilities || alsoProbabilities;
  const p = wantP ? allocateUninitialized(outDtype, rowsLast.size) : null;
  const e = borrowScratch('float64', n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let m = -Infinity;
    for (let j = 0; j < n; j++) if (src[base + j]! > m) m = src[base + j]!;
    if (!Number.isFinite(m)) m = 0;
    let s = 0;
    for (let j = 0; j < n; j++) s += e[j] = Math.exp(src[base + j]! - m);
    const lse = Math.log(s);
    if (p) for (let j = 0; j < n; j++) p[base + j] = e[j]! / s;
    if (out) for (let j = 0; j < n; j++) out[base + j] = src[base + j]! - m - lse;
  }
  returnScratch(e);
  const shape = order.map((d) => a.shape[d]!);
  const back = (t: TensorData): TensorData => {
    if (dim === nd - 1 || nd === 0) return t;
    const inverse = new Array<number>(nd);
    order.forEach((d, i) => {
      inverse[d] = i;
    });
    return permuteView(t, inverse).contiguous();
  };
  const probsData = p ? back(new TensorData(p, shape)) : null;
  return {
    out: out ? back(new TensorData(out, shape)) : probsData!,
    probs: alsoProbabilities ? probsData : null,
  };
}
