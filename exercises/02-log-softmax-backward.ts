// Exercise 2 — log-softmax as a custom op: write its backward by hand.
//
// Task: with customOp(name, [x], forward, backward) from kdgrad, return log-softmax over dim 1
// whose backward you write. For an upstream gradient g of the output y = logSoftmax(x), per row
//   ∂L/∂x_j = g_j − softmax(x)_j · Σ_i g_i
// (from ∂ log σ_i / ∂x_j = δ_ij − σ_j). The check runs gradcheck (finite differences, float64).
//
// Hint: backward(g, x) returns [dx]; x.softmax(1) and g.sum(1, true) are allowed here. The forward
// may use x.logSoftmax(1) (exercise 1 wrote it). Derivation: docs/derivations.md §0.
// Check: npx kdgrad exercises check 2
import type { Tensor } from 'kdgrad';

export function logSoftmaxOp(x: Tensor): Tensor {
  throw new Error(
    `exercise 2 is not written yet: logSoftmaxOp of a [${x.shape.join(', ')}] tensor`,
  );
}
