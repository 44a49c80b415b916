#!/usr/bin/env node
// Herald is written in TypeScript and runs without a manual build step: the CLI is compiled into a
// cached bundle on first use (see bundle.mjs), or run through tsx when that is not possible.
import { ensureBundle } from './bundle.mjs';

const bundle = process.env.HERALD_NO_BUNDLE ? undefined : await ensureBundle();
if (bundle !== undefined) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
