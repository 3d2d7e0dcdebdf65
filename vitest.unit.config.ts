import { defineConfig } from 'vitest/config';

// `npm run test:unit`: the pure tests only, without booting or reusing the local stack.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
