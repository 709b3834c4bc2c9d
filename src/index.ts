// kdgrad's public entry point.
export { Tensor } from './autograd/tensor.js';
export type { TensorLike, IndexLike, GradHook, HookHandle } from './autograd/tensor.js';
export { Node, customOp } from './autograd/node.js';
export {
  tensor,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  fullLike,
  arange,
  eye,
  rand,
  randn,
  randint,
  randperm,
} from './autograd/creation.js';
export type { CreateOptions, RandomOptions } from './autograd/creation.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export { tidy, keep } from './autograd/tidy.js';
export { memoryStats, resetMemoryStats, setPoolLimit } from './tensor/buffer-pool.js';
export {
  getNumThreads,
  setNumThreads,
  threadsReady,
  threadStatus,
  wasmStatus,
} from './tensor/backend/index.js';
export type { KernelBuild, WasmStatus } from './tensor/backend/index.js';
export { grad, valueAndGrad } from './autograd/functional.js';
export { gradcheck, gradgradcheck } from './autograd/gradcheck.js';
export { toDot, toTree, retainGraphGrads } from './autograd/graph.js';
export type { GradcheckOptions, GradcheckReport } from './autograd/gradcheck.js';
export type { BackwardOptions, GradOptions } from './autograd/engine.js';
export * as autograd from './autograd/api.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';
export type { DType, FloatDType, TypedArray } from './tensor/dtype.js';
export type { NestedArray } from './tensor/nested.js';
export * from './autograd/ops/index.js';
export * as nn from './nn/index.js';
export * as F from './nn/functional/index.js';
export * as optim from './nn/optim/index.js';
export * as data from './data/index.js';
export * as distill from './distill/index.js';
export * from './distill/index.js';
export { BasicBlock } from './nn/layers/residual.js';
export { ResNet, cifarResNet, imagenetStyleResNet } from './models/resnet.js';
export type { ResNetOptions } from './models/resnet.js';
export {
  ZOO,
  buildModel,
  zooEntry,
  forwardMacs,
  layerMacs,
  vggTeacher,
  narrowCnnStudent,
  mlpStudent,
} from './models/zoo.js';
export type { ZooEntry, ZooModel, ZooOptions } from './models/zoo.js';
export * from './train/index.js';
export { saveModule, loadModule } from './nn/checkpoint.js';
export { saveSafetensors, loadSafetensors } from './nn/safetensors.js';
export * as learn from './learn/index.js';
