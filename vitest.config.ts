import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Tests read the structured lines the cloud gets; the pretty format has its own test.
    env: { LOG_FORMAT: 'json' },
    reporters: ['default', './test/support/skip-reasons-reporter.ts'],
  },
});
