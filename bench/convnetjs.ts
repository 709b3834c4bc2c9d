// convnetjs 0.3 (Karpathy): its CIFAR-10 demo net and an MLP, trained sample by sample with its
// SGD trainer (batch 64, momentum 0.9), as in its browser demo.
import { createRequire } from 'node:module';
import { median, type WorkloadResult } from './timing.js';

interface Vol {
  w: Float64Array;
}
interface Convnet {
  Net: new () => { makeLayers(defs: object[]): void };
  Vol: new (sx: number, sy: number, depth: number, c?: number) => Vol;
  SGDTrainer: new (net: unknown, opts: object) => { train(x: Vol, y: number): unknown };
}

export async function runConvnetjs(): Promise<WorkloadResult> {
  const require = createRequire(import.meta.url);
  const cnnjs = require('convnetjs') as Convnet;
  const rate = async (defs: object[], sx: number, sy: number, depth: number) => {
    const net = new cnnjs.Net();
    net.makeLayers(defs);
    const trainer = new cnnjs.SGDTrainer(net, {
      method: 'sgd',
      learning_rate: 0.01,
      momentum: 0.9,
      batch_size: 64,
      l2_decay: 0,
    });
    const vols = Array.from({ length: 64 }, () => {
      const v = new cnnjs.Vol(sx, sy, depth, 0);
      for (let i = 0; i < v.w.length; i++) v.w[i] = Math.random() - 0.5;
      return v;
    });
    const ms = await median(
      () => {
        vols.forEach((v, i) => trainer.train(v, i % 10));
      },
      { warmup: 1, min: 3 },
    );
    return (64 * 1000) / ms;
  };
  const cnn = await rate(
    [
      { type: 'input', out_sx: 32, out_sy: 32, out_depth: 3 },
      { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 2, activation: 'relu' },
      { type: 'pool', sx: 2, stride: 2 },
      { type: 'conv', sx: 5, filters: 20, stride: 1, pad: 2, activation: 'relu' },
      { type: 'pool', sx: 2, stride: 2 },
      { type: 'conv', sx: 5, filters: 20, stride: 1, pad: 2, activation: 'relu' },
      { type: 'pool', sx: 2, stride: 2 },
      { type: 'softmax', num_classes: 10 },
    ],
    32,
    32,
    3,
  );
  const mlp = await rate(
    [
      { type: 'input', out_sx: 1, out_sy: 1, out_depth: 3072 },
      { type: 'fc', num_neurons: 256, activation: 'relu' },
      { type: 'fc', num_neurons: 128, activation: 'relu' },
      { type: 'softmax', num_classes: 10 },
    ],
    1,
    1,
    3072,
  );
  return {
    matmulGflops: null,
    cnnImgPerSec: cnn,
    mlpImgPerSec: mlp,
    kdStepMicros: null,
    convFwdBwdMs: null,
    notes: ['convnetjs: no matmul, KD loss or standalone conv op'],
  };
}
