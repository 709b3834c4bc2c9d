// Every op as a free function (torch.add, torch.exp, ...). The op table test walks this module,
// so an op exported here without a test entry fails the suite.
export { add, sub, mul, div, pow, neg, maximum, minimum } from './arithmetic.js';
export {
  exp,
  log,
  sqrt,
  rsqrt,
  abs,
  relu,
  sigmoid,
  tanh,
  sin,
  cos,
  reciprocal,
  square,
  clamp,
  sign,
} from './unary.js';
export {
  sum,
  mean,
  amax,
  amin,
  max,
  min,
  argmax,
  argmin,
  logsumexp,
  variance as var,
  std,
} from './reduce.js';
export type { ValuesIndices, VarOptions } from './reduce.js';
export {
  reshape,
  view,
  permute,
  transpose,
  t,
  expand,
  narrow,
  pad,
  squeeze,
  unsqueeze,
  flatten,
  contiguous,
  cat,
  stack,
} from './shape.js';
export { indexSelect, indexAdd, gather, scatterAdd, where } from './indexing.js';
export { eq, ne, lt, le, gt, ge } from './compare.js';
export { matmul } from './matmul.js';
export { to, clone } from './cast.js';
export { softmax, logSoftmax } from './softmax.js';
export { unfold, fold } from './window.js';
export { maxPool2dWithIndices, maxUnpool2d } from './pooling.js';
export type { ValuesAndIndices } from './pooling.js';
export type { Pair, WindowOptions } from './window.js';
