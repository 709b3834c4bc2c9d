// 05 — two ways to combine teachers: averaging their softened probabilities (the article's choice)
// or averaging their logits. Same teachers, different targets, different student gradients.
// Run: npx tsx examples/05-multi-teacher.ts
import { MultiTeacherDistillationLoss, tensor, type Tensor } from 'kdgrad';

const classes = ['cat', 'dog', 'fox', 'car'];
// Two teachers that disagree on one image: A is sure it is a cat, B is sure it is a dog.
const teacherA = tensor([[8, 2, 3, -2]], { dtype: 'float64' });
const teacherB = tensor([[2, 8, 3, -2]], { dtype: 'float64' });
const student = tensor([[1, 1, 1, 0]], { dtype: 'float64', requiresGrad: true });
const fmt = (t: Tensor) =>
  t
    .toArray<number[][]>()[0]!
    .map((v) => v.toFixed(3).padStart(7))
    .join('');

const targets: Record<string, number[]> = {};
for (const T of [1, 4]) {
  console.log(`\nT = ${T}            ${classes.map((c) => c.padStart(7)).join('')}`);
  console.log(`teacher A p      ${fmt(teacherA.div(T).softmax(1))}`);
  console.log(`teacher B p      ${fmt(teacherB.div(T).softmax(1))}`);
  for (const average of ['probs', 'logits'] as const) {
    const loss = new MultiTeacherDistillationLoss({ temperature: T, alpha: 1, average });
    student.zeroGrad();
    const parts = loss.parts(student, [teacherA, teacherB], [0]);
    parts.loss.backward();
    console.log(
      `target (${average.padEnd(6)}) ${fmt(parts.teacherProbs)}   T²·KL ${parts.softLoss.item().toFixed(4)}`,
    );
    targets[`${average}@${T}`] = parts.teacherProbs.toArray<number[][]>()[0]!;
    console.log(`  dL/ds          ${fmt(student.grad!)}`);
  }
}
// what the numbers say, at T = 4
const pA = teacherA.div(4).softmax(1).toArray<number[][]>()[0]!;
const probs = targets['probs@4']!;
const logits = targets['logits@4']!;
const f3 = (v: number) => v.toFixed(3);
console.log(
  `\nAt T = 4, averaging probabilities gives cat ${f3(probs[0]!)} = (${f3(pA[0]!)} + ${f3(pA[1]!)}) / 2: ` +
    `each teacher's peak is ${probs[0]! < pA[0]! ? 'lowered' : 'kept'} (${f3(pA[0]!)} → ${f3(probs[0]!)}), and both favourites share the mass.`,
);
const foxMore = logits[2]! > probs[2]!;
console.log(
  `Averaging logits gives fox ${f3(logits[2]!)} against ${f3(probs[2]!)}: it moves probability ${foxMore ? 'to' : 'away from'} ` +
    "the class both teachers rank next, and the student's gradient changes with it.",
);
