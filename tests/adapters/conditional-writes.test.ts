import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../functions/adapters/fs-blob-store.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import { type LocalS3, startLocalS3 } from '../../functions/local/local-s3.ts';
import { type BlobStore, WriteConflict } from '../../functions/ports/blob-store.ts';

const servers: LocalS3[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
});

const STORES: [string, () => Promise<BlobStore>][] = [
  ['memory', async () => new MemoryBlobStore()],
  ['filesystem', async () => new FsBlobStore(mkdtempSync(join(tmpdir(), 'herald-cond-')))],
  [
    'local S3 (s3rver, conditions honoured by local mode)',
    async () => {
      const server = await startLocalS3(mkdtempSync(join(tmpdir(), 'herald-cond-s3-')), ['b']);
      servers.push(server);
      return new S3BlobStore(createS3Client(server.endpoint), 'b');
    },
  ],
];

/** How many of the writes succeeded; every other one must have lost with a WriteConflict. */
async function winners(writes: Promise<void>[]): Promise<number> {
  const results = await Promise.allSettled(writes);
  for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WriteConflict);
  return results.filter((r) => r.status === 'fulfilled').length;
}

describe.each(STORES)('conditional writes: %s', (_name, make) => {
  it('If-None-Match: * creates once; If-Match replaces only the version read', async () => {
    const store = await make();
    await store.put('k', 'one', { ifNoneMatch: '*' });
    await expect(store.put('k', 'two', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(WriteConflict);
    const read = await store.getVersioned('k');
    expect(new TextDecoder().decode(read?.body)).toBe('one');
    await store.put('k', 'three', { ifMatch: read?.etag ?? '' });
    await expect(store.put('k', 'four', { ifMatch: read?.etag ?? '' })).rejects.toBeInstanceOf(WriteConflict);
    await expect(store.put('missing', 'x', { ifMatch: read?.etag ?? '' })).rejects.toBeInstanceOf(
      WriteConflict,
    );
    expect(new TextDecoder().decode(await store.get('k'))).toBe('three');
    expect(await store.getVersioned('missing')).toBeUndefined();
  });

  it('one winner among 50 concurrent creators, and among 50 concurrent updaters of one version', async () => {
    const store = await make();
    expect(
      await winners(Array.from({ length: 50 }, (_, i) => store.put('race', `w${i}`, { ifNoneMatch: '*' }))),
    ).toBe(1);
    const read = await store.getVersioned('race');
    const etag = read?.etag ?? '';
    expect(
      await winners(Array.from({ length: 50 }, (_, i) => store.put('race', `u${i}`, { ifMatch: etag }))),
    ).toBe(1);
  }, 30_000);
});
