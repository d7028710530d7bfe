import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files run in parallel processes; each creates its own database and queue names.
    pool: 'forks',
    maxWorkers: 2,
  },
});
