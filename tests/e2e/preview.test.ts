import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import { type RunningLocalMode, startLocalMode, stopLocalMode } from '../helpers/local-mode.ts';

const work = mkdtempSync(join(tmpdir(), 'herald-preview-'));
let running: RunningLocalMode;
let siteBucket: S3BlobStore;

beforeAll(async () => {
  cpSync(fileURLToPath(new URL('../../content', import.meta.url)), join(work, 'content'), {
    recursive: true,
  });
  running = await startLocalMode(join(work, 'content'), join(work, 'data'), ['--drafts', '--future']);
  siteBucket = new S3BlobStore(createS3Client(running.s3Endpoint), 'herald-site');
}, 60_000);

afterAll(async () => {
  if (running) await stopLocalMode(running);
  rmSync(work, { recursive: true, force: true });
});

async function page(path: string): Promise<{ status: number; html: string }> {
  const response = await fetch(new URL(path, running.siteUrl));
  return { status: response.status, html: await response.text() };
}

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not in ${ms} ms:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('herald start --drafts --future: a marked preview that never reaches the site bucket', () => {
  it('shows drafts and scheduled posts, marked, and lists them on the home page', async () => {
    await eventually(async () => (await page('/posts/draft-roadmap/')).status === 200);
    const draft = await page('/posts/draft-roadmap/');
    expect(draft.html).toContain('<h1>[Draft] Our Roadmap for Next Year</h1>');
    const home = await page('/');
    expect(home.html).toContain('[Draft] Our Roadmap for Next Year');
    expect(home.html).toContain('[Scheduled] Announcing Field Notes Live');
    expect(running.output()).toMatch(/Preview\s+drafts \[Draft\] and scheduled posts \[Scheduled\] shown/);
  });

  it('keeps drafts and scheduled posts out of the site bucket, which holds what AWS would publish', async () => {
    expect(await siteBucket.get('posts/draft-roadmap/index.html')).toBeUndefined();
    const home = new TextDecoder().decode(await siteBucket.get('index.html'));
    expect(home).toContain('Writing Better Prompts');
    expect(home).not.toContain('Draft');
    expect(home).not.toContain('Announcing Field Notes Live');
    expect(new TextDecoder().decode(await siteBucket.get('rss.xml'))).not.toContain('Our Roadmap');
  });

  it('updates the preview when a draft is edited, and the site bucket still never gets it', async () => {
    const file = join(work, 'content', 'posts', '2024', 'draft-roadmap.md');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('Our Roadmap for Next Year', 'Our Revised Roadmap'),
    );
    await eventually(async () =>
      (await page('/posts/draft-roadmap/')).html.includes('[Draft] Our Revised Roadmap'),
    );
    expect(await siteBucket.get('posts/draft-roadmap/index.html')).toBeUndefined();
  });
});
