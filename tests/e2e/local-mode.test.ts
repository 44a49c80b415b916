import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../functions/adapters/s3-blob-store.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { type RunningLocalMode, startLocalMode, stopLocalMode } from '../helpers/local-mode.ts';
import { postFile } from '../helpers/memory-content.ts';

const HERALD = fileURLToPath(new URL('../../functions/cli/herald.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'herald-local-'));
const contentDir = join(work, 'content');
const dataDir = join(work, 'data');

type Running = RunningLocalMode;

function start(): Promise<Running> {
  return startLocalMode(contentDir, dataDir);
}

async function stop(running: Running): Promise<void> {
  await stopLocalMode(running);
}

async function feedTitles(running: Running): Promise<string[]> {
  const response = await fetch(`${running.siteUrl}feed.json`);
  if (!response.ok) return [];
  const feed = (await response.json()) as { items: { title: string }[] };
  return feed.items.map((i) => i.title);
}

/** Polls the feed until `check` holds; feeds must update within seconds. */
async function waitForFeed(
  running: Running,
  check: (titles: string[]) => boolean,
  seconds = 15,
): Promise<string[]> {
  const deadline = Date.now() + seconds * 1000;
  let titles: string[] = [];
  while (Date.now() < deadline) {
    titles = await feedTitles(running);
    if (check(titles)) return titles;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`feed never matched; last titles: ${JSON.stringify(titles)}\n${running.output()}`);
}

let running: Running;

beforeAll(async () => {
  cpSync(fixturePath('sites/golden'), contentDir, { recursive: true });
  writeFileSync(
    join(contentDir, 'site.yaml'),
    'title: Local\nbaseUrl: https://local.example/\nauthor: Ann\nfeedLimit: 100\n',
  );
  running = await start();
}, 30_000);
afterAll(async () => {
  if (running?.child.exitCode === null) await stop(running);
  rmSync(work, { recursive: true, force: true });
});

describe('local mode (npm start)', () => {
  it('serves the feeds of the content folder with their media types', async () => {
    const response = await fetch(`${running.siteUrl}rss.xml`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(await feedTitles(running)).toEqual([
      'Fourth Post',
      'Third, in TOML',
      'Tags <b> & Ampersands',
      'First Post',
    ]);
    expect((await fetch(`${running.siteUrl}images/diagram.png`)).headers.get('content-type')).toBe(
      'image/png',
    );
    expect((await fetch(`${running.siteUrl}nothing-here`)).status).toBe(404);
  });

  it('publishes an upload made with the AWS SDK, key with spaces and unicode', async () => {
    const s3 = createS3Client(running.s3Endpoint);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'herald-content',
        Key: 'posts/uploaded café post.md',
        Body: postFile('Uploaded', '2024-05-01'),
      }),
    );
    expect((await waitForFeed(running, (t) => t.includes('Uploaded')))[0]).toBe('Uploaded');
  });

  it('publishes all of 50 posts uploaded at once', async () => {
    const s3 = createS3Client(running.s3Endpoint);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        s3.send(
          new PutObjectCommand({
            Bucket: 'herald-content',
            Key: `posts/burst/post-${i}.md`,
            Body: postFile(
              `Burst ${i}`,
              `2024-05-02T${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z`,
            ),
          }),
        ),
      ),
    );
    // Generous: 50 publishes on a shared 2-core machine under load took over 15 s (speed is the
    // bench's to judge, not this test's).
    const titles = await waitForFeed(
      running,
      (t) => t.filter((x) => x.startsWith('Burst ')).length === 50,
      45,
    );
    expect(titles.filter((t) => t.startsWith('Burst ')).length).toBe(50);
  }, 60_000);

  it('follows edits, additions and deletions in the content folder', async () => {
    writeFileSync(
      join(contentDir, 'posts/fourth.md'),
      postFile('Fourth, edited', '2024-04-01', 'categories: ["Security"]'),
    );
    await waitForFeed(running, (t) => t.includes('Fourth, edited'));
    writeFileSync(join(contentDir, 'posts/added.md'), postFile('Added locally', '2024-06-01'));
    await waitForFeed(running, (t) => t[0] === 'Added locally');
    rmSync(join(contentDir, 'posts/added.md'));
    await waitForFeed(running, (t) => !t.includes('Added locally'));
  });

  it('keeps the last good version when a broken file replaces a post', async () => {
    writeFileSync(
      join(contentDir, 'posts/first.md'),
      '---\ntitle: First Post\ndate: someday\n---\nBroken.\n',
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await feedTitles(running)).toContain('First Post');
    expect(running.output()).toMatch(/posts\/first\.md: date: "someday" is not a date/);
  });

  it('keeps its data across a restart, and herald rebuild works against it', async () => {
    await stop(running);
    running = await start();
    const titles = await feedTitles(running);
    expect(titles).toContain('Uploaded');
    expect(titles.filter((t) => t.startsWith('Burst ')).length).toBe(50);
    const rebuild = spawn(process.execPath, [HERALD, 'rebuild', '--data', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    rebuild.stdout?.on('data', (c) => (out += c));
    rebuild.stderr?.on('data', (c) => (out += c));
    const code = await new Promise((resolve) => rebuild.on('exit', resolve));
    // posts/first.md is still broken, so the rebuild reports it and exits 1; the rest is rebuilt.
    expect([code, out]).toEqual([1, expect.stringMatching(/Rebuilt 5\d published posts/)]);
    expect(await feedTitles(running)).toContain('Uploaded');
    // The rebuilt home page keeps the subscribe form that local mode's own publishes give it.
    const home = await (await fetch(running.siteUrl)).text();
    expect(home).toContain(`<form class="subscribe" method="post" action="${running.siteUrl}api/subscribe">`);
  }, 60_000);
});
