/**
 * The post index: the one place that answers which posts are published now, which source owns each
 * URL, each post's entry, and when each post first became visible on the site.
 *
 * Glossary (the words the publish and newsletter code use):
 * - **source**: a post's content key, `posts/2026/hello.md`.
 * - **entry** ({@link PostEntry}): what the index keeps of every non-draft post (title, summary,
 *   dates, categories, image, hash of its record). Enough for feeds, pages and digests.
 * - **record**: the rendered post (its HTML), read only to write a feed item or a page.
 * - **claim**: a post's wish for its path; several sources may claim one path.
 * - **owner**: of the claimants of a path, the one {@link ownerOf} picks; only owners are published.
 *   The others are conflict losers, reported as a `slug` error and never published or mailed.
 * - **appearance** ({@link Appearance}): when a URL's owner first became visible: the publish time
 *   of a post dated in the past, the date of a scheduled post. Kept across edits, re-uploads,
 *   renames that keep the URL, and rebuilds; a new owner after a conflict gets a new one.
 * - **head**: per feed folder, the newest published posts, a few more than a feed shows
 *   (the **capacity**), so that one upload touches only these lists.
 * - **resource**: a file of a page bundle (`posts/gallery/photo.jpg`), published under its post's
 *   path while the post is live and owns it; the index records where each went and its size.
 * - **shard**: entries, URL records, static sizes and resources are split over 256 objects by a
 *   hash of their key; a run reads and writes only the shards its keys fall in.
 * - **signature**: a hash of everything a feed or page depends on; unchanged means not rewritten.
 *
 * How the state bucket is laid out is private to this folder.
 */
import type { Post } from '../../core/posts/post.ts';
import { buildHeads } from '../../core/site/feed-heads.ts';
import { type Appearance, isLive, ownerOf, type PostEntry, visibleAt } from '../../core/site/post-entry.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { hashOf } from '../hash-of.ts';
import {
  type ErrorRecord,
  INDEX_VERSION,
  type IndexHead,
  IndexStore,
  isCurrentHead,
  type ResourceRecord,
  ShardCache,
  type UrlRecord,
} from './index-store.ts';

export type { ErrorRecord, ResourceRecord } from './index-store.ts';
export {
  appearedBetween,
  categoriesInUse,
  newsletterSince,
  publishedCategories,
  publishedRecords,
} from './published.ts';

/**
 * Record and error writes a run keeps in flight before a caller that awaits them waits: a rebuild of
 * 100,000 posts once started every write at once and ran out of file handles (EMFILE) holding every
 * rendered post in memory.
 */
export const MAX_PENDING_WRITES = 64;

/** How a URL's owner changed when a post was set: the heads follow these. */
export interface OwnerChange {
  path: string;
  before: string | undefined;
  after: string | undefined;
}

/**
 * One run's view of the index: reads shards as keys need them, keeps changes in memory and writes
 * them back in {@link PostIndex.save}. Not safe for two concurrent runs; the publish queue
 * serialises runs.
 */
export class PostIndex {
  private readonly shards: ShardCache;
  /** Writes of records and error records, awaited together in {@link flush}. */
  private writes: Promise<void>[] = [];
  /** Writes not yet settled (never rejecting: failures surface in {@link flush}). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Paths whose claims changed or whose owner went live in this run: their appearance is settled. */
  private readonly touched = new Set<string>();
  /** Sources that had no entry when the run started: an owner among them may be a rename. */
  private readonly arrived = new Set<string>();
  /** Sources whose path changed in this run, with their old path: a new slug is not a new post. */
  private readonly moved = new Map<string, string>();
  /** Sources whose entry, ownership or publication may have changed in this run: their pages follow. */
  private readonly changedSources = new Set<string>();
  private owners: Promise<PostEntry[]> | undefined;
  private entries: Promise<PostEntry[]> | undefined;
  /** On a rebuild, the bundle resources the previous index had published, by content key. */
  formerResources: ReadonlyMap<string, ResourceRecord> = new Map();

