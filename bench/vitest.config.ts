// Benchmarks run through vitest only to get TypeScript and the Swift globalSetup; they print
// figures and assert nothing about speed (timed tests are forbidden, CONTRIBUTING: bench/).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bench/**/*.bench-run.ts'],
    pool: 'forks',
    globalSetup: ['./test/support/swift/global-setup.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
  },
});
