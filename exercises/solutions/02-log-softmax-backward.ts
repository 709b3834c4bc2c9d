// Reference solution of exercise 2.
import { customOp, type Tensor } from 'kdgrad';

export function logSoftmaxOp(x: Tensor): Tensor {
  return customOp(
    'logSoftmaxOp',
    [x],
    (a) => a.logSoftmax(1),
    (g, a) => [g.sub(a.softmax(1).mul(g.sum(1, true)))],
  );
}
