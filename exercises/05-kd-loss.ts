// Exercise 5 — the full knowledge-distillation loss (Hinton et al. 2015).
//
// Task: L = α · T² · KL_batchmean( softmax(t/T) ‖ softmax(s/T) ) + (1 − α) · CE(s, y)
// as graph ops, so that ∂L/∂s = α·T(q − p)/B + (1 − α)(softmax(s) − onehot(y))/B. The teacher is a
// fixed target: no gradient may reach it, even when teacherLogits.requiresGrad is true.
//
// Hint: α weights the soft term; the cross-entropy (F.crossEntropy from kdgrad) sees the unscaled
// logits s; call teacherLogits.detach(). Derivation: docs/derivations.md §1 and §9.
// Check: npx kdgrad exercises check 5
import type { Tensor } from 'kdgrad';

export function kdLoss(
  studentLogits: Tensor,
  teacherLogits: Tensor,
  labels: number[],
  T: number,
  alpha: number,
): Tensor {
  throw new Error(
    `exercise 5 is not written yet: kdLoss of [${studentLogits.shape.join(', ')}], [${teacherLogits.shape.join(', ')}], ${labels.length} labels, T = ${T}, alpha = ${alpha}`,
  );
}
