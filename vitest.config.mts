import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Many tests spawn the CLI or real shells and servers: 30 s ran out on a machine loaded by the
    // e2e suite (load average above 10). A timeout is no assertion; the checks stay the same.
    testTimeout: 120_000,
  },
});
