// 01 — autograd basics: a small expression, its gradients, and its graph.
// Run: npx tsx examples/01-autograd-basics.ts
import { gradcheck, retainGraphGrads, tensor, toTree } from 'kdgrad';

// y = Σ softmax(w·x + b) ⊙ target  (a tiny "probability of the right class")
const x = tensor([1.0, -2.0, 0.5], { dtype: 'float64' }).withLabel('x');
const w = tensor(
  [
    [0.2, -0.1, 0.4],
    [0.7, 0.3, -0.5],
  ],
  { dtype: 'float64', requiresGrad: true },
).withLabel('w');
const b = tensor([0.1, -0.2], { dtype: 'float64', requiresGrad: true }).withLabel('b');
const target = tensor([0, 1], { dtype: 'float64' }).withLabel('target');

const logits = w.matmul(x).add(b).withLabel('logits');
const y = logits.softmax(0).mul(target).sum().withLabel('y');
retainGraphGrads(y); // keep the gradient of every intermediate node for printing
y.backward();

console.log('y =', y.item().toFixed(6));
console.log('dy/dw =', w.grad!.toString());
console.log('dy/db =', b.grad!.toString());

// The closed form: with p = softmax(logits), dy/dlogits = p1 (e1 - p), dy/dw = (dy/dlogits) xᵀ.
const p = logits.softmax(0).toArray<number[]>();
const dLogits = [-p[1]! * p[0]!, p[1]! * (1 - p[1]!)];
console.log('closed-form dy/db =', dLogits.map((v) => v.toFixed(4)).join(', '));

console.log('\nThe graph, root first (op, shape, |grad| after backward):');
console.log(toTree(y));

const report = gradcheck((ww, bb) => ww.matmul(x).add(bb).softmax(0).mul(target).sum(), [w, b]);
console.log(
  `\ngradcheck against central differences: ok=${report.ok}, max abs error ${report.maxAbsError.toExponential(2)}`,
);
