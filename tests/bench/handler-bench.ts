import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleHandler } from '../../infra/handler-bundling.ts';

export interface HandlerFigures {
  bytes: number;
  /** Median milliseconds for a fresh Node process to import the bundle (a cold start's init). */
  importMs: number;
}

/** Bundles the publish handler as the CDK app does and measures its size and import time. */
export async function benchHandler(repo: string, runs: number): Promise<HandlerFigures> {
  const outdir = join(repo, '.herald', 'bench');
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, 'publish.mjs');
  await bundleHandler('publish', outfile);
  const script = `const s = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - s);`;
  const env = {
    ...process.env,
    HERALD_CONTENT_BUCKET: 'content-bucket',
    HERALD_SITE_BUCKET: 'site-bucket',
    HERALD_STATE_BUCKET: 'state-bucket',
    AWS_REGION: 'eu-west-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env,
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`importing the bundle failed:\n${result.stderr}`);
    times.push(Number(result.stdout.trim()));
  }
  times.sort((a, b) => a - b);
  return { bytes: statSync(outfile).size, importMs: times[Math.floor(times.length / 2)] ?? Number.NaN };
}
