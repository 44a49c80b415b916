import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../functions/adapters/fs-blob-store.ts';

function store(): FsBlobStore {
  return new FsBlobStore(mkdtempSync(join(tmpdir(), 'herald-fs-')));
}

async function keys(s: FsBlobStore, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const info of s.list(prefix)) found.push(info.key);
  return found;
}

describe('FsBlobStore', () => {
  it('round-trips bytes and text, and answers undefined for a missing key', async () => {
    const s = store();
    await s.put('posts/a b/ü.md', 'héllo');
    expect(new TextDecoder().decode(await s.get('posts/a b/ü.md'))).toBe('héllo');
    expect(await s.get('posts/missing.md')).toBeUndefined();
    expect(await s.get('posts')).toBeUndefined();
  });

  it('lists recursively in key order, filtered by prefix', async () => {
    const s = store();
    for (const key of ['posts/b.md', 'posts/2024/a.md', 'postscript.txt', 'static/x.png'])
      await s.put(key, 'xyz');
    expect(await keys(s, 'posts/')).toEqual(['posts/2024/a.md', 'posts/b.md']);
    expect(await keys(s, 'post')).toEqual(['posts/2024/a.md', 'posts/b.md', 'postscript.txt']);
    expect(await keys(s, 'nothing/')).toEqual([]);
  });

  it('deletes, and deleting a missing key is not an error', async () => {
    const s = store();
    await s.put('a.txt', '1');
    await s.delete('a.txt');
    await s.delete('a.txt');
    expect(await s.get('a.txt')).toBeUndefined();
  });

  it('leaves no temporary files behind', async () => {
    const s = store();
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.put('feed.xml', `version ${i}`)));
    expect(readdirSync(s.root)).toEqual(['feed.xml']);
  });

  it('writes into a folder that was removed after an earlier write into it', async () => {
    const s = store();
    await s.put('posts/a/index.html', 'one');
    rmSync(join(s.root, 'posts'), { recursive: true });
    await s.put('posts/a/index.html', 'two');
    expect(new TextDecoder().decode(await s.get('posts/a/index.html'))).toBe('two');
  });

  it('refuses keys that escape the folder', async () => {
    const s = store();
    await expect(s.put('../outside.txt', 'x')).rejects.toThrow(/invalid key/);
    await expect(s.get('/etc/passwd')).rejects.toThrow(/invalid key/);
  });
});
