// Worker threads: the kernels split over 2 threads give bit-identical results to 1 thread
// (threads take units of work from a shared counter; each unit is computed the same way whoever
// takes it), the workers start and report ready, bad counts are named.
import { afterAll, describe, expect, it } from 'vitest';
import {
  F,
  Generator,
  getNumThreads,
  randn,
  setNumThreads,
  threadsReady,
  threadStatus,
} from '../../src/index.js';

afterAll(() => setNumThreads(1));

function workload(seed: number) {
  const g = new Generator(seed);
  const a = randn([67, 301], { generator: g });
  const b = randn([301, 129], { generator: g });
  const x = randn([7, 5, 13, 11], { generator: g }).requiresGrad_();
  const w = randn([6, 5, 3, 3], { generator: g }).requiresGrad_();
  const y = F.conv2d(x, w, null, { padding: 1, stride: [1, 2] });
  y.square().sum().backward();
  // rows of 1100 floats: B is packed (assembly/gemm.ts); 17 images cross the weight gradient's chunks
  const wide = randn([301, 1100], { generator: g });
  const x2 = randn([17, 3, 33, 34], { generator: g }).requiresGrad_();
  const w2 = randn([4, 3, 5, 5], { generator: g }).requiresGrad_();
  const y2 = F.maxPool2d(F.conv2d(x2, w2, null, { padding: 2 }), 2);
  y2.square().sum().backward();
  // elementwise kernels large enough to be split: relu, a bias over channels, relu's backward
  const z = randn([8, 100, 1001], { generator: g }).requiresGrad_();
  const zb = randn([100, 1], { generator: g });
  const y3 = z.add(zb).relu();
  y3.backward(randn([8, 100, 1001], { generator: g }));
  // a convolution with its bias and a ReLU fused: the gate and the bias sums in the weight pass
  const x4 = randn([11, 3, 12, 16], { generator: g }).requiresGrad_();
  const w4 = randn([5, 3, 3, 3], { generator: g }).requiresGrad_();
  const b4 = randn([5], { generator: g }).requiresGrad_();
  const y4 = F.conv2d(x4, w4, b4, { padding: 1, relu: true });
  y4.backward(randn([11, 5, 12, 16], { generator: g }));
  return [
    a.matmul(b),
    a.matmul(b.t().contiguous().t()),
    y,
    x.grad!,
    w.grad!,
    a.matmul(wide),
    y2,
    x2.grad!,
    w2.grad!,
    y3,
    z.grad!,
    y4,
    x4.grad!,
    w4.grad!,
    b4.grad!,
  ].map((t) => Array.from(t.toTypedArray()));
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

  it("jobs back to back on more threads than cores give one thread's bits", async () => {
    // workers poll between jobs, join a job only while it is open, and the caller waits for those
    // that joined: with 4 threads on a 2-core machine some wake after the caller has taken every
    // unit (they must not run it, nor count towards a later job), others are still inside a unit
    // when the caller's share ends (the caller must wait for them before reading the result)
    const jobs = (seed: number) => {
      const g = new Generator(seed);
      const a = randn([64, 256], { generator: g });
      const b = randn([256, 256], { generator: g });
      const z = randn([3 * 16384], { generator: g });
      const out = new Float32Array(120 * (64 * 256 + z.numel()));
      let at = 0;
      for (let i = 0; i < 120; i++) {
        const c = a.matmul(b.mul(1 + i / 120));
        out.set(c.toTypedArray(), at);
        out.set(z.add(c.mean()).relu().toTypedArray(), (at += c.numel()));
        at += z.numel();
      }
      return out;
    };
    setNumThreads(1);
    const one = jobs(5);
    setNumThreads(4);
    expect(await threadsReady()).toBe(4);
    const four = jobs(5);
    expect(four.findIndex((v, i) => !Object.is(v, one[i]))).toBe(-1);
  });

  it('rejects a bad thread count with the value', () => {
    expect(() => setNumThreads(0)).toThrow(
      /setNumThreads: expected an integer from 1 to 64, got 0/,
    );
    expect(() => setNumThreads(1.5)).toThrow(/got 1.5/);
  });
});