  private constructor(
    private readonly store: IndexStore,
    /** The hot part of the index; callers update its heads, errors and feed signatures. */
    readonly head: IndexHead,
    private readonly now: Date,
    /** When no appearance is known for an owner: `now`, or its own date after a loss of state. */
    private readonly firstSeen: (entry: PostEntry) => string,
  ) {
    this.shards = new ShardCache(store);
  }

  /**
   * Opens the index for an incremental run.
   * @returns undefined when there is none, or it was built by another version or configuration
   */
  static async open(state: BlobStore, now: Date, configHash: string): Promise<PostIndex | undefined> {
    const store = new IndexStore(state);
    const head = await store.readHead();
    if (!isCurrentHead(head) || head.configHash !== configHash) return undefined;
    const index = new PostIndex(store, head, now, () => now.toISOString());
    // A head from before expiries were kept: learn them from the entries, once.
    if (head.expiries === undefined) {
      // Past ones too: such a post beyond the heads was never taken off the site.
      head.expiries = {};
      for (const entry of await index.allEntries())
        if (entry.expires !== undefined) head.expiries[entry.source] = entry.expires;
    }
    return index;
  }

  /**
   * Starts a rebuild: an index with no posts, claims or static files, keeping only what the state
   * bucket knew of when each URL first appeared. Posts are then added with {@link setEntry}, as in
   * incremental runs. When the previous index is lost (or from an older version), an owner with no
   * appearance is taken to have appeared at its own date: a rebuild never makes old posts new.
   */
  static async rebuild(state: BlobStore, now: Date, configHash: string): Promise<PostIndex> {
    const store = new IndexStore(state);
    const previous = await store.readHead();
    // Version 4 differs only in publishing no bundle resources: what it knew of the past still holds.
    const known = isCurrentHead(previous) || previous?.version === 4 ? (previous as IndexHead) : undefined;
    const head: IndexHead = {
      version: INDEX_VERSION,
      configHash,
      heads: buildHeads([], now, 1),
      errors: {},
      feeds: {},
      expiries: {},
      ...(known?.newsletterSince ? { newsletterSince: known.newsletterSince } : {}),
    };
    const at = now.toISOString();
    const index = new PostIndex(store, head, now, known ? () => at : (entry) => entry.published);
    await index.shards.reset('entries');
    await index.shards.reset('statics');
    // Resources are published anew; what was published before is kept aside, to remove what moved.
    index.formerResources = await index.shards.reset('resources', undefined, true);
    await index.shards.reset('urls', (url) =>
      url.appearance ? { claims: [], appearance: url.appearance } : undefined,
    );
    return index;
  }

  /**
   * Writes a post's record outside any run: the shards of a fan-out rebuild render posts in parallel
   * invocations, before the one that rebuilds the index ({@link rebuild}) takes their entries.
   */
  static writeRecord(state: BlobStore, post: Post): Promise<void> {
    return new IndexStore(state).writeRecord(post);
  }

  /**
   * Notes whether the site has a newsletter: the first run that sees it switched on fixes the
   * moment from which digests carry posts, so switching it on never mails the past.
   */
  setNewsletter(on: boolean): void {
    if (!on) delete this.head.newsletterSince;
    else this.head.newsletterSince ??= this.now.toISOString();
  }

  /** The entry of a post, or undefined for drafts, deleted and unknown posts. */
  async entry(source: string): Promise<PostEntry | undefined> {
    return (await this.shards.get('entries', source))[source];
  }

  /** The source that owns a path, or undefined when no post claims it. */
  async ownerOf(path: string): Promise<string | undefined> {
    return ownerOf((await this.shards.get('urls', path))[path]?.claims ?? []);
  }

