import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    // s3rver encrypts listing continuation tokens with DES, which Node 20 only offers this way.
    execArgv: ['--openssl-legacy-provider'],
  },
});
