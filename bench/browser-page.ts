// Bundled by bench/browser.ts into a page for headless Chromium: kdgrad's matmul, CNN and MLP
// training workloads, as in Node, on the kernels the page gets (Web Workers when the page is
// cross-origin isolated, one thread when not).
import { Generator, threadsReady, threadStatus, wasmStatus } from '../src/index.js';
import { matmulGflops, trainingWorkloads } from './workloads.js';

(globalThis as { runBench?: () => Promise<unknown> }).runBench = async () => {
  await threadsReady();
  const g = new Generator(0);
  const gflops = await matmulGflops(g);
  const { cnn, mlp } = await trainingWorkloads(g);
  return {
    matmulGflops: gflops,
    cnnImgPerSec: cnn,
    mlpImgPerSec: mlp,
    isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    threads: threadStatus(),
    kernels: wasmStatus().reason,
  };
};
