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
    // Runs folders start empty in tests (no starter runs installed): many count the runs they make.
    // The tests of the starter runs turn them back on (ARS_NO_STARTERS='').
    env: { ARS_NO_STARTERS: '1' },
  },
});
