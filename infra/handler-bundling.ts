/**
 * How the Lambda handlers are bundled: used by the CDK app (NodejsFunction) and by the benchmark
 * that checks the bundle's size and import time, so both measure the same artefact.
 */
export const HANDLER_BUNDLING = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: true,
  // The Lambda Node.js 22 runtime provides AWS SDK v3.
  external: ['@aws-sdk/*'],
  // CommonJS dependencies call require(); ESM bundles have none unless given one.
  banner:
    "import { createRequire as __heraldRequire } from 'node:module'; const require = __heraldRequire(import.meta.url);",
} as const;

/** Entry points of the functions, relative to the repository root. */
export const HANDLER_ENTRIES = {
  publish: 'functions/handlers/publish.ts',
} as const;
