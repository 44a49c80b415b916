import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import { type LocalS3, startLocalS3 } from '../../functions/local/local-s3.ts';

let s3: LocalS3;
let store: S3BlobStore;
const client = () => createS3Client(s3.endpoint);

beforeAll(async () => {
  s3 = await startLocalS3(mkdtempSync(join(tmpdir(), 'herald-s3-')), ['site', 'big']);
  store = new S3BlobStore(client(), 'site');
});
afterAll(async () => {
  await s3.close();
});

describe('S3BlobStore against a local S3 server', () => {
  it('round-trips bytes and answers undefined for a missing key', async () => {
    await store.put('posts/a b+ü%.md', 'héllo');
    expect(new TextDecoder().decode(await store.get('posts/a b+ü%.md'))).toBe('héllo');
    expect(await store.get('posts/missing.md')).toBeUndefined();
  });

  it('stores the content type and cache control it is given', async () => {
    await store.put('rss.xml', '<rss/>', {
      contentType: 'application/rss+xml; charset=utf-8',
      cacheControl: 'public, max-age=300',
    });
    const head = await client().send(new HeadObjectCommand({ Bucket: 'site', Key: 'rss.xml' }));
    expect(head.ContentType).toBe('application/rss+xml; charset=utf-8');
    expect(head.CacheControl).toBe('public, max-age=300');
  });

  it('deletes, and deleting a missing key is not an error', async () => {
    await store.put('gone.txt', 'x');
    await store.delete('gone.txt');
    await store.delete('gone.txt');
    expect(await store.get('gone.txt')).toBeUndefined();
  });

  it('never serves half an object while it is being replaced (as S3 does not)', async () => {
    const versions = ['short', 'x'.repeat(200_000), 'medium'.repeat(100)];
    const seen = new Set<string>();
    const writes = Array.from({ length: 30 }, (_, i) =>
      store.put('busy.json', versions[i % versions.length] ?? ''),
    );
    const reads = Array.from({ length: 60 }, async () => {
      const bytes = await store.get('busy.json');
      if (bytes !== undefined) seen.add(new TextDecoder().decode(bytes));
    });
    await Promise.all([...writes, ...reads]);
    for (const body of seen) expect(versions).toContain(body);
  });

  it('lists beyond 1,000 keys, in key order, with sizes', async () => {
    const big = new S3BlobStore(client(), 'big');
    const keys = Array.from({ length: 1050 }, (_, i) => `posts/${String(i).padStart(4, '0')}.md`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(keys.slice(i, i + 50).map((k) => big.put(k, 'abc')));
    await big.put('static/x.png', 'png');
    const listed = [];
    for await (const info of big.list('posts/')) listed.push(info);
    expect(listed.map((i) => i.key)).toEqual(keys);
    expect(listed.every((i) => i.size === 3)).toBe(true);
  });
});
