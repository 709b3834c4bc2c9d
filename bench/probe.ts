// The WebAssembly SIMD peak of this machine, measured by the probe kernel (bench/assembly/probe.ts:
// independent f32x4 multiply-adds in registers), on one thread and on as many threads as kdgrad
// uses, each running its own copy at the same time. The probe is its own module (built beside
// the library's kernels by scripts/build-wasm.mjs, not shipped in them), run in worker threads of
// its own. The matmul row is read against it: how much of what this runtime can do GEMM reaches.
import { Worker } from 'node:worker_threads';
import { getNumThreads, wasmStatus } from '../src/tensor/backend/index.js';
import { PROBE_BASE64 } from './probe-binary.generated.js';
import { median } from './timing.js';

const FLOPS_PER_ROUND = 96;
const ROUNDS = 2_000_000;

type Probe = (out: number, rounds: number, next: number, t: number, nt: number) => void;

function instantiate(module: WebAssembly.Module): Probe {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => {} } });
  return instance.exports.simdPeakProbe as Probe;
}

// Each worker instantiates the probe, then on every bump of ctl[0] runs it once and counts itself
// done in ctl[1].
const WORKER = `
const { workerData } = require('node:worker_threads');
const { module, ctl: buffer, index, rounds } = workerData;
const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
const probe = new WebAssembly.Instance(module, { env: { memory, abort() {} } }).exports.simdPeakProbe;
const ctl = new Int32Array(buffer);
Atomics.add(ctl, 2, 1);
let gen = 0;
for (;;) {
  Atomics.wait(ctl, 0, gen);
  gen = Atomics.load(ctl, 0);
  if (gen < 0) break;
  probe(0, rounds, 0, index, 1);
  Atomics.add(ctl, 1, 1);
  Atomics.notify(ctl, 1);
}
`;

export async function simdPeak(): Promise<{
  oneThread: number;
  allThreads: number;
  threads: number;
} | null> {
  if (!wasmStatus().enabled) return null;
  const module = new WebAssembly.Module(Buffer.from(PROBE_BASE64, 'base64'));
  const probe = instantiate(module);
  const gflops = (ms: number, threads: number) => (FLOPS_PER_ROUND * ROUNDS * threads) / (ms * 1e6);
  const timing = { warmup: 2, min: 7, budgetMs: 1500 };
  const one = await median(() => probe(0, ROUNDS, 0, 0, 1), timing);
  const threads = getNumThreads();
  const ctl = new Int32Array(new SharedArrayBuffer(12));
  const workers = Array.from(
    { length: threads - 1 },
    (_, i) =>
      new Worker(WORKER, {
        eval: true,
        workerData: { module, ctl: ctl.buffer, index: i + 1, rounds: ROUNDS },
      }),
  );
  while (Atomics.load(ctl, 2) < threads - 1) await new Promise((r) => setTimeout(r, 5));
  const all = await median(() => {
    Atomics.store(ctl, 1, 0);
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
    probe(0, ROUNDS, 0, 0, 1);
    let done: number;
    while ((done = Atomics.load(ctl, 1)) < threads - 1) Atomics.wait(ctl, 1, done);
  }, timing);
  Atomics.store(ctl, 0, -1);
  Atomics.notify(ctl, 0);
  await Promise.all(workers.map((w) => w.terminate()));
  return { oneThread: gflops(one, 1), allThreads: gflops(all, threads), threads };
}
