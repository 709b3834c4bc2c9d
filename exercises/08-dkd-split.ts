// Exercise 8 — Decoupled KD's split of the KL (Zhao et al. 2022).
//
// Task: for a sample of class y, with b = [p_y, 1 − p_y] and p̂ = softmax over the classes c ≠ y,
//   KL(p ‖ q) = TCKD + (1 − p_y) · NCKD,  TCKD = KL(b_teacher ‖ b_student),  NCKD = KL(p̂_t ‖ p̂_s)
// at temperature T (p = softmax(t/T), q = softmax(s/T)). Return { tckd, nckd }, each a scalar
// averaged over the batch (batchmean), without the T² factor.
//
// Hint: log b_y = s_y/T − logsumexp(s/T) and log(1 − b_y) = logsumexp over c ≠ y of s/T minus
// logsumexp(s/T); never log(1 − q_y), which is −Infinity once q_y rounds to 1. p̂ is a softmax of
// the logits with class y removed. Derivation: docs/derivations.md §12.
// Check: npx kdgrad exercises check 8
import type { Tensor } from 'kdgrad';

export function dkdSplit(
  studentLogits: Tensor,
  teacherLogits: Tensor,
  labels: number[],
  T: number,
): { tckd: Tensor; nckd: Tensor } {
  throw new Error(
    `exercise 8 is not written yet: dkdSplit of [${studentLogits.shape.join(', ')}], [${teacherLogits.shape.join(', ')}], ${labels.length} labels, T = ${T}`,
  );
}
