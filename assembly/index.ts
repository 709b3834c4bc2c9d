// Entry point of the WebAssembly kernels (compiled by scripts/build-wasm.mjs).
export { gemmPackFloats, sgemm, sgemmNT, sgemmParallel } from './gemm';
export {
  conv2dForward, conv2dInputGrad, conv2dWeightGrad, maxPool2dForward, maxUnpool2d, sumPartsF32,
  flipFiltersF32, transposeF32,
} from './conv';
export { binaryF32, reluF32, zeroF32 } from './elementwise';
export { sgdMomentumF32 } from './optim';
export { bnStatsF32, bnForwardF32, bnBackwardSumsF32, bnBackwardDxF32, channelSumsF32 } from './batchnorm';
export { cropImages } from './data';
