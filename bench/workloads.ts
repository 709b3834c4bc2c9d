// The training workloads kdgrad runs in the bench, shared by Node (bench/kdgrad.ts) and the
// browser page (bench/browser-page.ts): nothing here may import a Node module.
import { F, type Generator, nn, noGrad, optim, randn, type Tensor, tidy } from '../src/index.js';
import { median } from './timing.js';

/** The convnetjs CIFAR-10 demo net. */
export function convnetjsNet(g: Generator): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(3, 16, 5, { padding: 2, generator: g }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(16, 20, 5, { padding: 2, generator: g }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(20, 20, 5, { padding: 2, generator: g }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(320, 10, { generator: g }),
  );
}

/** Images per second of SGD-with-momentum training steps on one batch (median of the steps). */
export async function trainImgPerSec(
  model: nn.Sequential | nn.MLP,
  x: Tensor,
  y: number[],
): Promise<number> {
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  // a step inside tidy() reuses its buffers; zeroGrad keeps the gradient buffers (no new arrays
  // once warm)
  const ms = await median(
    () =>
      tidy(() => {
        opt.zeroGrad({ setToNone: false });
        F.crossEntropy(model.forward(x), y).backward();
        opt.step();
      }),
    { warmup: 3, min: 5 },
  );
  return (x.shape[0]! * 1000) / ms;
}

/** GFLOPS of a 512×512 by 512×512 product (median of at least 10). */
export async function matmulGflops(g: Generator): Promise<number> {
  // operands reused by every call: pinned, as a loop over fixed data would have them
  const a = randn([512, 512], { generator: g }).pinMemory();
  const b = randn([512, 512], { generator: g }).pinMemory();
  const ms = await median(() => noGrad(() => a.matmul(b)), { min: 10 });
  return (2 * 512 ** 3) / (ms * 1e6);
}

/** The CNN and MLP training workloads of the bench's table, in images per second. */
export async function trainingWorkloads(g: Generator) {
  const labels = Array.from({ length: 64 }, (_, i) => i % 10);
  const cnnNet = convnetjsNet(g);
  const mlpNet = new nn.MLP([3072, 256, 128, 10], { generator: g });
  // one fixed batch per workload, pinned: in the kernels' memory, as the trainer's batches are
  const cnnBatch = randn([64, 3, 32, 32], { generator: g }).pinMemory();
  const mlpBatch = randn([64, 3072], { generator: g }).pinMemory();
  const cnn = await trainImgPerSec(cnnNet, cnnBatch, labels);
  const mlp = await trainImgPerSec(mlpNet, mlpBatch, labels);
  return { cnnNet, mlpNet, cnn, mlp };
}
