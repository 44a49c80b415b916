#!/usr/bin/env node
// Herald is written in TypeScript and runs without a manual build step: the CLI is compiled into a
// cached bundle on first use (see bundle.mjs), or run through tsx when that is not possible.
import { spawn } from 'node:child_process';
import { ensureBundle } from './bundle.mjs';

// Herald supports the Node it runs on; the AWS SDK's notice about future versions is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const LEGACY = '--openssl-legacy-provider';
const command = process.argv[2];
// Local mode's S3 server (s3rver) encrypts listing continuation tokens with DES, which Node 20
// only offers behind this flag; without it, listing more than 1,000 keys crashes.
if (
  (command === 'start' || command === 'rebuild' || command === 'digest' || command === 'subscribers') &&
  !process.execArgv.includes(LEGACY) &&
  !(process.env.NODE_OPTIONS ?? '').includes(LEGACY)
) {
  const child = spawn(process.execPath, [LEGACY, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  // --verbose shows an error's trace: in the TypeScript sources' terms, not the minified bundle's.
  if (process.argv.includes('--verbose')) process.setSourceMapsEnabled(true);
  const bundle = process.env.HERALD_NO_BUNDLE ? undefined : await ensureBundle();
  if (bundle !== undefined) {
    await import(bundle);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('./main.ts');
  }
}
