import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // Native modules (onnxruntime-node, sharp) are happiest in their own processes.
    pool: 'forks',
    testTimeout: 30_000,
    // Tests never read or fill the caches of the machine's user (provider choice, optimised graphs).
    env: { RCNN_LENS_CACHE_DIR: mkdtempSync(join(tmpdir(), 'rl-test-cache-')) },
  },
});
