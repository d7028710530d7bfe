// `npm run test:unit`: the unit tests alone, in seconds, with no Postgres or Redis. `npm test` runs them too,
// under tests/vitest.config.ts, with the rest.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/unit/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Unit tests touch no process-wide state (no chdir, env writes or module mocks), so two worker threads
    // share one module cache: React, zod and the emails are imported once per thread, not once per file.
    pool: 'threads',
    isolate: false,
    maxWorkers: 2,
  },
});
