import { describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { compareRows, PageIndex, type PageRow } from '../../functions/app/post-index/page-index.ts';
import { foldersOf } from '../../functions/core/site/feed-heads.ts';

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const CATEGORIES = ['News', 'Tech', 'Life', 'news'];

/** Every list as the reference model holds it, newest first. */
function lists(rows: Iterable<PageRow>): Map<string, PageRow[]> {
  const byFolder = new Map<string, PageRow[]>([['', []]]);
  for (const row of rows)
    for (const folder of foldersOf(row)) byFolder.set(folder, [...(byFolder.get(folder) ?? []), row]);
  for (const list of byFolder.values()) list.sort(compareRows);
  return byFolder;
}

const same = (a: PageRow | undefined, b: PageRow | undefined): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

describe('page index', () => {
  it.each([1, 2, 3, 4])(
    'keeps every list in order across runs and records every position that changed (seed %i)',
    async (seed) => {
      const next = random(seed);
      const state = new MemoryBlobStore();
      const model = new Map<string, PageRow>();
      const row = (n: number): PageRow => {
        const day = 1 + Math.floor(next() * 20);
        return {
          source: `posts/p${n}.md`,
          // Few paths and days: ties in date are ordered by path.
          path: `/posts/p${n}/`,
          title: `Title ${Math.floor(next() * 3)}`,
          summary: 's',
          published: new Date(Date.UTC(2024, 0, day)).toISOString(),
          updated: new Date(Date.UTC(2024, 0, day)).toISOString(),
          hash: String(Math.floor(next() * 3)),
          ...(next() < 0.7 ? { categories: CATEGORIES.filter(() => next() < 0.4) } : {}),
        };
      };
      // A first index written whole, with chunks of at most 4 rows so that splits happen.
      for (let n = 0; n < 12; n++) model.set(`posts/p${n}.md`, row(n));
      await (await PageIndex.write(state, 'h', [...model.values()].sort(compareRows), 4)).save();

      for (let run = 0; run < 40; run++) {
        const index = (await PageIndex.open(state, 'h', 4)) as PageIndex;
        expect(await PageIndex.open(state, 'other', 4)).toBeUndefined();
        const before = lists(model.values());
        const batch = new Map<string, PageRow | undefined>();
        for (let step = Math.floor(next() * 4); step >= 0; step--) {
          const n = Math.floor(next() * 30);
          const source = `posts/p${n}.md`;
          if (batch.has(source)) continue;
          const roll = next();
          const old = model.get(source);
          const renamed = `posts/r${n}.md`;
          if (roll < 0.1 && old && !model.has(renamed) && !batch.has(renamed)) {
            // Renamed, keeping its URL and date: one post goes, another takes its place.
            batch.set(source, undefined);
            batch.set(renamed, { ...old, source: renamed });
            continue;
          }
          const value =
            roll < 0.3 ? undefined : roll < 0.45 && old ? { ...old, title: `${old.title}!` } : row(n);
          // A path must stay one post's: the index holds owners of their URL only.
          const taken = (path: string) =>
            [...model.values(), ...batch.values()].some((r) => r?.path === path && r.source !== source);
          if (value && taken(value.path)) continue;
          batch.set(source, value);
        }
        // In any order: removals must not depend on coming first.
        const changes = [...batch].map(([source, value]) => ({ source, row: value }));
        if (next() < 0.5) changes.reverse();
        for (const { source, row: value } of changes) {
          if (value === undefined) model.delete(source);
          else model.set(source, value);
        }
        await index.apply(changes);
        const after = lists(model.values());

        expect(index.folders()).toEqual([...after.keys()].sort());
        for (const [folder, list] of after) {
          expect(await index.rows(folder, 0, list.length + 5)).toEqual(list);
          expect(index.count(folder)).toBe(list.length);
          expect(index.newest(folder)).toEqual(list[0]);
          for (const [rank, r] of list.entries()) expect(await index.rankOf(folder, r, r.source)).toBe(rank);
          // Every position (from the oldest) whose post differs was recorded as moved or changed.
          const old = [...(before.get(folder) ?? [])].reverse();
          const now = [...list].reverse();
          const changes = index.changes.get(folder);
          for (let q = 0; q < Math.max(old.length, now.length); q++) {
            if (same(old[q], now[q])) continue;
            const recorded =
              (changes?.shiftFrom !== undefined && q >= changes.shiftFrom) || changes?.updated.includes(q);
            expect({ folder, q, recorded }).toEqual({ folder, q, recorded: true });
          }
        }
        // Every post whose page would differ (itself or the links to its neighbours) is to be written.
        const site = after.get('') ?? [];
        const oldSite = before.get('') ?? [];
        const toWrite = new Set(index.postsToWrite().map(([source]) => source));
        for (const [i, r] of site.entries()) {
          const j = oldSite.findIndex((o) => o.source === r.source);
          const unchanged =
            j >= 0 &&
            same(oldSite[j], r) &&
            same(oldSite[j - 1], site[i - 1]) &&
            same(oldSite[j + 1], site[i + 1]);
          if (!unchanged)
            expect({ source: r.source, written: toWrite.has(r.source) }).toEqual({
              source: r.source,
              written: true,
            });
        }
        for (const o of oldSite)
          if (!model.has(o.source) || model.get(o.source)?.path !== o.path)
            expect(index.removedPaths.has(o.path)).toBe(true);
        await index.save();
      }
      // Chunks no list names are deleted.
      const chunkKeys = [...state.objects.keys()].filter((k) => k.startsWith('pages/chunks/'));
      expect(chunkKeys.length).toBeLessThanOrEqual(Math.ceil(model.size / 2) * 3 + 4);
    },
  );
});
