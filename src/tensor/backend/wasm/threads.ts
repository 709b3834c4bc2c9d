// Parallelism over the machine's cores: worker threads that instantiate the same wasm kernels on
// the same shared memory, and a fork-join call: every thread t of nt runs kernel(...args, t, nt)
// on its share (each kernel splits the work itself), and the caller waits until all are done.
//
// Control words of the current pool, in the shared memory's first page (Int32 indices):
//   GEN    bumped by the caller to start a job; workers sleep on it (Atomics.wait)
//   DONE   workers add 1 when their share is done; the caller sleeps on it
//   READY  workers add 1 once instantiated (jobs go to them only when all are ready)
//   STOP   1 asks the workers to exit
//   FN, ARGC, NT, FAILED, ARGS...  the job: kernel index, argument count, thread count, and the
//          index of a worker whose share threw (its error's text is at ERROR_AT in the slot)
//   NEXT   the job's work counter: every kernel takes (..., next, t, nt) and each thread takes
//          the next unit of work from it (atomic add) until none is left, so a slower thread
//          does fewer units; which thread does a unit never changes the result
//   JOIN   who takes part in the job: the job's tag (its GEN) in the high bits, a closed flag and
//          the count of workers that joined. A worker joins only while the job is open; the
//          caller closes it once its own share is done (every unit is then taken) and waits
//          only for the workers that joined, so a worker that wakes late never holds it up.
// Node: worker_threads. Browsers: Web Workers made from a Blob, when the page is cross-origin
// isolated (else SharedArrayBuffer is missing and kdgrad stays on one thread); a page's main
// thread may not block in Atomics.wait, so there the caller spins on the done counter instead.
import { PARALLEL_KERNELS as KERNELS } from './exports.generated.js';
import { wasm, type Wasm } from './loader.js';
import { CONTROL_AT, CONTROL_BYTES, CONTROL_SLOTS, heapI32, SOLO_COUNTER_AT } from './memory.js';

const GEN = 0,
  DONE = 1,
  READY = 2,
  STOP = 3,
  FN = 4,
  ARGC = 5,
  NT = 6,
  FAILED = 7,
  NEXT = 8,
  JOIN = 9,
  ARGS = 10;
/** JOIN = tag(gen) | CLOSED | workers joined (at most 63). */
const CLOSED = 0x80,
  TAG_MASK = 0x7fffff;
const tag = (gen: number) => (gen & TAG_MASK) << 8;
/**
 * Milliseconds a worker polls for the next job before it sleeps, and the caller for the workers
 * to finish before it sleeps (a sleeping thread wakes tens of microseconds late; polling costs a
 * core only while kernels run back to back).
 */
const SPIN_MS = 0.2;
/** Byte offset in a control slot of a failed worker's error text (UTF-16, ERROR_CHARS at most). */
const ERROR_AT = 128,
  ERROR_CHARS = (CONTROL_BYTES - ERROR_AT) / 2 - 1;
export type ParallelKernel = (typeof KERNELS)[number];

// The worker's whole program, as source text (so bundles need no separate file): instantiate
// the kernels on the shared memory, say ready, then sleep until a job, run its share, report.
const WORKER_LOOP = `
function run({ module, memory, index, names, control }) {
  const inst = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('kdgrad wasm kernel aborted'); } } });
  const ctl = new Int32Array(memory.buffer, control, ${CONTROL_BYTES / 4});
  Atomics.add(ctl, ${READY}, 1);
  let gen = 0;
  for (;;) {
    // the jobs of a training step come back to back: poll for the next one for a while before
    // sleeping, since waking a sleeping thread takes tens of microseconds
    const until = performance.now() + ${SPIN_MS};
    for (let i = 1; Atomics.load(ctl, ${GEN}) === gen; i++)
      if ((i & 1023) === 0 && performance.now() > until) { Atomics.wait(ctl, ${GEN}, gen); break; }
    gen = Atomics.load(ctl, ${GEN});
    if (Atomics.load(ctl, ${STOP}) === 1) break;
    if (index >= ctl[${NT}]) continue;
    // join the job unless the caller has closed it (or moved on to a later one)
    const open = (gen & ${TAG_MASK}) << 8;
    let joined = false;
    for (let v = Atomics.load(ctl, ${JOIN}); v >>> 8 === open >>> 8 && !(v & ${CLOSED}); ) {
      const seen = Atomics.compareExchange(ctl, ${JOIN}, v, v + 1);
      if (seen === v) { joined = true; break; }
      v = seen;
    }
    if (joined) {
      const nt = ctl[${NT}];
      const args = [];
      for (let i = 0; i < ctl[${ARGC}]; i++) args.push(ctl[${ARGS} + i] >>> 0);
      try { inst.exports[names[ctl[${FN}]]](...args, index, nt); } catch (e) {
        if (Atomics.compareExchange(ctl, ${FAILED}, 0, index) === 0) {
          const text = String(e && e.message ? (e.name ? e.name + ': ' : '') + e.message : e);
          const chars = new Uint16Array(memory.buffer, control + ${ERROR_AT}, ${ERROR_CHARS + 1});
          const n = Math.min(text.length, ${ERROR_CHARS});
          for (let i = 0; i < n; i++) chars[i] = text.charCodeAt(i);
          chars[n] = 0;
        }
      }
      Atomics.add(ctl, ${DONE}, 1);
      Atomics.notify(ctl, ${DONE});
    }
  }
}
`;
const NODE_WORKER = `${WORKER_LOOP}\nrun(require('node:worker_threads').workerData);\n`;
const BROWSER_WORKER = `${WORKER_LOOP}\nself.onmessage = (e) => run(e.data);\n`;

