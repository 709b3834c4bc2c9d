import { defineConfig } from 'vitest/config';

// The op, layer, model, loss and trainer tests again on the TypeScript kernels alone: they are the
// definition of every op, and the path kdgrad takes wherever WebAssembly cannot start.
const TYPESCRIPT_BACKEND = [
  'test/autograd/**/*.test.ts',
  'test/nn/functional.test.ts',
  'test/nn/module.test.ts',
  'test/nn/optim.test.ts',
  'test/nn/training.test.ts',
  'test/models/resnet.test.ts',
  'test/models/zoo.test.ts',
  'test/distill/losses.test.ts',
  'test/train/trainer.test.ts',
];

// The GEMM and convolution kernel tests again on the plain-SIMD build: the relaxed-SIMD build
// (fused multiply-add) loads wherever the runtime has it, and this one everywhere else.
// (test/tensor/fma.test.ts instantiates both builds itself and runs once, in the wasm project)
const PLAIN_SIMD = [
  'test/tensor/wasm.test.ts',
  'test/tensor/conv-kernels.test.ts',
  'test/tensor/threads.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        // test files already run in parallel, one per core: kernels stay on one thread each
        // (test/tensor/threads.test.ts turns threads on and checks them)
        test: { name: 'wasm', include: ['test/**/*.test.ts'], env: { KDGRAD_THREADS: '1' } },
      },
      {
        extends: true,
        test: {
          name: 'typescript-kernels',
          include: TYPESCRIPT_BACKEND,
          env: { KDGRAD_THREADS: '1', KDGRAD_NO_WASM: '1' },
        },
      },
      {
        extends: true,
        test: {
          name: 'plain-simd',
          include: PLAIN_SIMD,
          env: { KDGRAD_THREADS: '1', KDGRAD_NO_FMA: '1' },
        },
      },
    ],
  },
});
