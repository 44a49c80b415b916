import { describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { PostIndex } from '../../functions/app/post-index/post-index.ts';
import type { PostEntry } from '../../functions/core/site/post-entry.ts';

const now = new Date('2024-03-01T00:00:00.000Z');

function entry(n: number): PostEntry {
  const at = new Date(Date.UTC(2024, 1, n)).toISOString();
  return {
    source: `posts/p${n}.md`,
    path: `/posts/p${n}/`,
    title: `Post ${n}`,
    summary: `Summary ${n}`,
    published: at,
    updated: at,
    hash: `h${n}`,
  };
}

/** A memory store that counts reads of entry shards. */
function countingStore(): { state: MemoryBlobStore; entryReads: () => number } {
  const state = new MemoryBlobStore();
  let reads = 0;
  const get = state.get.bind(state);
  state.get = (key) => {
    if (key.startsWith('entries/')) reads++;
    return get(key);
  };
  return { state, entryReads: () => reads };
}

const sources = (entries: readonly PostEntry[]) => entries.map((e) => e.source).sort();

describe('PostIndex.allEntries', () => {
  it('after a flush, takes every entry from the shards the run holds, reading none again', async () => {
    const { state, entryReads } = countingStore();
    const index = await PostIndex.rebuild(state, now, 'c');
    for (let n = 1; n <= 20; n++) await index.setEntry(`posts/p${n}.md`, entry(n));
    await index.flush();
    const before = entryReads();

    const all = await index.allEntries();

    expect(entryReads()).toBe(before);
    expect(sources(all)).toEqual(sources(Array.from({ length: 20 }, (_, i) => entry(i + 1))));
    expect(await index.allOwners()).toHaveLength(20);
  });

  it("before a flush, gives the stored entries, not this run's changes", async () => {
    const { state } = countingStore();
    const first = await PostIndex.rebuild(state, now, 'c');
    await first.setEntry('posts/p1.md', entry(1));
    await first.save();

    const index = (await PostIndex.open(state, now, 'c')) as PostIndex;
    await index.setEntry('posts/p2.md', entry(2));
    expect(sources(await index.allEntries())).toEqual(['posts/p1.md']);
    await index.flush();
    expect(sources(await index.allEntries())).toEqual(['posts/p1.md', 'posts/p2.md']);
  });
});
