// Exercise 1 — a numerically stable softmax and log-softmax (forward only).
//
// Task: for logits x of shape [B, C], return per row
//   softmax(x)_j    = exp(x_j) / Σ_c exp(x_c)
//   logSoftmax(x)_j = x_j − log Σ_c exp(x_c)
// built from kdgrad's tensor ops (x.amax(1, true), .sub, .exp, .sum(1, true), .log, .div).
// They must stay finite and exact for logits as large as ±1000.
//
// Hint: softmax(x) = softmax(x − m) for any per-row constant m; take m = the row's max, so the
// largest exp is exp(0) = 1. For log-softmax, do not take log(softmax(x)): an underflowed
// probability becomes log(0) = −Infinity. Derivation: docs/derivations.md §0.
// Check: npx kdgrad exercises check 1
import type { Tensor } from 'kdgrad';

export function softmax(x: Tensor): Tensor {
  throw new Error(`exercise 1 is not written yet: softmax of a [${x.shape.join(', ')}] tensor`);
}

export function logSoftmax(x: Tensor): Tensor {
  throw new Error(`exercise 1 is not written yet: logSoftmax of a [${x.shape.join(', ')}] tensor`);
}
