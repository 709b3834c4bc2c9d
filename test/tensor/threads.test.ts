// Worker threads: the kernels split over 2 threads give bit-identical results to 1 thread
// (every split is fixed by the shapes), the workers start and report ready, bad counts are named.
import { afterAll, describe, expect, it } from 'vitest';
import { F, Generator, getNumThreads, randn, setNumThreads, threadsReady, threadStatus } from '../../src/index.js';

afterAll(() => setNumThreads(1));

function workload(seed: number) {
  const g = new Generator(seed);
  const a = randn([67, 301], { generator: g });
  const b = randn([301, 129], { generator: g });
  const x = randn([7, 5, 13, 11], { generator: g }).requiresGrad_();
  const w = randn([6, 5, 3, 3], { generator: g }).requiresGrad_();
  const y = F.conv2d(x, w, null, { padding: 1, stride: [1, 2] });
  y.square().sum().backward();
  return [a.matmul(b), a.matmul(b.t().contiguous().t()), y, x.grad!, w.grad!].map((t) => Array.from(t.toTypedArray()));
}

describe('worker threads', () => {
  it('give the same bits as one thread for matmul and conv forward/backward', async () => {
    setNumThreads(1);
    expect(threadStatus()).toBe('one thread');
    const one = workload(3);
    setNumThreads(2);
    expect(getNumThreads()).toBe(2);
    expect(await threadsReady()).toBe(2);
    expect(threadStatus()).toBe('2 threads (worker_threads on shared wasm memory)');
    const two = workload(3);
    expect(two).toEqual(one);
  });

  it('restarting the pool many times keeps the results exact (each pool has its own control words)', async () => {
    setNumThreads(1);
    const one = workload(8);
    for (let i = 0; i < 6; i++) {
      setNumThreads(i % 2 ? 3 : 2);
      await threadsReady();
      expect(workload(8)).toEqual(one);
    }
  });

  it('rejects a bad thread count with the value', () => {
    expect(() => setNumThreads(0)).toThrow(/setNumThreads: expected an integer from 1 to 64, got 0/);
    expect(() => setNumThreads(1.5)).toThrow(/got 1.5/);
  });
});
