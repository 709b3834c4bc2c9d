// 07 — the computation graph of a KD loss: the T and T² nodes and every path through T.
// Writes report/kd-graph.dot (render it with `dot -Tsvg report/kd-graph.dot -o kd-graph.svg`)
// and prints the same graph as an indented tree with gradient norms.
// Run: npx tsx examples/07-graph.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { DistillationLoss, retainGraphGrads, tensor, toDot, toTree } from 'kdgrad';

const student = tensor([[2, 0.5, -1]], { requiresGrad: true }).withLabel('student logits s');
const teacher = tensor([[1.5, 1, -0.5]]).withLabel('teacher logits t');
const T = tensor(4, { requiresGrad: true }).withLabel('T');
const loss = new DistillationLoss({ temperature: T, alpha: 0.7 }).forward(student, teacher, [0]);
retainGraphGrads(loss);
loss.backward();

mkdirSync('report', { recursive: true });
writeFileSync(
  'report/kd-graph.dot',
  toDot(loss, { title: 'KD loss: 0.7·T²·KL + 0.3·CE', highlight: ['T', 'T²'] }),
);
console.log(toTree(loss));
console.log(`\ndL/dT = ${T.grad!.item().toFixed(6)}; wrote report/kd-graph.dot`);
