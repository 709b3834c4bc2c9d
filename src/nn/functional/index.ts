// F: the functional API the layers are built on (torch.nn.functional).
export { relu, leakyRelu, sigmoid, tanh, softmax, logSoftmax } from './activation.js';
export { linear } from './linear.js';
export {
  conv2d,
  conv2dInput,
  conv2dWeight,
  maxPool2d,
  avgPool2d,
  globalAvgPool2d,
} from './conv.js';
export type { Conv2dForwardOptions, Conv2dOptions } from './conv.js';
export { unfold, fold } from '../../autograd/ops/window.js';
export { pad } from '../../autograd/ops/shape.js';
export { dropout } from './dropout.js';
export { batchNorm } from './batchnorm.js';
export type { BatchNormOptions } from './batchnorm.js';
export { crossEntropy, nllLoss, klDiv, mseLoss } from './loss.js';
export type { Reduction, KLReduction, CrossEntropyOptions } from './loss.js';
export { toLabels } from './labels.js';
export type { Labels } from './labels.js';
