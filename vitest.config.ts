import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // tfjs backends are process-global; isolate test files in their own processes.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
