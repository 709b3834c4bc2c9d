// Loaded by test/web/threads.test.ts in a cross-origin isolated page: the same kernels on 1 and
// on 2 threads (Web Workers on a shared wasm memory) must give the same bits.
import { F, Generator, randn, setNumThreads, threadsReady, threadStatus } from '../../src/index.js';

function workload(): number[][] {
  const g = new Generator(4);
  const a = randn([65, 200], { generator: g });
  const b = randn([200, 90], { generator: g });
  const x = randn([6, 3, 12, 12], { generator: g }).requiresGrad_();
  const w = randn([5, 3, 3, 3], { generator: g }).requiresGrad_();
  const y = F.conv2d(x, w, null, { padding: 1 });
  y.square().sum().backward();
  return [a.matmul(b), y, x.grad!, w.grad!].map((t) => Array.from(t.toTypedArray()));
}

(globalThis as { runThreads?: () => Promise<unknown> }).runThreads = async () => {
  setNumThreads(1);
  const one = workload();
  setNumThreads(2);
  const ready = await threadsReady();
  const status = threadStatus();
  const two = workload();
  return {
    isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    ready,
    status,
    same: JSON.stringify(one) === JSON.stringify(two),
    n: one[0]!.length,
  };
};