  /**
   * Sets or removes a post's entry, moving its claim when its path changes.
   * @param entry - undefined for a deleted post or a draft
   * @returns the owner of each path involved, before and after
   */
  async setEntry(source: string, entry: PostEntry | undefined): Promise<OwnerChange[]> {
    const entries = await this.shards.get('entries', source);
    const old = entries[source];
    if (old === undefined && entry !== undefined) this.arrived.add(source);
    if (old !== undefined && entry !== undefined && old.path !== entry.path && !this.moved.has(source))
      this.moved.set(source, old.path);
    const paths = [...new Set([old?.path, entry?.path].filter((p): p is string => p !== undefined))];
    const before = new Map<string, string | undefined>();
    for (const path of paths) before.set(path, await this.ownerOf(path));
    if (old !== undefined) await this.claim(old.path, source, false);
    if (entry !== undefined) await this.claim(entry.path, source, true);
    if (entry === undefined) delete entries[source];
    else entries[source] = entry;
    this.shards.touch('entries', source);
    this.noteExpiry(source, entry);
    const changes: OwnerChange[] = [];
    this.changedSources.add(source);
    for (const path of paths) {
      const change = { path, before: before.get(path), after: await this.ownerOf(path) };
      changes.push(change);
      for (const owner of [change.before, change.after])
        if (owner !== undefined) this.changedSources.add(owner);
    }
    return changes;
  }

  /** Notes that scheduled posts went live, so that their appearance is fixed in this run. */
  wentLive(entries: readonly PostEntry[]): void {
    for (const entry of entries) {
      this.touched.add(entry.path);
      this.changedSources.add(entry.source);
    }
  }

  /** Notes that posts expired, so that their pages leave in this run. */
  expired(entries: readonly PostEntry[]): void {
    for (const entry of entries) {
      this.changedSources.add(entry.source);
      delete this.head.expiries?.[entry.source];
    }
  }

  /**
   * Posts whose expiry has come by `now`, wherever they are (the heads hold only the newest):
   * the caller takes them off the site and reports them with {@link expired}.
   */
  async expiredBy(now: Date): Promise<PostEntry[]> {
    const due: PostEntry[] = [];
    for (const [source, expires] of Object.entries(this.head.expiries ?? {})) {
      if (Date.parse(expires) > now.getTime()) continue;
      const entry = await this.entry(source);
      if (entry !== undefined) due.push(entry);
      else delete this.head.expiries?.[source];
    }
    return due.sort((a, b) => (a.source < b.source ? -1 : 1));
  }

  /** Keeps a post's coming expiry in the head, or forgets it (no expiry, or the post is gone). */
  private noteExpiry(source: string, entry: PostEntry | undefined): void {
    const expiries = this.head.expiries;
    if (expiries === undefined) return;
    if (entry?.expires !== undefined && Date.parse(entry.expires) > this.now.getTime())
      expiries[source] = entry.expires;
    else delete expiries[source];
  }

  /**
   * What pages should show now of each post this run may have changed: its entry when it owns its
   * URL and is live at `now`, else undefined (gone, a draft, scheduled, expired, or a conflict loser).
   * Read after {@link flush}.
   */
  async pageChanges(now: Date): Promise<{ source: string; entry: PostEntry | undefined }[]> {
    const changes: { source: string; entry: PostEntry | undefined }[] = [];
    for (const source of [...this.changedSources].sort()) {
      const entry = await this.entry(source);
      const shown =
        entry !== undefined && isLive(entry, now.getTime()) && (await this.ownerOf(entry.path)) === source;
      changes.push({ source, entry: shown ? entry : undefined });
    }
    return changes;
  }

  /** Posts whose bodies link to other posts, with what each link resolved to (see IndexHead.links). */
  linkers(): Readonly<Record<string, Readonly<Record<string, string | null>> | null>> {
    return this.head.links ?? {};
  }

  /**
   * Remembers what a post's links resolved to, or forgets the post when it links to none (or is gone).
   * @param resolved - target as written -> URL or null; null when the links are not known
   */
  setLinks(source: string, resolved: Record<string, string | null> | null | undefined): void {
    if (resolved === undefined) {
      if (this.head.links !== undefined) delete this.head.links[source];
      return;
    }
    this.head.links ??= {};
    this.head.links[source] = resolved;
  }

