// The WebAssembly SIMD peak of this machine, measured by the probe kernel (assembly/probe.ts:
// independent f32x4 multiply-adds in registers), on one thread and on all of kdgrad's threads.
// The matmul row is read against it: how much of what this runtime can do the GEMM reaches.
import { getNumThreads, parallel } from '../src/tensor/kernels/threads.js';
import { reserve, wasm } from '../src/tensor/kernels/wasm.js';
import { median } from './timing.js';

const FLOPS_PER_ROUND = 96;

export async function simdPeak(): Promise<{
  oneThread: number;
  allThreads: number;
  threads: number;
} | null> {
  const w = wasm();
  if (!w) return null;
  const rounds = 2_000_000;
  const [out] = reserve(w, [16 * 64]) as [number];
  const gflops = (ms: number, threads: number) => (FLOPS_PER_ROUND * rounds * threads) / (ms * 1e6);
  const one = await median(() => w.exports.simdPeakProbe(out, rounds, 0, 0, 1), {
    warmup: 2,
    min: 7,
    budgetMs: 1500,
  });
  const threads = getNumThreads();
  const all = await median(() => parallel(w, 'simdPeakProbe', [out, rounds]), {
    warmup: 2,
    min: 7,
    budgetMs: 1500,
  });
  return { oneThread: gflops(one, 1), allThreads: gflops(all, threads), threads };
}
