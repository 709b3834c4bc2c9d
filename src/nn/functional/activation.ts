// Activations. relu, sigmoid, tanh, softmax and logSoftmax are the engine's ops; leakyRelu is composed.
import type { Tensor } from '../../autograd/tensor.js';
import { where } from '../../autograd/ops/indexing.js';

export { relu, sigmoid, tanh } from '../../autograd/ops/unary.js';
export { softmax, logSoftmax } from '../../autograd/ops/softmax.js';

/** x if x > 0 else slope·x; the gradient at 0 is slope (as PyTorch). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return where(x.gt(0), x, x.mul(negativeSlope));
}
