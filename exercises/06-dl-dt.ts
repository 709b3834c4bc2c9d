// Exercise 6 — dKL/dT by hand.
//
// Task: return the number dKL_batchmean/dT in closed form (no autograd), for
// p = softmax(t/T), q = softmax(s/T). Per row,
//   dKL/dT = (E_p[s] − E_q[s]) / T² − Cov_p(t, t − s) / T³
// with E_p[x] = Σ_c p_c x_c and Cov_p(a, b) = E_p[(a − E_p a)(b − E_p b)]; average over rows.
//
// Hint: derive it with β = 1/T: d log q_c/dβ = s_c − E_q[s], and dβ/dT = −1/T².
// Derivation: docs/derivations.md §6.
// Check: npx kdgrad exercises check 6
import type { Tensor } from 'kdgrad';

export function dKLdT(studentLogits: Tensor, teacherLogits: Tensor, T: number): number {
  throw new Error(
    `exercise 6 is not written yet: dKL/dT for [${studentLogits.shape.join(', ')}] and [${teacherLogits.shape.join(', ')}] at T = ${T}`,
  );
}
