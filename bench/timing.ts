// Timing helpers shared by the benchmark workers: warm up, then the median of repeated runs
// within a time budget (at least `min` runs).
export async function median(
  fn: () => unknown,
  opts: { warmup?: number; min?: number; budgetMs?: number } = {},
): Promise<number> {
  const warmup = opts.warmup ?? 2;
  const min = opts.min ?? 3;
  const budget = opts.budgetMs ?? 4000;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < min || (performance.now() - start < budget && times.length < 200)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export interface WorkloadResult {
  matmulGflops: number | null;
  cnnImgPerSec: number | null;
  mlpImgPerSec: number | null;
  kdStepMicros: number | null;
  convFwdBwdMs: number | null;
  /** kdgrad only: the WebAssembly SIMD peak measured by the probe (bench/probe.ts). */
  simdPeak?: import('./probe.js').SimdPeak | null;
  /** kdgrad only: multiply-adds per image of a training step of the CNN and the MLP (bench/kdgrad.ts). */
  stepMacsPerImage?: { cnn: number; mlp: number };
  notes: string[];
}
