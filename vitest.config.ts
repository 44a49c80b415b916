import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    // Vitest runs one file at a time on a 2-core machine (cores - 1). The slow files are end-to-end
    // runs that mostly wait on the child processes they start, so two at once nearly halve the suite.
    maxWorkers: 2,
    // s3rver encrypts listing continuation tokens with DES, which Node 20 only offers this way.
    execArgv: ['--openssl-legacy-provider'],
  },
});
