// 08 — training steps the fast way: each step inside tidy() (its buffers are reused by the next
// step), gradients kept with zeroGrad({ setToNone: false }), the kernels on every core.
// Prints how the kernels run, the step time with and without tidy, and the new arrays per step.
// Run: npx tsx examples/08-fast-steps.ts
import {
  F,
  Generator,
  memoryStats,
  nn,
  optim,
  randn,
  resetMemoryStats,
  threadsReady,
  threadStatus,
  tidy,
} from 'kdgrad';

const quick = process.env.KDGRAD_EXAMPLE_QUICK === '1';
const g = new Generator(0);
// the convnetjs CIFAR-10 demo net, on one random batch of 64 images
const model = new nn.Sequential(
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
const x = randn([64, 3, 32, 32], { generator: g });
const y = Array.from({ length: 64 }, (_, i) => i % 10);
const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });

const step = (): number => {
  opt.zeroGrad({ setToNone: false }); // the gradient buffers stay; zeroed in place
  const loss = F.crossEntropy(model.forward(x), y);
  loss.backward();
  opt.step();
  return loss.item();
};

await threadsReady(); // the worker threads start on first use; wait for them before timing
console.log(`kernels: ${threadStatus()}`);

const steps = quick ? 4 : 20;
for (const [label, run] of [
  ['plain', step],
  ['tidy ', () => tidy(step)],
] as const) {
  for (let i = 0; i < 2; i++) run(); // warm up
  resetMemoryStats();
  const t0 = performance.now();
  let loss = 0;
  for (let i = 0; i < steps; i++) loss = run();
  const ms = (performance.now() - t0) / steps;
  const m = memoryStats();
  console.log(
    `${label}: ${ms.toFixed(1)} ms/step (${(64_000 / ms).toFixed(0)} img/s), loss ${loss.toFixed(4)}, new arrays per step ${(m.freshArrays / steps).toFixed(1)}, reused ${(m.reusedArrays / steps).toFixed(1)}`,
  );
}
