// Planted mistake for exercise 2: the backward forgets the row sum of the upstream gradient.
import { customOp, type Tensor } from 'kdgrad';

export function logSoftmaxOp(x: Tensor): Tensor {
  return customOp(
    'logSoftmaxOp',
    [x],
    (a) => a.logSoftmax(1),
    (g, a) => [g.sub(a.softmax(1))], // planted: the Σ g factor is missing
  );
}