  /**
   * The sizes of the static files the site's own language publishes, read from its state whatever
   * its head: another language's run gives its posts' images their size from them.
   */
  static staticSizes(state: BlobStore): (key: string) => Promise<number | undefined> {
    const shards = new ShardCache(new IndexStore(state));
    return async (key) => (await shards.get('statics', key))[key];
  }

  /** The size of a static file the site publishes, by content key. */
  async staticSize(key: string): Promise<number | undefined> {
    return (await this.shards.get('statics', key))[key];
  }

  async setStaticSize(key: string, size: number | undefined): Promise<void> {
    const statics = await this.shards.get('statics', key);
    if (size === undefined) delete statics[key];
    else statics[key] = size;
    this.shards.touch('statics', key);
  }

  /** Where a bundle's resource is published now, by content key; undefined when it is not. */
  async resource(key: string): Promise<ResourceRecord | undefined> {
    return (await this.shards.get('resources', key))[key];
  }

  async setResource(key: string, record: ResourceRecord | undefined): Promise<void> {
    const resources = await this.shards.get('resources', key);
    if (record === undefined) delete resources[key];
    else resources[key] = record;
    this.shards.touch('resources', key);
  }

  /**
   * Every post that owns its URL (scheduled ones too), from all entry shards; read once a run,
   * after {@link flush}.
   */
  allOwners(): Promise<PostEntry[]> {
    this.owners ??= this.allEntries().then(ownersAmong);
    return this.owners;
  }

  /**
   * Every entry in the store, conflict losers and scheduled posts too (what a link to another post
   * may name); read once a run.
   */
  allEntries(): Promise<PostEntry[]> {
    this.entries ??= readEntries(this.shards);
    return this.entries;
  }

  /** The rendered post last published from `source`. */
  readRecord(source: string): Promise<Post | undefined> {
    return this.store.readRecord(source);
  }

  /**
   * Starts writing a post's record.
   * @returns once fewer than {@link MAX_PENDING_WRITES} writes are in flight (the write itself is
   *   awaited, and its failure thrown, by {@link flush})
   */
  writeRecord(post: Post): Promise<void> {
    return this.defer(this.store.writeRecord(post));
  }

  /** Starts removing a post's record; returns as {@link writeRecord} does. */
  deleteRecord(source: string): Promise<void> {
    return this.defer(this.store.deleteRecord(source));
  }

  /** Records why a post's latest version is not published (readable in the state bucket too). */
  setError(error: ErrorRecord): void {
    this.head.errors[error.key] = error;
    void this.defer(this.store.writeError(error));
  }

  clearError(key: string): void {
    if (!(key in this.head.errors)) return;
    delete this.head.errors[key];
    void this.defer(this.store.deleteError(key));
  }

  /** After a rebuild: removes records of posts no longer indexed and errors no longer current. */
  async prune(sources: ReadonlySet<string>): Promise<void> {
    for await (const key of this.store.keysOf('records')) if (!sources.has(key)) await this.deleteRecord(key);
    for await (const key of this.store.keysOf('errors'))
      if (!(key in this.head.errors)) await this.defer(this.store.deleteError(key));
  }

  /**
   * Settles the appearance of every URL touched so far and writes changed shards and records, so
   * that reads of the whole index ({@link allOwners}) see this run's changes.
   */
  async flush(): Promise<void> {
    for (const path of this.touched) await this.settle(path);
    this.touched.clear();
    await this.shards.flush();
    // Whole-index reads made before now miss this run's changes.
    this.entries = undefined;
    this.owners = undefined;
    const writes = this.writes;
    this.writes = [];
    await Promise.all(writes);
  }

  /** Flushes, then writes the head: the run is complete. */
  async save(): Promise<void> {
    await this.flush();
    await this.store.writeHead(this.head);
  }

  private async claim(path: string, source: string, add: boolean): Promise<void> {
    const urls = await this.shards.get('urls', path);
    const record: UrlRecord = urls[path] ?? { claims: [] };
    const rest = record.claims.filter((s) => s !== source);
    record.claims = add ? [...rest, source].sort() : rest;
    if (record.claims.length === 0 && record.appearance === undefined) delete urls[path];
    else urls[path] = record;
    this.shards.touch('urls', path);
    this.touched.add(path);
  }

