// The torch.autograd namespace: grad(outputs, inputs) and the checks.
export { autogradGrad as grad } from './engine.js';
export { gradcheck, gradgradcheck } from './gradcheck.js';
export { noGrad, enableGrad } from './grad-mode.js';
export { customOp, Node } from './node.js';
export { sumToShape } from './engine.js';
export { toDot, toTree, graphTensors, retainGraphGrads } from './graph.js';
