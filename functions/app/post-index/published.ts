// Read-only questions about what the site published, asked outside publish runs (planning a
// digest, the preferences page). Part of the post index: they read its layout directly.
import type { AppearedPost } from '../../core/newsletter/digest-posts.ts';
import type { Post, Term } from '../../core/posts/post.ts';
import { termOf } from '../../core/site/feed-heads.ts';
import { hasExpired, ownerOf, visibleAt } from '../../core/site/post-entry.ts';
import { toSlug } from '../../core/text/slug.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { mapLimit } from '../map-limit.ts';
import { IndexStore, isCurrentHead } from './index-store.ts';

const IO_CONCURRENCY = 16;

/**
 * What the site showed for the first time after `since` and at or before `until`: owners of their
 * URL only, newest appearance last. Reads the whole index (two small objects per shard), which is
 * what a digest, planned once a day or week, can afford.
 * @param since - exclusive
 * @param until - inclusive
 */
export async function appearedBetween(state: BlobStore, since: Date, until: Date): Promise<AppearedPost[]> {
  const store = new IndexStore(state);
  const [urlShards, entryShards] = await Promise.all([
    mapLimit(await store.shardNames('urls'), IO_CONCURRENCY, (shard) => store.readShard('urls', shard)),
    mapLimit(await store.shardNames('entries'), IO_CONCURRENCY, (shard) => store.readShard('entries', shard)),
  ]);
  const entries = new Map(entryShards.flatMap((shard) => Object.entries(shard)));
  const appeared: AppearedPost[] = [];
  for (const record of urlShards.flatMap((shard) => Object.values(shard))) {
    const owner = ownerOf(record.claims);
    const entry = owner === undefined ? undefined : entries.get(owner);
    const appearance = record.appearance;
    if (entry === undefined || appearance === undefined || appearance.source !== owner) continue;
    // A post that has left the site by the digest's time is not mailed.
    if (hasExpired(entry, until.getTime())) continue;
    const at = visibleAt(appearance, entry.published);
    if (at > since.getTime() && at <= until.getTime())
      appeared.push({ entry, visibleAt: new Date(at).toISOString() });
  }
  return appeared.sort((a, b) => Date.parse(a.visibleAt) - Date.parse(b.visibleAt));
}

/**
 * When publishing first saw the newsletter switched on (it is off, or nothing was published since it
 * was switched on, when undefined).
 */
export async function newsletterSince(state: BlobStore): Promise<Date | undefined> {
  const head = await new IndexStore(state).readHead();
  const since = isCurrentHead(head) ? head.newsletterSince : undefined;
  return since === undefined ? undefined : new Date(since);
}

/**
 * The categories that have a published post now, named as the site names them (one small read of
 * the index head): what a reader can choose on the preferences page.
 */
export async function publishedCategories(state: BlobStore): Promise<Term[]> {
  return (await categoriesInUse(state, false)) ?? [];
}

/**
 * The categories of published posts and, with `scheduled`, of posts waiting for their date; from
 * the index head, named as the site names them.
 * @returns undefined when nothing was ever published (no index yet)
 */
export async function categoriesInUse(state: BlobStore, scheduled: boolean): Promise<Term[] | undefined> {
  const head = await new IndexStore(state).readHead();
  if (!isCurrentHead(head)) return undefined;
  const { heads } = head;
  const terms = new Map<string, Term>();
  for (const [folder, list] of Object.entries(heads.lists))
    if (folder.startsWith('categories/') && list.length > 0) {
      const { term } = termOf(folder, list);
      terms.set(term.slug, term);
    }
  if (scheduled)
    for (const entry of heads.upcoming)
      for (const name of entry.categories ?? [])
        if (!terms.has(toSlug(name))) terms.set(toSlug(name), { name, slug: toSlug(name) });
  return [...terms.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The rendered posts last published from `sources`, by source; a source without a record is left
 * out.
 */
export async function publishedRecords(
  state: BlobStore,
  sources: readonly string[],
): Promise<Map<string, Post>> {
  const store = new IndexStore(state);
  const records = await mapLimit(sources, 8, (source) => store.readRecord(source));
  return new Map(records.flatMap((post) => (post ? [[post.source, post] as const] : [])));
}
