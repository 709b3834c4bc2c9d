// Exercise 4 — soft targets at temperature T, and the T²-scaled soft loss.
//
// Task:
//   softTargets(t, T)  = softmax(t / T) per row                          (the teacher's targets)
//   softLoss(s, t, T)  = T² · KL_batchmean( softmax(t/T) ‖ softmax(s/T) )  (a scalar)
//
// Hint: the unscaled soft gradient shrinks like 1/T² at high T; the T² factor keeps it on the
// scale of the cross-entropy's. Use logSoftmax for the student. Derivation: docs/derivations.md §5.
// Check: npx kdgrad exercises check 4
import type { Tensor } from 'kdgrad';

export function softTargets(teacherLogits: Tensor, T: number): Tensor {
  throw new Error(
    `exercise 4 is not written yet: softTargets of [${teacherLogits.shape.join(', ')}] at T = ${T}`,
  );
}

export function softLoss(studentLogits: Tensor, teacherLogits: Tensor, T: number): Tensor {
  throw new Error(
    `exercise 4 is not written yet: softLoss of [${studentLogits.shape.join(', ')}] and [${teacherLogits.shape.join(', ')}] at T = ${T}`,
  );
}
