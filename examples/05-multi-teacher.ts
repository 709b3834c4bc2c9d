// 05 — two ways to combine teachers: averaging their softened probabilities (the seed's choice)
// or averaging their logits. Same teachers, different targets, different student gradients.
// Run: npx tsx examples/05-multi-teacher.ts
import { MultiTeacherDistillationLoss, tensor } from 'kdgrad';

const classes = ['cat', 'dog', 'fox', 'car'];
// Two teachers that disagree on one image: A is sure it is a cat, B is sure it is a dog.
const teacherA = tensor([[8, 2, 3, -2]], { dtype: 'float64' });
const teacherB = tensor([[2, 8, 3, -2]], { dtype: 'float64' });
const student = tensor([[1, 1, 1, 0]], { dtype: 'float64', requiresGrad: true });
const fmt = (t: { toArray(): unknown }) => (t.toArray() as number[][])[0]!.map((v) => v.toFixed(3).padStart(7)).join('');

for (const T of [1, 4]) {
  console.log(`\nT = ${T}            ${classes.map((c) => c.padStart(7)).join('')}`);
  console.log(`teacher A p      ${fmt(teacherA.div(T).softmax(1))}`);
  console.log(`teacher B p      ${fmt(teacherB.div(T).softmax(1))}`);
  for (const average of ['probs', 'logits'] as const) {
    const loss = new MultiTeacherDistillationLoss({ temperature: T, alpha: 1, average });
    student.zeroGrad();
    const parts = loss.parts(student, [teacherA, teacherB], [0]);
    parts.loss.backward();
    console.log(`target (${average.padEnd(6)}) ${fmt(parts.teacherProbs)}   T²·KL ${parts.softLoss.item().toFixed(4)}`);
    console.log(`  dL/ds          ${fmt(student.grad!)}`);
  }
}
console.log('\nAveraging probabilities keeps each teacher\'s peak as it is; averaging logits blends the teachers');
console.log('before the softmax, which moves probability to the class both rank next (fox) and changes the gradient.');
