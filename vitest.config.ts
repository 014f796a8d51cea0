import { defineConfig } from 'vitest/config';

// Two projects, so each can be run alone: fast unit tests beside their modules, and
// end-to-end tests that run the built CLI in temp folders. Both use real processes and sockets,
// so they run on a 2-core machine with generous timeouts and limited parallelism.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts', 'test/*.test.ts', 'test/helpers/*.test.ts', 'scripts/*.test.mjs'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
