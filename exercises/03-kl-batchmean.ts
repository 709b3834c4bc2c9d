// Exercise 3 — KL divergence with batchmean reduction.
//
// Task: given the student's log-probabilities log q and the teacher's probabilities p, both
// [B, C], return the scalar
//   KL_batchmean(p ‖ q) = (1/B) Σ_b Σ_c p_bc (log p_bc − log q_bc)
//
// Hint: sum over classes and over the batch, then divide by B (the first dimension) only.
// PyTorch's reduction='mean' also divides by C: that shrinks KD by the number of classes.
// Derivation: docs/derivations.md §11.
// Check: npx kdgrad exercises check 3
import type { Tensor } from 'kdgrad';

export function klDivBatchmean(studentLogProbs: Tensor, teacherProbs: Tensor): Tensor {
  throw new Error(
    `exercise 3 is not written yet: KL of [${studentLogProbs.shape.join(', ')}] and [${teacherProbs.shape.join(', ')}]`,
  );
}
