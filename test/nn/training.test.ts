// Training sanity: the layers, losses and optimizers together actually learn.
import { describe, expect, it } from 'vitest';
import {
  data,
  F,
  Generator,
  manualSeed,
  nn,
  noGrad,
  optim,
  randn,
  tensor,
  type Tensor,
} from '../../src/index.js';
import { hasSharedCifar, SHARED_CIFAR } from '../helpers/cifar.js';

const accuracy = (logits: Tensor, y: ArrayLike<number>) => {
  const pred = logits.argmax(1).toTypedArray();
  let hit = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === y[i]) hit++;
  return hit / pred.length;
};

describe('training sanity', () => {
  it('an MLP fits three interleaved spirals to ~100%', () => {
    const g = new Generator(0);
    const n = 80;
    const pts: number[][] = [];
    const y: number[] = [];
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < n; i++) {
        const r = i / n;
        const t = c * 4 + 4 * r + g.normal() * 0.1;
        pts.push([r * Math.sin(t), r * Math.cos(t)]);
        y.push(c);
      }
    }
    const x = tensor(pts);
    const model = new nn.MLP([2, 64, 64, 3], { generator: new Generator(1) });
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    for (let step = 0; step < 400; step++) {
      opt.zeroGrad();
      F.crossEntropy(model.forward(x), y).backward();
      opt.step();
    }
    expect(
      accuracy(
        noGrad(() => model.forward(x)),
        y,
      ),
    ).toBeGreaterThanOrEqual(0.98);
  });

  it('a small CNN overfits 128 CIFAR-shaped images', async () => {
    manualSeed(0);
    let images: Tensor;
    let labels: Int32Array;
    if (hasSharedCifar) {
      const set = data.takeFirst(await data.loadCifarSplit(SHARED_CIFAR, 'train'), 128);
      const idx = Array.from({ length: 128 }, (_, i) => i);
      images = data.toImageTensor(set, idx, data.channelStats(set));
      labels = data.labelsAt(set, idx);
    } else {
      images = randn([128, 3, 32, 32]);
      labels = Int32Array.from({ length: 128 }, (_, i) => i % 10);
    }
    const g = new Generator(2);
    const model = new nn.Sequential(
      new nn.Conv2d(3, 8, 3, { padding: 1, generator: g }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(8, 16, 3, { padding: 1, generator: g }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(16 * 8 * 8, 10, { generator: g }),
    );
    const opt = new optim.Adam(model.parameters(), { lr: 3e-3 });
    const first = F.crossEntropy(
      noGrad(() => model.forward(images)),
      labels,
    ).item();
    for (let epoch = 0; epoch < 25; epoch++) {
      for (let b = 0; b < 128; b += 32) {
        opt.zeroGrad();
        F.crossEntropy(
          model.forward(images.narrow(0, b, 32)),
          labels.subarray(b, b + 32),
        ).backward();
        opt.step();
      }
    }
    const logits = noGrad(() => model.forward(images));
    expect(F.crossEntropy(logits, labels).item()).toBeLessThan(first / 5);
    expect(accuracy(logits, labels)).toBeGreaterThanOrEqual(0.95);
  });

  it.runIf(hasSharedCifar)(
    'the loss decreases on a real CIFAR-10 batch (shared subset)',
    async () => {
      const set = data.takeFirst(await data.loadCifarSplit(SHARED_CIFAR, 'test'), 256);
      const idx = Array.from({ length: 256 }, (_, i) => i);
      const x = data.toImageTensor(set, idx, data.channelStats(set));
      const y = data.labelsAt(set, idx);
      const model = new nn.MLP([3072, 64, 10], { generator: new Generator(3) });
      const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
      const losses: number[] = [];
      for (let step = 0; step < 20; step++) {
        opt.zeroGrad();
        const loss = F.crossEntropy(model.forward(x), y);
        losses.push(loss.item());
        loss.backward();
        opt.step();
      }
      expect(losses[19]).toBeLessThan(losses[0]! * 0.8);
    },
  );
});
