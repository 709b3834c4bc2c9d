// 02 — an MLP learns three interleaved spirals; the loss curve is printed as it trains.
// Run: npx tsx examples/02-mlp.ts
import { F, Generator, nn, noGrad, optim, tensor } from 'kdgrad';

const quick = process.env.KDGRAD_EXAMPLE_QUICK === '1';
const g = new Generator(0);
const points: number[][] = [];
const labels: number[] = [];
for (let c = 0; c < 3; c++) {
  for (let i = 0; i < 100; i++) {
    const r = i / 100;
    const t = c * 4 + 4 * r + g.normal() * 0.15;
    points.push([r * Math.sin(t), r * Math.cos(t)]);
    labels.push(c);
  }
}
const x = tensor(points);
const model = new nn.MLP([2, 64, 64, 3], { generator: new Generator(1) });
console.log(model.toString());
console.log(`${model.numParameters()} parameters\n`);

const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
const steps = quick ? 60 : 500;
for (let step = 0; step <= steps; step++) {
  opt.zeroGrad();
  const loss = F.crossEntropy(model.forward(x), labels);
  if (step % (quick ? 20 : 50) === 0) {
    const bar = '#'.repeat(Math.round(loss.item() * 30));
    console.log(`step ${String(step).padStart(3)}  loss ${loss.item().toFixed(4)}  ${bar}`);
  }
  loss.backward();
  opt.step();
}
const pred = noGrad(() => model.forward(x))
  .argmax(1)
  .toTypedArray();
const acc = labels.filter((y, i) => pred[i] === y).length / labels.length;
console.log(`\ntraining accuracy: ${(100 * acc).toFixed(1)}%`);
