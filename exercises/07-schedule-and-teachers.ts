// Exercise 7 — the article's adaptive temperature, with a floor; several teachers' targets.
//
// Task:
//   temperatureAt(epoch, T0, decay, minTemp) = max(minTemp, T0 · decay^epoch)   (epochs from 0)
//   averagedTargets(teachers, T, 'probs')  = mean over teachers of softmax(t_k / T)
//   averagedTargets(teachers, T, 'logits') = softmax( (mean over teachers of t_k) / T )
//
// Hint: without the floor, T0 = 4 with decay 0.9 falls below 1 at epoch 14 and the soft term
// fades. The two averages give different targets. Derivation: docs/derivations.md §10 and §13.
// Check: npx kdgrad exercises check 7
import type { Tensor } from 'kdgrad';

export function temperatureAt(epoch: number, T0: number, decay: number, minTemp: number): number {
  throw new Error(
    `exercise 7 is not written yet: temperatureAt(${epoch}, ${T0}, ${decay}, ${minTemp})`,
  );
}

export function averagedTargets(
  teacherLogits: Tensor[],
  T: number,
  average: 'probs' | 'logits',
): Tensor {
  throw new Error(
    `exercise 7 is not written yet: averagedTargets of ${teacherLogits.length} teachers at T = ${T} (${average})`,
  );
}
