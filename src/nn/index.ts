// nn: modules, layers, initialisation and checkpoints. Functional API: F; optimizers: optim.
export { Module } from './module.js';
export { forwardWithFeatures, layerShapes } from './features.js';
export type { ForwardHook, ForwardPreHook } from './hooks.js';
export type { StateDict, LoadResult } from './module.js';
export { Parameter } from './parameter.js';
export { Linear } from './layers/linear.js';
export type { LayerOptions } from './layers/linear.js';
export { Conv2d } from './layers/conv.js';
export { MaxPool2d, AvgPool2d, GlobalAvgPool2d } from './layers/pooling.js';
export { ReLU, LeakyReLU, Sigmoid, Tanh, Flatten } from './layers/activation.js';
export { Dropout } from './layers/dropout.js';
export { BatchNorm1d, BatchNorm2d } from './layers/batchnorm.js';
export type { BatchNormLayerOptions } from './layers/batchnorm.js';
export { Sequential } from './layers/container.js';
export { MLP } from './layers/mlp.js';
export { BasicBlock } from './layers/residual.js';
export type { BasicBlockOptions } from './layers/residual.js';
export type { MLPOptions } from './layers/mlp.js';
export * as init from './init.js';
export {
  encodeSafetensors,
  decodeSafetensors,
  saveSafetensors,
  loadSafetensors,
} from './safetensors.js';
export type { SafetensorsFile } from './safetensors.js';
export { saveModule, loadModule } from './checkpoint.js';
