import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // test files already run in parallel, one per core: kernels stay on one thread each
    // (test/tensor/threads.test.ts turns threads on and checks them)
    env: { KDGRAD_THREADS: '1' },
  },
});
