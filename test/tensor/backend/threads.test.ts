// A kernel that fails on a worker thread reports the worker's own error text, not only that
// something failed somewhere.
import { afterAll, describe, expect, it } from 'vitest';
import { setNumThreads, threadsReady } from '../../../src/tensor/backend/index.js';
import { ELEMENTWISE_UNIT } from '../../../src/tensor/backend/wasm/exports.generated.js';
import { wasm } from '../../../src/tensor/backend/wasm/loader.js';
import { reserve } from '../../../src/tensor/backend/wasm/memory.js';
import { parallel } from '../../../src/tensor/backend/wasm/threads.js';

describe('worker threads', () => {
  afterAll(() => setNumThreads(1));

  it("a kernel's failure on a worker thread carries the worker's error message", async () => {
    setNumThreads(2);
    expect(await threadsReady()).toBe(2);
    const w = wasm()!;
    const units = 100;
    const n = units * ELEMENTWISE_UNIT;
    const [out] = reserve(w, [n * 4]) as [number];
    // the input's second half lies past the end of memory: whichever thread takes a unit there
    // fails, and once this thread has failed the worker takes the rest
    const x = w.memory.buffer.byteLength - (units / 2) * ELEMENTWISE_UNIT * 4;
    expect(() => parallel(w, 'reluF32', [x, out, n])).toThrow(
      /the wasm kernel reluF32 failed on worker thread 1 \(RuntimeError: memory access out of bounds\)/,
    );
  });
});