interface WorkerPool {
  w: Wasm;
  ctl: Int32Array;
  /** Byte address of the NEXT word. */
  next: number;
  workers: { terminate(): unknown }[];
}

let pool: WorkerPool | null = null;
let poolCount = 0;
let requested: number | null = null;
let note = '';
let warned = false;

type NodeProcess = {
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
};
const nodeProcess = (globalThis as { process?: NodeProcess }).process;

function defaultThreads(): number {
  const fromEnv = nodeProcess?.env?.KDGRAD_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(
        `KDGRAD_THREADS must be an integer >= 1, got ${JSON.stringify(fromEnv)}`,
      );
    return n;
  }
  const os = nodeProcess?.getBuiltinModule?.('node:os') as
    { availableParallelism?: () => number } | undefined;
  if (os?.availableParallelism) return Math.min(os.availableParallelism(), 8);
  const browser = globalThis as {
    crossOriginIsolated?: boolean;
    navigator?: { hardwareConcurrency?: number };
  };
  return browser.crossOriginIsolated ? Math.min(browser.navigator?.hardwareConcurrency ?? 1, 8) : 1;
}

/** Threads the kernels use (1 = no workers). Starts the workers on first use. */
export function getNumThreads(): number {
  return (requested ??= defaultThreads());
}

/**
 * Sets how many threads the wasm kernels use (as torch.set_num_threads): the caller's thread
 * plus n − 1 workers. Results do not depend on it: every split is fixed by the shapes alone.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new RangeError(`setNumThreads: expected an integer from 1 to 64, got ${n}`);
  if (n === requested) return;
  stopWorkers();
  requested = n;
  note = '';
}

function stopWorkers(): void {
  if (!pool) return;
  Atomics.store(pool.ctl, STOP, 1);
  Atomics.add(pool.ctl, GEN, 1);
  Atomics.notify(pool.ctl, GEN);
  for (const worker of pool.workers) void worker.terminate();
  pool = null;
}

type WorkerHandle = { terminate(): unknown; unref?(): void };

function startWorkers(w: Wasm, n: number): WorkerPool | null {
  if (!w.shared) {
    note = 'one thread (no SharedArrayBuffer: in a browser the page must be cross-origin isolated)';
    return null;
  }
  // each pool gets control words of its own: workers of a stopped pool that have not exited
  // yet can never take part in (or count towards) the jobs of the next one
  const control = CONTROL_AT + (poolCount++ % CONTROL_SLOTS) * CONTROL_BYTES;
  const data = (i: number) => ({
    module: w.module,
    memory: w.memory,
    index: i + 1,
    names: KERNELS,
    control,
  });
  const fail = (e: unknown) => {
    note = `one thread (a worker failed: ${(e as Error)?.message ?? String(e)})`;
    pool = null;
  };
  let spawn: ((i: number) => WorkerHandle) | null = null;
  const wt = nodeProcess?.getBuiltinModule?.('node:worker_threads') as
    | {
        Worker: new (
          src: string,
          opts: object,
        ) => WorkerHandle & { on(ev: string, fn: (e: unknown) => void): void };
      }
    | undefined;
  if (wt) {
    spawn = (i) => {
      const worker = new wt.Worker(NODE_WORKER, { eval: true, workerData: data(i) });
      worker.unref?.(); // idle workers never keep the process alive
      worker.on('error', fail);
      return worker;
    };
  } else if (
    typeof Worker === 'function' &&
    typeof Blob === 'function' &&
    typeof URL.createObjectURL === 'function'
  ) {
    const url = URL.createObjectURL(new Blob([BROWSER_WORKER], { type: 'text/javascript' }));
    spawn = (i) => {
      const worker = new Worker(url);
      worker.onerror = (e) => fail(e.message);
      worker.postMessage(data(i));
      return worker;
    };
  }
  if (!spawn) {
    note = 'one thread (no worker threads here)';
    return null;
  }
  const ctl = new Int32Array(w.memory.buffer, control, CONTROL_BYTES / 4);
  ctl.fill(0);
  const workers = Array.from({ length: n - 1 }, (_, i) => spawn(i));
  note = '';
  return { w, ctl, next: control + NEXT * 4, workers };
}

/** Atomics.wait may block here (Node, or a worker), but not on a browser page's main thread. */
const canBlock =
  !!nodeProcess?.getBuiltinModule ||
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';

