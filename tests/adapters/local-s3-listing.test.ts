import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import { mapLimit } from '../../functions/app/map-limit.ts';
import { type LocalS3, startLocalS3 } from '../../functions/local/local-s3.ts';

// The local endpoint lists as S3 does (keys in the order of their UTF-8 bytes, a page after the
// last key of the one before) while reading only what a page needs; see s3rver-listing.ts.

const BUCKET = 'herald-site';
let s3: LocalS3;
let client: S3Client;
let store: S3BlobStore;

beforeAll(async () => {
  s3 = await startLocalS3(mkdtempSync(join(tmpdir(), 'herald-listing-')), [BUCKET]);
  client = createS3Client(s3.endpoint);
  store = new S3BlobStore(client, BUCKET);
});
afterAll(async () => {
  await s3.close();
});

const s3Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Every key under a prefix, a page of `size` at a time, as the SDK pages. */
async function listAll(prefix: string, size: number, startAfter?: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: prefix,
        MaxKeys: size,
        ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
      }),
    );
    const got = (page.Contents ?? []).map((o) => o.Key as string);
    expect(got.length).toBeLessThanOrEqual(size);
    keys.push(...got);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function put(keys: readonly string[]): Promise<void> {
  await mapLimit(keys, 16, (key) => store.put(key, key));
}

describe('the local S3 endpoint lists keys as S3 does', () => {
  // UTF-8 order differs from folder order ("a.b" before "a/b", "a-" before "a/") and from
  // JavaScript's UTF-16 order (U+FF21 before an emoji).
  const tricky = [
    'o/a',
    'o/a.b',
    'o/a/b',
    'o/a/b/c',
    'o/a-c/d',
    'o/a0',
    'o/ab',
    'o/é',
    'o/中',
    'o/Ａ',
    'o/😀',
    'o/z/y/x.html',
    'o/z.html',
  ];

  it('in UTF-8 byte order, by pages of any size, from a StartAfter, under a prefix', async () => {
    await put([...tricky].reverse());
    const sorted = [...tricky].sort(s3Order);
    expect(sorted.indexOf('o/Ａ')).toBeLessThan(sorted.indexOf('o/😀'));
    for (const size of [1, 2, 3, 1000]) expect(await listAll('o/', size)).toEqual(sorted);
    for (const after of ['o/a', 'o/a/', 'o/a/b', 'o/a.', 'o/zzz', 'o/'])
      expect(await listAll('o/', 2, after)).toEqual(sorted.filter((k) => s3Order(k, after) > 0));
    expect(await listAll('o/a/', 1)).toEqual(['o/a/b', 'o/a/b/c']);
    expect(await listAll('o/a', 1000)).toEqual(sorted.filter((k) => k.startsWith('o/a')));
    expect(await listAll('o/nothing', 5)).toEqual([]);
    const listed: string[] = [];
    for await (const info of store.list('o/')) listed.push(info.key);
    expect(listed).toEqual(sorted);
  });

  it('sees every write, copy and removal at once, in a folder large enough to be kept between pages', async () => {
    const keys = Array.from({ length: 300 }, (_, n) => `big/${String(n).padStart(4, '0')}.md`);
    await put(keys);
    expect(await listAll('big/', 1000)).toEqual(keys);
    // Kept now: each change must show in the very next listing.
    let expected = keys;
    const changes: [() => Promise<unknown>, (keys: string[]) => string[]][] = [
      [() => put(['big/0100.md']), (k) => k],
      [() => put(['big/0100.md-new']), (k) => [...k, 'big/0100.md-new']],
      [() => put(['big/sub/inner.md']), (k) => [...k, 'big/sub/inner.md']],
      [
        () => client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'big/0200.md' })),
        (k) => k.filter((key) => key !== 'big/0200.md'),
      ],
      [
        () =>
          client.send(
            new CopyObjectCommand({
              Bucket: BUCKET,
              Key: 'big/copied.md',
              CopySource: `${BUCKET}/big/0250.md`,
            }),
          ),
        (k) => [...k, 'big/copied.md'],
      ],
      [
        () => client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'big/sub/inner.md' })),
        (k) => k.filter((key) => key !== 'big/sub/inner.md'),
      ],
    ];
    for (const [change, after] of changes) {
      await change();
      expected = after(expected).sort(s3Order);
      expect(await listAll('big/', 120)).toEqual(expected);
    }
  });

  it('lists every key that stays, once and in order, while others are written and removed', async () => {
    const stay = Array.from({ length: 300 }, (_, n) => `busy/${String(n * 2).padStart(5, '0')}`);
    const come = Array.from({ length: 150 }, (_, n) => `busy/${String(n * 2 + 1).padStart(5, '0')}/x`);
    await put(stay);
    let writing = true;
    const writes = put(come)
      .then(() =>
        mapLimit(come, 16, (key) => client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }))),
      )
      .finally(() => {
        writing = false;
      });
    const seen: string[][] = [];
    while (writing || seen.length < 3) seen.push(await listAll('busy/', 41));
    await writes;
    for (const listing of seen) {
      expect([...listing].sort(s3Order)).toEqual(listing);
      expect(listing.filter((k) => !k.endsWith('/x'))).toEqual(stay);
    }
    expect(await listAll('busy/', 1000)).toEqual(stay);
  });
});
