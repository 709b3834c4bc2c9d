// The WebAssembly SIMD peak of this machine, measured by the probe kernels (bench/assembly/:
// twelve independent f32x4 multiply-add chains in registers, plain and fused), on one thread and
// on as many threads as kdgrad uses, each running its own copy at the same time. The fused probe
// needs relaxed SIMD: Node 20 has it behind a V8 flag, set here before the first compile; a
// runtime without it refuses the module and the peak is the plain one. The probes are their own
// modules (built beside the library's kernels by scripts/build-wasm.mjs, not shipped in them),
// run in worker threads of their own. Workloads are read against the higher of the two peaks.
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { getNumThreads, wasmStatus } from '../src/tensor/backend/index.js';
import { PROBE_BASE64, PROBE_FUSED_BASE64 } from './probe-binary.generated.js';
import { median } from './timing.js';

const FLOPS_PER_ROUND = 96;
const ROUNDS = 2_000_000;

type Probe = (out: number, rounds: number, next: number, t: number, nt: number) => void;

function instantiate(module: WebAssembly.Module, name: string): Probe {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => {} } });
  return instance.exports[name] as Probe;
}

// Each worker instantiates the probe, then on every bump of ctl[0] runs it once and counts itself
// done in ctl[1].
const WORKER = `
const { workerData } = require('node:worker_threads');
const { module, name, ctl: buffer, index, rounds } = workerData;
const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
const probe = new WebAssembly.Instance(module, { env: { memory, abort() {} } }).exports[name];
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

export interface Peak {
  oneThread: number;
  allThreads: number;
}

export interface SimdPeak extends Peak {
  threads: number;
  /** Fused multiply-add (relaxed SIMD), or null with the reason in `fusedNote`. */
  fused: Peak | null;
  fusedNote: string;
  /** The higher of the two on all threads: what the workloads are read against. */
  limit: number;
}

/** The fused probe's module, or why this runtime cannot compile it. */
function fusedModule(): WebAssembly.Module | string {
  // Node 20 (V8 11.3) has relaxed SIMD behind a flag; later runtimes ship it on
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  try {
    return new WebAssembly.Module(Buffer.from(PROBE_FUSED_BASE64, 'base64'));
  } catch (e) {
    return `no relaxed SIMD in this runtime (${(e as Error).message.split('\n')[0]})`;
  }
}

/** One probe on one thread, then on `threads` at once (this one and threads − 1 workers). */
async function measure(module: WebAssembly.Module, name: string, threads: number): Promise<Peak> {
  const probe = instantiate(module, name);
  const gflops = (ms: number, n: number) => (FLOPS_PER_ROUND * ROUNDS * n) / (ms * 1e6);
  const timing = { warmup: 2, min: 7, budgetMs: 1500 };
  const one = await median(() => probe(0, ROUNDS, 0, 0, 1), timing);
  const ctl = new Int32Array(new SharedArrayBuffer(12));
  const workers = Array.from(
    { length: threads - 1 },
    (_, i) =>
      new Worker(WORKER, {
        eval: true,
        workerData: { module, name, ctl: ctl.buffer, index: i + 1, rounds: ROUNDS },
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
  return { oneThread: gflops(one, 1), allThreads: gflops(all, threads) };
}

export async function simdPeak(): Promise<SimdPeak | null> {
  if (!wasmStatus().enabled) return null;
  const threads = getNumThreads();
  const plainModule = new WebAssembly.Module(Buffer.from(PROBE_BASE64, 'base64'));
  const plain = await measure(plainModule, 'simdPeakProbe', threads);
  const fm = fusedModule();
  const fused = typeof fm === 'string' ? null : await measure(fm, 'simdFusedPeakProbe', threads);
  return {
    ...plain,
    threads,
    fused,
    fusedNote: typeof fm === 'string' ? fm : 'fused multiply-add (relaxed SIMD)',
    limit: Math.max(plain.allThreads, fused?.allThreads ?? 0),
  };
}
