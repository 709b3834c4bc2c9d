// kdgrad's side of the benchmark table.
import { DistillationLoss, F, Generator, nn, noGrad, optim, randn, type Tensor } from '../src/index.js';
import { wasmStatus } from '../src/tensor/kernels/wasm.js';
import { median, type WorkloadResult } from './timing.js';

const g = new Generator(0);

/** The convnetjs CIFAR-10 demo net. */
function convnetjsNet(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(3, 16, 5, { padding: 2, generator: g }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 20, 5, { padding: 2, generator: g }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(20, 20, 5, { padding: 2, generator: g }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(320, 10, { generator: g }),
  );
}

async function trainImgPerSec(model: nn.Sequential, x: Tensor, y: number[]): Promise<number> {
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const ms = await median(() => {
    opt.zeroGrad();
    F.crossEntropy(model.forward(x), y).backward();
    opt.step();
  }, { warmup: 2, min: 5 });
  return (x.shape[0]! * 1000) / ms;
}

export async function runKdgrad(): Promise<WorkloadResult> {
  const a = randn([512, 512], { generator: g });
  const b = randn([512, 512], { generator: g });
  const mm = await median(() => noGrad(() => a.matmul(b)), { min: 10 });
  const labels = Array.from({ length: 64 }, (_, i) => i % 10);
  const cnn = await trainImgPerSec(convnetjsNet(), randn([64, 3, 32, 32], { generator: g }), labels);
  const mlp = await trainImgPerSec(new nn.MLP([3072, 256, 128, 10], { generator: g }), randn([64, 3072], { generator: g }), labels);
  const s = randn([64, 10], { generator: g }).requiresGrad_();
  const t = randn([64, 10], { generator: g });
  const kd = new DistillationLoss({ temperature: 4, alpha: 0.9 });
  const kdMs = await median(() => { s.zeroGrad(); kd.forward(s, t, labels).backward(); }, { warmup: 20, min: 200, budgetMs: 2000 });
  const x = randn([64, 3, 32, 32], { generator: g }).requiresGrad_();
  const w = randn([16, 3, 5, 5], { generator: g }).requiresGrad_();
  const conv = await median(() => { x.zeroGrad(); w.zeroGrad(); F.conv2d(x, w, null, { padding: 2 }).sum().backward(); }, { min: 5 });
  return {
    matmulGflops: (2 * 512 ** 3) / (mm * 1e6), cnnImgPerSec: cnn, mlpImgPerSec: mlp, kdStepMicros: kdMs * 1000, convFwdBwdMs: conv,
    notes: [`kdgrad: ${wasmStatus().reason}, one thread`],
  };
}
