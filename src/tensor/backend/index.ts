// The kernels' front door: ops, the autograd engine, the buffer pool and the optimizers import
// from here only; nothing outside this folder imports wasm/ (the linter enforces it).
export {
  backend,
  ELEMENTWISE_MIN,
  GEMM_MIN_WORK,
  RESIDENT_MIN,
  residentF32,
  SMALL_ELEMENTWISE_MIN,
} from './dispatch.js';
export { typescriptBackend } from './typescript.js';
export {
  BINARY_OPS,
  PADDING_MODES,
  UNARY_OPS,
  type Backend,
  type BinaryOp,
  type ConvGradExtras,
  type ConvShape,
  type PaddingMode,
  type SgdHyper,
  type UnaryOp,
} from './types.js';
export { wasmStatus, withoutWasm, type KernelBuild, type WasmStatus } from './wasm/loader.js';
export { residentMemory, residentOffset } from './wasm/memory.js';
export { getNumThreads, setNumThreads, threadsReady, threadStatus } from './wasm/threads.js';