/** How the kernels run now, for status lines: "2 threads" or "one thread (why)". */
export function threadStatus(): string {
  const n = getNumThreads();
  if (n === 1) return 'one thread';
  if (note) return note;
  return `${n} threads (${nodeProcess?.getBuiltinModule ? 'worker_threads' : 'Web Workers'} on shared wasm memory)`;
}

/** A parallel kernel's export as a plain function of numbers (its arguments vary by kernel). */
function kernelFunction(w: Wasm, kernel: ParallelKernel): (...a: number[]) => void {
  return (w.exports as unknown as Record<ParallelKernel, (...a: number[]) => void>)[kernel];
}

/** Runs kernel(...args, next, 0, 1) on this thread alone (work too small to share). */
export function solo(w: Wasm, kernel: ParallelKernel, args: readonly number[]): void {
  heapI32(w)[SOLO_COUNTER_AT / 4] = 0;
  kernelFunction(w, kernel)(...args, SOLO_COUNTER_AT, 0, 1);
}

/**
 * Runs kernel(...args, next, t, nt) for t = 0..nt−1, t = 0 on this thread, with `next` the
 * address of a work counter set to 0, and returns when all are done. Before the workers are up
 * (they start asynchronously), this thread does all the work.
 */
export function parallel(w: Wasm, kernel: ParallelKernel, args: readonly number[]): void {
  const fn = kernelFunction(w, kernel);
  const n = getNumThreads();
  if (n > 1 && !pool && !note) pool = startWorkers(w, n);
  const p = pool;
  if (n > 1 && note && !warned) {
    warned = true;
    console.warn(`kdgrad: ${n} threads requested, running ${note}`);
  }
  if (!p || Atomics.load(p.ctl, READY) < n - 1) {
    solo(w, kernel, args);
    return;
  }
  const ctl = p.ctl;
  ctl[FN] = KERNELS.indexOf(kernel);
  ctl[ARGC] = args.length + 1;
  ctl[NT] = n;
  ctl[FAILED] = 0;
  for (let i = 0; i < args.length; i++) ctl[ARGS + i] = args[i]!;
  ctl[ARGS + args.length] = p.next;
  Atomics.store(ctl, NEXT, 0);
  Atomics.store(ctl, DONE, 0);
  const open = tag(ctl[GEN]! + 1);
  Atomics.store(ctl, JOIN, open);
  Atomics.add(ctl, GEN, 1);
  Atomics.notify(ctl, GEN);
  let error: unknown = null;
  try {
    fn(...args, p.next, 0, n);
  } catch (e) {
    error = e;
  }
  // every unit is taken: close the job to workers that have not joined yet
  let joined = Atomics.load(ctl, JOIN);
  for (let seen; (seen = Atomics.compareExchange(ctl, JOIN, joined, joined | CLOSED)) !== joined;)
    joined = seen;
  joined -= open;
  let done: number;
  if (canBlock) {
    const until = performance.now() + SPIN_MS;
    for (let i = 1; (done = Atomics.load(ctl, DONE)) < joined; i++)
      if ((i & 1023) === 0 && performance.now() > until) Atomics.wait(ctl, DONE, done);
  } else while (Atomics.load(ctl, DONE) < joined); // spin: their shares are about as long as ours
  const failed = ctl[FAILED];
  if (!failed) {
    if (error) throw error as Error;
    return;
  }
  const chars = new Uint16Array(p.w.memory.buffer, p.next - NEXT * 4 + ERROR_AT, ERROR_CHARS + 1);
  const end = chars.indexOf(0);
  const text = String.fromCharCode(...chars.subarray(0, end < 0 ? ERROR_CHARS : end));
  const own = error instanceof Error ? ` and on this thread (${error.message})` : '';
  throw new Error(
    `kdgrad: the wasm kernel ${kernel} failed on worker thread ${failed} (${text})${own}`,
  );
}

/**
 * Resolves with the number of threads once the workers have started (they start on the first
 * parallel kernel call, or here), or with 1 when kdgrad runs on one thread.
 */
export async function threadsReady(timeoutMs = 10_000): Promise<number> {
  const n = getNumThreads();
  const w = wasm();
  if (n === 1 || !w) return 1;
  if (!pool && !note) pool = startWorkers(w, n);
  const start = Date.now();
  while (pool && Atomics.load(pool.ctl, READY) < n - 1) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`threadsReady: ${n - 1} worker threads did not start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return pool ? n : 1;
}
