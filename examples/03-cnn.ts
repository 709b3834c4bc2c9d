// 03 — a small CNN on CIFAR-10 images (from $CIFAR10_DIR, ./data/cifar-10-batches-bin or
// ../shared/data/cifar-10-batches-bin): trains on 1,024 images, reports held-out accuracy.
// Run: npx tsx examples/03-cnn.ts
import { data, F, Generator, nn, noGrad, optim, type Tensor } from 'kdgrad';

const quick = process.env.KDGRAD_EXAMPLE_QUICK === '1';
const dir = await data.resolveCifarDir();
const train = await data.loadCifarSplit(dir, 'train');
const names = await data.loadClassNames(dir);
const nTrain = quick ? 128 : 1024;
const nTest = quick ? 128 : 1000;
const norm = data.channelStats(train);
const trainIdx = Array.from({ length: nTrain }, (_, i) => i);
const testIdx = Array.from({ length: nTest }, (_, i) => train.count - nTest + i); // held out: the end of the file
const x = data.toImageTensor(train, trainIdx, norm);
const y = data.labelsAt(train, trainIdx);
const xTest = data.toImageTensor(train, testIdx, norm);
const yTest = data.labelsAt(train, testIdx);

const g = new Generator(0);
const model = new nn.Sequential(
  new nn.Conv2d(3, 16, 3, { padding: 1, generator: g }),
  new nn.BatchNorm2d(16),
  new nn.ReLU(),
  new nn.MaxPool2d(2),
  new nn.Conv2d(16, 32, 3, { padding: 1, generator: g }),
  new nn.BatchNorm2d(32),
  new nn.ReLU(),
  new nn.MaxPool2d(2),
  new nn.GlobalAvgPool2d(),
  new nn.Linear(32, 10, { generator: g }),
);
console.log(model.toString());
console.log(
  `${model.numParameters()} parameters; data from ${dir}; classes: ${names.join(', ')}\n`,
);

const accuracy = (logits: Tensor, labels: Int32Array) => {
  const p = logits.argmax(1).toTypedArray();
  return labels.filter((l, i) => p[i] === l).length / labels.length;
};
const opt = new optim.SGD(model.parameters(), {
  lr: 0.05,
  momentum: 0.9,
  nesterov: true,
  weightDecay: 5e-4,
});
const epochs = quick ? 1 : 5;
const batch = 64;
for (let epoch = 1; epoch <= epochs; epoch++) {
  model.train();
  const t0 = performance.now();
  let total = 0;
  for (let b = 0; b < nTrain; b += batch) {
    opt.zeroGrad();
    const loss = F.crossEntropy(
      model.forward(x.narrow(0, b, Math.min(batch, nTrain - b))),
      y.subarray(b, b + batch),
    );
    loss.backward();
    opt.step();
    total += loss.item() * Math.min(batch, nTrain - b);
  }
  model.eval();
  const acc = accuracy(
    noGrad(() => model.forward(xTest)),
    yTest,
  );
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `epoch ${epoch}  train loss ${(total / nTrain).toFixed(4)}  held-out accuracy ${(100 * acc).toFixed(1)}%  (${(nTrain / secs).toFixed(0)} img/s)`,
  );
}
