import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // Native modules (onnxruntime-node, sharp) are happiest in their own processes.
    pool: 'forks',
    testTimeout: 30_000,
  },
});
