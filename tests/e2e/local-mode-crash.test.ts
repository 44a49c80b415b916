import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../functions/adapters/s3-blob-store.ts';
import { type RunningLocalMode, startLocalMode, stopLocalMode } from '../helpers/local-mode.ts';
import { postFile } from '../helpers/memory-content.ts';

const work = mkdtempSync(join(tmpdir(), 'herald-crash-'));
const contentDir = join(work, 'content');
const dataDir = join(work, 'data');
let running: RunningLocalMode | undefined;

afterAll(async () => {
  if (running) await stopLocalMode(running);
  rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

async function feedTitles(siteUrl: string): Promise<string[]> {
  const response = await fetch(`${siteUrl}feed.json`);
  if (!response.ok) return [];
  return ((await response.json()) as { items: { title: string }[] }).items.map((i) => i.title);
}

describe('local mode after kill -9 (issue 16)', () => {
  it('publishes every acknowledged upload of a 200-post burst after a plain restart', async () => {
    mkdirSync(join(contentDir, 'posts'), { recursive: true });
    writeFileSync(
      join(contentDir, 'site.yaml'),
      'title: Crash\nbaseUrl: https://crash.example/\nauthor: Ann\nfeedLimit: 1000\n',
    );
    running = await startLocalMode(contentDir, dataDir);
    const client = createS3Client(running.s3Endpoint);
    const acknowledged: string[] = [];
    const child = running.child;
    const uploads = Array.from({ length: 200 }, async (_, i) => {
      const title = `Burst ${i}`;
      await client.send(
        new PutObjectCommand({
          Bucket: 'herald-content',
          Key: `posts/burst-${i}.md`,
          Body: postFile(title, `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`),
        }),
      );
      acknowledged.push(title);
      // Killed in the middle of the burst, with publishing still behind the uploads: the process
      // that runs local mode (herald.mjs starts it as a child with a Node flag) and its parent.
      if (acknowledged.length === 120) {
        const { pid } = JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8')) as { pid: number };
        process.kill(pid, 'SIGKILL');
        child.kill('SIGKILL');
      }
    });
    await Promise.allSettled(uploads);
    if (child.exitCode === null && child.signalCode === null)
      await new Promise((resolve) => child.once('exit', resolve));

    expect(acknowledged.length).toBeGreaterThanOrEqual(120);

    // Local mode publishes what it missed before it says it is up. The 30 s the issue asks for is a
    // speed target, measured on a quiet machine; here the test waits longer and checks the result.
    const restarted = Date.now();
    running = await startLocalMode(contentDir, dataDir, [], 120);
    const deadline = Date.now() + 60_000;
    let missing: string[] = acknowledged;
    while (Date.now() < deadline && missing.length > 0) {
      const titles = new Set(await feedTitles(running.siteUrl));
      missing = acknowledged.filter((t) => !titles.has(t));
      if (missing.length > 0) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(missing).toEqual([]);
    console.log(
      `all ${acknowledged.length} acknowledged uploads published ${((Date.now() - restarted) / 1000).toFixed(1)} s after the restart`,
    );
  }, 240_000);
});
