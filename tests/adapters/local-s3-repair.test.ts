import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import { repairStore, startLocalS3 } from '../../functions/local/local-s3.ts';

describe('local S3 start-up repair after a crash (issue 16)', () => {
  it('removes temporary files and cut-short metadata and checksums, and the object reads again', async () => {
    const data = mkdtempSync(join(tmpdir(), 'herald-repair-'));
    const posts = join(data, 'herald-content', 'posts');
    mkdirSync(posts, { recursive: true });
    writeFileSync(join(posts, 'a.md._S3rver_object'), 'hello');
    writeFileSync(join(posts, 'a.md._S3rver_metadata.json'), ''); // 0 bytes: the crash the probe saw
    writeFileSync(join(posts, 'a.md._S3rver_object.md5'), '');
    writeFileSync(join(posts, 'b.md._S3rver_object.123.4.tmp'), 'half');
    writeFileSync(join(posts, 'gone.md._S3rver_metadata.json'), '{}');
    const repaired = await repairStore(data);
    expect(repaired.sort()).toEqual([
      'herald-content/posts/a.md: its checksum was cut short by a crash; computed again',
      'herald-content/posts/a.md: its metadata was cut short by a crash; removed (the object is kept)',
      'herald-content/posts/b.md._S3rver_object.123.4.tmp: removed the temporary file of an interrupted write',
      'herald-content/posts/gone.md: removed metadata of an object that is gone',
    ]);
    expect(existsSync(join(posts, 'b.md._S3rver_object.123.4.tmp'))).toBe(false);
    const s3 = await startLocalS3(data, ['herald-content']);
    try {
      expect(s3.repaired).toEqual([]);
      const store = new S3BlobStore(createS3Client(s3.endpoint), 'herald-content');
      expect(new TextDecoder().decode(await store.get('posts/a.md'))).toBe('hello');
      expect((await store.getVersioned('posts/a.md'))?.etag).toBe('5d41402abc4b2a76b9719d911017c592');
    } finally {
      await s3.close();
    }
  });
});
