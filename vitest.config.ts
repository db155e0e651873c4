import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{agent,parsers,zoning,api,fixtures}/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
