// kdgrad's side of the benchmark table.
import {
  DistillationLoss,
  F,
  Generator,
  randn,
  threadsReady,
  threadStatus,
  tidy,
} from '../src/index.js';
import { wasmStatus } from '../src/tensor/backend/index.js';
import { trainingMacsPerImage } from './macs.js';
import { simdPeak } from './probe.js';
import { median, type WorkloadResult } from './timing.js';
import { matmulGflops, trainingWorkloads } from './workloads.js';

const g = new Generator(0);

export async function runKdgrad(): Promise<WorkloadResult> {
  await threadsReady();
  const gflops = await matmulGflops(g);
  const peak = await simdPeak();
  const labels = Array.from({ length: 64 }, (_, i) => i % 10);
  const { cnnNet, mlpNet, cnn, mlp } = await trainingWorkloads(g);
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
    matmulGflops: gflops,
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
      `kdgrad: ${wasmStatus().reason}, ${threadStatus()}; training steps inside tidy() (buffers reused), fixed batches and matmul operands pinned (pinMemory())`,
    ],
  };
}
