// Entry point of the WebAssembly kernels (compiled by scripts/build-wasm.mjs).
export { gemmPackFloats, sgemm, sgemmNT } from './gemm';
export { conv2dForward, conv2dInputGrad, conv2dWeightGrad, sgemmRows, maxPool2dForward } from './conv';
export { simdPeakProbe } from './probe';