  /**
   * Decides a URL's appearance once its claims are final for the run. The same owner keeps it (an
   * edit, a re-upload). An owner new in this run inherits it when the previous owner no longer
   * claims the URL (a rename that keeps the URL); a post whose slug changed keeps the one of its old URL. Any other owner (a conflict loser that inherits
   * the URL, a new post) appears now. Once visible, the instant is fixed.
   */
  private async settle(path: string): Promise<void> {
    const urls = await this.shards.get('urls', path);
    const record = urls[path];
    const owner = ownerOf(record?.claims ?? []);
    if (record === undefined || owner === undefined) return;
    const entry = await this.entry(owner);
    if (entry === undefined) return;
    const previous = record.appearance;
    let appearance: Appearance;
    if (previous?.source === owner) appearance = previous;
    else if (
      previous !== undefined &&
      this.arrived.has(owner) &&
      (await this.entry(previous.source)) === undefined
    )
      appearance = { ...previous, source: owner };
    else appearance = (await this.movedFrom(owner)) ?? { source: owner, seen: this.firstSeen(entry) };
    if (appearance.visible === undefined) {
      const at = visibleAt(appearance, entry.published);
      if (at <= this.now.getTime()) appearance = { ...appearance, visible: new Date(at).toISOString() };
    }
    if (appearance !== previous) {
      record.appearance = appearance;
      this.shards.touch('urls', path);
    }
  }

  /** The appearance a post had at its old path when an edit in this run changed its path. */
  private async movedFrom(source: string): Promise<Appearance | undefined> {
    const path = this.moved.get(source);
    if (path === undefined) return undefined;
    const appearance = (await this.shards.get('urls', path))[path]?.appearance;
    return appearance?.source === source ? appearance : undefined;
  }

  /** Tracks a write for {@link flush}; resolves once fewer than MAX_PENDING_WRITES are in flight. */
  private async defer(write: Promise<void>): Promise<void> {
    // Marked handled now, so that a failure while other keys are still being applied is not an
    // unhandled rejection; flush's Promise.all still sees it.
    const settled = write.then(
      () => {},
      () => {},
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    this.writes.push(write);
    while (this.inFlight.size >= MAX_PENDING_WRITES) await Promise.race(this.inFlight);
  }
}

/** The entry of a rendered post. */
export function entryOf(post: Post): PostEntry {
  const entry: PostEntry = {
    source: post.source,
    path: post.path,
    title: post.title,
    summary: post.summary,
    published: new Date(post.published).toISOString(),
    updated: new Date(post.updated).toISOString(),
    hash: hashOf(post),
  };
  if (post.categories.length > 0) entry.categories = post.categories.map((c) => c.name);
  if (post.tags.length > 0) entry.tags = post.tags.map((t) => t.name);
  if (post.series !== undefined) entry.series = post.series.map((t) => t.name);
  if (post.image !== undefined) entry.image = post.image;
  if (post.aliases !== undefined) entry.aliases = post.aliases;
  if (post.expires !== undefined) entry.expires = new Date(post.expires).toISOString();
  return entry;
}

/**
 * The entries that own their URL, of a complete set of entries.
 * @param entries - every entry of the index, any order
 */
export function ownersAmong(entries: Iterable<PostEntry>): PostEntry[] {
  const claims = new Map<string, PostEntry[]>();
  for (const entry of entries) claims.set(entry.path, [...(claims.get(entry.path) ?? []), entry]);
  return [...claims.values()].flatMap((claimants) => {
    const owner = ownerOf(claimants.map((e) => e.source));
    return claimants.filter((e) => e.source === owner);
  });
}

async function readEntries(shards: ShardCache): Promise<PostEntry[]> {
  return (await shards.all('entries')).flatMap((entries) => Object.values(entries));
}
