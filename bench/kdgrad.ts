// kdgrad's side of the benchmark table.
import {
  DistillationLoss,
  F,
  Generator,
  nn,
  noGrad,
  optim,
  randn,
  threadsReady,
  threadStatus,
  tidy,
  type Tensor,
} from '../src/index.js';
import { wasmStatus } from '../src/tensor/backend/index.js';
import { trainingMacsPerImage } from './macs.js';
import { simdPeak } from './probe.js';
import { median, type WorkloadResult } from './timing.js';

const g = new Generator(0);

/** The convnetjs CIFAR-10 demo net. */
function convnetjsNet(): nn.Sequential {
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

async function trainImgPerSec(model: nn.Sequential, x: Tensor, y: number[]): Promise<number> {
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  // a step inside tidy() reuses its buffers; zeroGrad keeps the gradient buffers (no new arrays once warm)
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

export async function runKdgrad(): Promise<WorkloadResult> {
  await threadsReady();
  const a = randn([512, 512], { generator: g });
  const b = randn([512, 512], { generator: g });
  const mm = await median(() => noGrad(() => a.matmul(b)), { min: 10 });
  const peak = await simdPeak();
  const labels = Array.from({ length: 64 }, (_, i) => i % 10);
  const cnnNet = convnetjsNet();
  const mlpNet = new nn.MLP([3072, 256, 128, 10], { generator: g });
  const cnn = await trainImgPerSec(cnnNet, randn([64, 3, 32, 32], { generator: g }), labels);
  const mlp = await trainImgPerSec(mlpNet, randn([64, 3072], { generator: g }), labels);
  const s = randn([64, 10], { generator: g }).requiresGrad_();
  const t = randn([64, 10], { generator: g });
  const kd = new DistillationLoss({ temperature: 4, alpha: 0.9 });
  // steady state: a few thousand warm-up steps let the JIT settle, as for the other workloads
  const kdMs = await median(
    () =>
      tidy(() => {
        s.zeroGrad({ setToNone: false });
        kd.forward(s, t, labels).backward();
      }),
    { warmup: 3000, min: 200, budgetMs: 2000 },
  );
  const x = randn([64, 3, 32, 32], { generator: g }).requiresGrad_();
  const w = randn([16, 3, 5, 5], { generator: g }).requiresGrad_();
  const conv = await median(
    () =>
      tidy(() => {
        x.zeroGrad({ setToNone: false });
        w.zeroGrad({ setToNone: false });
        F.conv2d(x, w, null, { padding: 2 }).sum().backward();
      }),
    { min: 5 },
  );
  return {
    matmulGflops: (2 * 512 ** 3) / (mm * 1e6),
    cnnImgPerSec: cnn,
    mlpImgPerSec: mlp,
    kdStepMicros: kdMs * 1000,
    convFwdBwdMs: conv,
    simdPeak: peak,
    stepMacsPerImage: {
      cnn: trainingMacsPerImage(cnnNet, [1, 3, 32, 32]),
      mlp: trainingMacsPerImage(mlpNet, [1, 3072]),
    },
    notes: [
      `kdgrad: ${wasmStatus().reason}, ${threadStatus()}; training steps inside tidy() (buffers reused)`,
    ],
  };
}
