import type { SiteConfig, SiteOverrides } from '../core/config/site-config.ts';
import { PostError } from '../core/errors.ts';
import { FEED_FORMATS } from '../core/feeds/feed-model.ts';
import { planPages } from '../core/pages/page-plan.ts';
import { parsePost, renderPost } from '../core/posts/parse-post.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import type { Post, Term } from '../core/posts/post.ts';
import { RefIndex } from '../core/posts/ref-index.ts';
import { linksToPosts } from '../core/shortcodes/expand-shortcodes.ts';
import {
  addEntry,
  buildHeads,
  categoryOf,
  compareEntries,
  type HeadEntry,
  promoteDue,
  refillFolder,
  removeEntry,
  underfilled,
} from '../core/site/feed-heads.ts';
import type { PlannedFeed } from '../core/site/feed-plan.ts';
import { ignoredFieldReason } from '../core/text/did-you-mean.ts';
import { toSlug } from '../core/text/slug.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { HubNotifier } from '../ports/hub-notifier.ts';
import type { Logger } from '../ports/logger.ts';
import { readSite } from './build-site.ts';
import { loadSiteConfig } from './load-site-config.ts';
import { mapLimit } from './map-limit.ts';
import { refsFromState } from './post-refs.ts';
import {
  type ErrorRecord,
  entryOf,
  hashOf,
  PublishState,
  ShardCache,
  type SiteIndex,
  shardOf,
} from './publish-state.ts';
import { bodyWarnings, renderFromStore } from './read-posts.ts';
import {
  deleteFeeds,
  isPostKey,
  isStaticKey,
  mirrorStatic,
  staleCategoryFeeds,
  staticUrl,
  writeFeeds,
} from './site-output.ts';
import { writePages } from './write-pages.ts';

const IO_CONCURRENCY = 16;

/** The ports of the publish use-cases. */
export interface PublishDeps {
  /** The content bucket: `site.yaml`, `posts/**`, `static/**`. */
  content: BlobStore;
  /** The site bucket: feeds and static files, served to readers. */
  site: BlobStore;
  /** Private state: the site index, its shards, post records, error records. */
  state: BlobStore;
  clock: Clock;
  log: Logger;
  /** Configuration that wins over `site.yaml` (e.g. the CloudFront URL as `baseUrl`). */
  overrides?: SiteOverrides;
  /** Told of changed feeds when site.yaml names a WebSub hub. */
  hub?: HubNotifier;
}

/** What one publish run did. */
export interface PublishReport {
  /** True when the whole site was rebuilt (first run, config change, explicit rebuild). */
  rebuilt: boolean;
  /** Content keys looked at. */
  processed: number;
  /** Posts published now; counted on a rebuild only (incremental runs do not read every post). */
  published?: number;
  /** Feed folders rewritten (`` is the site-wide feeds). */
  regenerated: string[];
  /** Feed folders removed because their category has no post left. */
  removed: string[];
  /** Pages written or removed (keys in the site bucket). */
  pages: string[];
  /** Posts that could not be published in this run, as file, field and reason. */
  failed: PostError[];
}

/** One run's view of the state: the index, shards read so far, the site and the clock. */
interface Run {
  deps: PublishDeps;
  site: SiteConfig;
  state: PublishState;
  shards: ShardCache;
  index: SiteIndex;
  now: Date;
  capacity: number;
  /** Writes of records and error records, awaited together before the index is saved. */
  writes: Promise<void>[];
  /** Every post that owns its URL, read from all entry shards at most once a run. */
  winners?: Promise<HeadEntry[]>;
}

function startRun(deps: PublishDeps, site: SiteConfig, state: PublishState, index: SiteIndex): Run {
  return {
    deps,
    site,
    state,
    shards: new ShardCache(state),
    index,
    now: deps.clock.now(),
    capacity: headCapacity(site),
    writes: [],
  };
}

/**
 * Starts a state write that the run awaits later. Marked handled now, so that a failure while
 * other keys are still being applied is not an unhandled rejection; the run's Promise.all still
 * sees it.
 */
function defer(run: Run, write: Promise<void>): void {
  write.catch(() => {});
  run.writes.push(write);
}

/** Posts kept per feed head: enough spare that deleting a few posts needs no full read. */
function headCapacity(site: SiteConfig): number {
  return site.feedLimit * 2;
}

/**
 * Publishes what changed in the content bucket. Each key is reconciled against the bucket's current
 * truth (read it; gone means deleted), so duplicate, late or reordered events cannot corrupt
 * anything. A post that fails to parse is recorded and its last good version stays published.
 * Only feeds whose items changed are rewritten, and only the state the change touches is read.
 * @param deps - the stores, clock and logger
 * @param keys - content keys named by events, decoded; any order, duplicates allowed
 * @throws ConfigError for a bad site.yaml; store errors as they come (the caller retries)
 */
export async function publishChanges(deps: PublishDeps, keys: readonly string[]): Promise<PublishReport> {
  const site = await loadSiteConfig(deps.content, deps.overrides);
  const state = new PublishState(deps.state);
  const index = await state.loadIndex();
  // A new site.yaml changes the hash; one uploaded again unchanged needs no rebuild.
  if (index === undefined || index.configHash !== hashOf(site)) return rebuildSite(deps);
  const run = startRun(deps, site, state, index);
  const unique = [...new Set(keys)];
  const failed: PostError[] = [];
  // Objects and their entry shards are read concurrently; the keys are then applied one at a time,
  // since they can share shards, URLs and feed heads.
  const posts = unique.filter(isPostKey);
  const contents = new Map(
    await mapLimit(posts, IO_CONCURRENCY, async (key) => {
      await run.shards.get('entries', key);
      return [key, await deps.content.get(key)] as const;
    }),
  );
  for (const key of unique) {
    if (isPostKey(key)) {
      const error = await reconcilePost(run, key, contents.get(key));
      if (error !== undefined) failed.push(error);
    } else if (isStaticKey(key)) {
      await reconcileStatic(run, key);
    }
  }
  promoteDue(index.heads, run.now, run.capacity);
  // Refills read every entry shard from the store: this run's changes must be there first.
  await Promise.all([run.shards.flush(), ...run.writes]);
  const folders = underfilled(index.heads, site.feedLimit);
  if (folders.length > 0) {
    const winners = await allWinners(run);
    for (const folder of folders) refillFolder(index.heads, folder, winners, run.now, run.capacity);
    await setImageSizes(run, Object.values(index.heads.lists).flat());
  }
  const feeds = await regenerateFeeds(run, false);
  const pages = await publishPages(run, false);
  await state.saveIndex(index);
  await pingHub(run, feeds.regenerated);
  // A tick with nothing due is most runs (one a minute locally, 288 a day in AWS): not worth a line.
  if (unique.length > 0 || feeds.regenerated.length > 0 || pages.length > 0 || failed.length > 0)
    deps.log.info('published', {
      keys: unique.length,
      regenerated: feeds.regenerated,
      pages: pages.length,
      failed: failed.length,
    });
  return { rebuilt: false, processed: unique.length, failed, ...feeds, pages };
}

/**
 * Publishes scheduled posts whose date has passed (the periodic tick): rewrites only the feeds
 * whose items changed since the last run.
 */
export function publishDue(deps: PublishDeps): Promise<PublishReport> {
  return publishChanges(deps, []);
}

/**
 * Rebuilds the state and every feed from the content bucket's listing: after a configuration
 * change, and as recovery when state is lost or suspect.
 */
export async function rebuildSite(deps: PublishDeps): Promise<PublishReport> {
  const state = new PublishState(deps.state);
  const { site, posts, failed } = await readSite(deps, deps.overrides);
  const now = deps.clock.now();
  const index: SiteIndex = {
    version: 3,
    configHash: hashOf(site),
    heads: buildHeads([], now, 1),
    errors: {},
    feeds: {},
  };
  const run = startRun(deps, site, state, index);

  // Every non-draft post gets a record and an entry, scheduled and out-voted ones too.
  const entries = new Map<string, HeadEntry>();
  const refs = new RefIndex(posts.published);
  await mapLimit(
    [...posts.published, ...posts.scheduled, ...posts.conflicted],
    IO_CONCURRENCY,
    async (meta) => {
      const post = await renderFromStore(deps.content, meta, site, {
        refs,
        warn: bodyWarnings(deps.log, meta.source),
      });
      await state.writeRecord(post);
      entries.set(post.source, entryOf(post));
    },
  );
  const shardMaps = {
    entries: new Map<string, Record<string, unknown>>(),
    claims: new Map<string, Record<string, unknown>>(),
    statics: new Map<string, Record<string, unknown>>(),
  };
  const put = (family: keyof typeof shardMaps, key: string, value: unknown): void => {
    const shard = shardOf(key);
    const map = shardMaps[family].get(shard) ?? {};
    map[key] = value;
    shardMaps[family].set(shard, map);
  };
  const claims = new Map<string, string[]>();
  for (const entry of entries.values()) {
    put('entries', entry.source, entry);
    claims.set(entry.path, [...(claims.get(entry.path) ?? []), entry.source].sort());
  }
  for (const [path, sources] of claims) put('claims', path, sources);

  const staticKeys: string[] = [];
  for await (const info of deps.content.list('static/')) if (isStaticKey(info.key)) staticKeys.push(info.key);
  await mapLimit(staticKeys, IO_CONCURRENCY, async (key) => {
    const size = await mirrorStatic(deps.content, deps.site, key);
    if (size !== undefined) put('statics', key, size);
  });
  for (const family of ['entries', 'claims', 'statics'] as const) {
    const fresh = shardMaps[family];
    for (const shard of await state.shardNames(family))
      if (!fresh.has(shard)) await state.writeShard(family, shard, {});
    await mapLimit([...fresh], IO_CONCURRENCY, ([shard, values]) =>
      state.writeShard(family, shard, values as Record<string, never>),
    );
  }

  const winners = [...claims.values()]
    .map((sources) => entries.get(sources[0] ?? ''))
    .filter((e): e is HeadEntry => e !== undefined);
  index.heads = buildHeads(winners, now, run.capacity);
  await setImageSizes(run, [...Object.values(index.heads.lists).flat(), ...index.heads.upcoming]);

  const at = now.toISOString();
  for (const error of failed.filter((e) => !posts.conflicts.includes(e))) {
    const record: ErrorRecord = { key: error.file, field: error.field, reason: error.reason, at };
    index.errors[error.file] = record;
    await state.writeError(record);
  }
  for await (const key of state.keysOf('records')) if (!entries.has(key)) await state.deleteRecord(key);
  for await (const key of state.keysOf('errors')) if (!(key in index.errors)) await state.deleteError(key);

  const feeds = await regenerateFeeds(run, true);
  const pages = await publishPages(run, true);
  await state.saveIndex(index);
  await pingHub(run, feeds.regenerated);
  deps.log.info('rebuilt', { posts: entries.size, failed: failed.length, feeds: feeds.regenerated.length });
  return {
    rebuilt: true,
    processed: entries.size + failed.length,
    published: posts.published.length,
    failed,
    ...feeds,
    pages,
  };
}

/** Reads one post as it is now and updates its record, entry, URL claim, the heads and its error. */
async function reconcilePost(
  run: Run,
  key: string,
  bytes: Uint8Array | undefined,
): Promise<PostError | undefined> {
  const { deps, site, state, shards, index } = run;
  let post: Post | undefined;
  if (bytes !== undefined) {
    try {
      const parsed = parsePost({ key, bytes }, site, (typo) =>
        deps.log.warn('field ignored', { key, field: typo.field, reason: ignoredFieldReason(typo.meant) }),
      );
      const refs = linksToPosts(parsed.body) ? await refsFromState(state, site) : undefined;
      post = renderPost(parsed, { site, warn: bodyWarnings(deps.log, key), ...(refs ? { refs } : {}) });
    } catch (error) {
      if (!(error instanceof PostError)) throw error;
      const record: ErrorRecord = {
        key,
        field: error.field,
        reason: error.reason,
        at: run.now.toISOString(),
      };
      index.errors[key] = record;
      defer(run, state.writeError(record));
      const entries = await shards.get('entries', key);
      deps.log.warn('post not published', {
        key,
        field: error.field,
        reason: error.reason,
        lastGoodVersionKept: key in entries,
      });
      return error;
    }
  }
  if (key in index.errors) {
    delete index.errors[key];
    defer(run, state.deleteError(key));
  }

  const entries = await shards.get('entries', key);
  const old = entries[key];
  const entry = post === undefined || post.draft ? undefined : entryOf(post);
  if (entry === undefined) defer(run, state.deleteRecord(key));
  else if (old?.hash !== entry.hash) defer(run, state.writeRecord(post as Post));

  const paths = [...new Set([old?.path, entry?.path].filter((p): p is string => p !== undefined))];
  const before = new Map<string, string | undefined>();
  for (const path of paths) before.set(path, (await shards.get('claims', path))[path]?.[0]);
  if (old !== undefined) await unclaim(run, old.path, key);
  if (entry !== undefined) await claim(run, entry.path, key);
  if (entry === undefined) delete entries[key];
  else entries[key] = entry;
  shards.touch('entries', key);

  removeEntry(index.heads, key);
  for (const path of paths) {
    const winnerBefore = before.get(path);
    const winnerAfter = (await shards.get('claims', path))[path]?.[0];
    if (winnerBefore !== undefined && winnerBefore !== key && winnerBefore !== winnerAfter) {
      removeEntry(index.heads, winnerBefore);
    }
    if (winnerAfter !== undefined && (winnerAfter === key || winnerAfter !== winnerBefore)) {
      const winner = winnerAfter === key ? entry : (await shards.get('entries', winnerAfter))[winnerAfter];
      if (winner !== undefined) {
        await setImageSizes(run, [winner]);
        addEntry(index.heads, winner, run.now, run.capacity);
      }
    }
  }
  if (entry !== undefined) {
    const owner = (await shards.get('claims', entry.path))[entry.path]?.[0];
    if (owner !== key) {
      const conflict = new PostError(key, 'slug', `${entry.path} is already the URL of ${owner}`);
      deps.log.warn('post not published', { key, field: conflict.field, reason: conflict.reason });
      return conflict;
    }
  }
  return undefined;
}

async function claim(run: Run, path: string, source: string): Promise<void> {
  const claims = await run.shards.get('claims', path);
  claims[path] = [...new Set([...(claims[path] ?? []), source])].sort();
  run.shards.touch('claims', path);
}

async function unclaim(run: Run, path: string, source: string): Promise<void> {
  const claims = await run.shards.get('claims', path);
  const rest = (claims[path] ?? []).filter((s) => s !== source);
  if (rest.length === 0) delete claims[path];
  else claims[path] = rest;
  run.shards.touch('claims', path);
}

/** Copies or removes a static file and updates the enclosure size of every head post using it. */
async function reconcileStatic(run: Run, key: string): Promise<void> {
  const size = await mirrorStatic(run.deps.content, run.deps.site, key);
  const statics = await run.shards.get('statics', key);
  if (size === undefined) delete statics[key];
  else statics[key] = size;
  run.shards.touch('statics', key);
  const url = staticUrl(run.site, key);
  for (const entry of [...Object.values(run.index.heads.lists).flat(), ...run.index.heads.upcoming]) {
    if (entry.img !== url) continue;
    if (size === undefined) delete entry.imgSize;
    else entry.imgSize = size;
  }
}

/** Gives entries the size of their image when the site publishes it. */
async function setImageSizes(run: Run, entries: HeadEntry[]): Promise<void> {
  for (const entry of entries) {
    delete entry.imgSize;
    if (entry.img === undefined || !entry.img.startsWith(run.site.baseUrl)) continue;
    const key = `static/${decodeURI(entry.img.slice(run.site.baseUrl.length))}`;
    const size = (await run.shards.get('statics', key))[key];
    if (size !== undefined) entry.imgSize = size;
  }
}

/**
 * Every post that owns its URL, from all entry shards (for refilling a head, and for pages); read
 * once a run, after the run's shard changes are flushed.
 */
function allWinners(run: Run): Promise<HeadEntry[]> {
  run.winners ??= readWinners(run);
  return run.winners;
}

async function readWinners(run: Run): Promise<HeadEntry[]> {
  const shards = await mapLimit(await run.state.shardNames('entries'), IO_CONCURRENCY, (shard) =>
    run.state.readShard('entries', shard),
  );
  const all = shards.flatMap((entries) => Object.values(entries));
  const owners = new Map<string, HeadEntry>();
  for (const entry of all) {
    const owner = owners.get(entry.path);
    if (owner === undefined || entry.source < owner.source) owners.set(entry.path, entry);
  }
  return [...owners.values()];
}

/**
 * Rewrites the feeds whose items changed (all of them when `force`), and removes the feeds of
 * categories that have no published post left.
 */
async function regenerateFeeds(
  run: Run,
  force: boolean,
): Promise<{ regenerated: string[]; removed: string[] }> {
  const { deps, site, state, index } = run;
  const plan: PlannedFeed<HeadEntry>[] = Object.entries(index.heads.lists).map(([folder, list]) => ({
    folder,
    scope: folder === '' ? { kind: 'site' } : { kind: 'category', category: categoryOf(folder, list) },
    posts: list.slice(0, site.feedLimit),
  }));
  const changed = plan.filter((feed) => force || index.feeds[feed.folder] !== signature(index, feed));

  const records = new Map<string, Post>();
  const sources = [...new Set(changed.flatMap((feed) => feed.posts.map((p) => p.source)))];
  await mapLimit(sources, IO_CONCURRENCY, async (source) => {
    records.set(source, await loadRecord(deps, state, site, source));
  });
  for (const feed of changed) {
    const items = feed.posts.map((p) => records.get(p.source) as Post);
    const imageSizes = new Map(
      feed.posts.flatMap((p) => (p.img && p.imgSize !== undefined ? [[p.img, p.imgSize] as const] : [])),
    );
    await writeFeeds(deps.site, site, { ...feed, posts: items }, imageSizes);
    index.feeds[feed.folder] = signature(index, feed);
  }

  const live = new Set(plan.map((feed) => feed.folder));
  const removed = Object.keys(index.feeds).filter((folder) => !live.has(folder));
  for (const folder of removed) {
    await deleteFeeds(deps.site, folder);
    delete index.feeds[folder];
  }
  if (force) for (const key of await staleCategoryFeeds(deps.site, live)) await deps.site.delete(key);
  return { regenerated: changed.map((f) => f.folder), removed };
}

/**
 * Writes the pages whose inputs changed (all of them when `force`) and removes those of posts and
 * categories that are gone. Pages need every published post in order (neighbours, archive pages),
 * so this reads all entry shards: a few hundred small reads, still a small part of a full build.
 * @returns keys written or removed
 */
async function publishPages(run: Run, force: boolean): Promise<string[]> {
  const { site, state } = run;
  const previous = await state.loadPageSignatures();
  let published: HeadEntry[] = [];
  if (site.pages) {
    const now = run.now.getTime();
    published = (await allWinners(run)).filter((e) => Date.parse(e.published) <= now).sort(compareEntries);
  }
  const terms = new Map<string, Term>();
  const term = (name: string): Term => {
    const found = terms.get(name) ?? { name, slug: toSlug(name) };
    terms.set(name, found);
    return found;
  };
  const plan = planPages(
    site,
    published.map((e) => ({
      source: e.source,
      path: e.path,
      url: siteUrl(site, e.path),
      title: e.title,
      summary: e.summary,
      published: e.published,
      updated: e.updated,
      categories: [...new Map((e.cats ?? []).map((name) => [toSlug(name), term(name)])).values()],
      hash: e.hash,
    })),
  );
  const result = await writePages(
    run.deps.site,
    plan,
    run.index.configHash,
    previous,
    async (sources) => {
      const posts = new Map<string, Post>();
      await mapLimit(sources, IO_CONCURRENCY, async (source) => {
        posts.set(source, await loadRecord(run.deps, state, site, source));
      });
      return posts;
    },
    force,
  );
  if (force || result.written.length > 0 || result.removed.length > 0)
    await state.savePageSignatures(result.signatures);
  return [...result.written, ...result.removed];
}

/**
 * Tells the site's WebSub hub which feeds changed. A hub that fails is logged, not retried: the
 * feeds are published, and readers that are not told still poll them.
 */
async function pingHub(run: Run, folders: readonly string[]): Promise<void> {
  const hub = run.site.websubHub;
  if (hub === undefined || run.deps.hub === undefined || folders.length === 0) return;
  const topics = folders.flatMap((folder) =>
    Object.values(FEED_FORMATS).map((f) => siteUrl(run.site, `${folder}${f.file}`)),
  );
  try {
    await run.deps.hub.notify(hub, topics);
  } catch (error) {
    run.deps.log.warn('WebSub hub not told of changed feeds', { hub, error: String(error) });
  }
}

/** What a feed's files depend on: configuration, its name, and each item's record and image size. */
function signature(index: SiteIndex, feed: PlannedFeed<HeadEntry>): string {
  return hashOf([
    index.configHash,
    feed.scope.kind === 'category' ? feed.scope.category.name : '',
    feed.posts.map((p) => [p.source, p.hash, p.imgSize ?? null]),
  ]);
}

/** A post's record; re-rendered from the content bucket if state lost it. */
async function loadRecord(
  deps: PublishDeps,
  state: PublishState,
  site: SiteConfig,
  source: string,
): Promise<Post> {
  const record = await state.readRecord(source);
  if (record !== undefined) return record;
  const bytes = await deps.content.get(source);
  if (bytes === undefined) {
    throw new PostError(
      source,
      'file',
      'is in the index but gone from the content bucket; run herald rebuild',
    );
  }
  const post = renderPost(parsePost({ key: source, bytes }, site), {
    site,
    warn: bodyWarnings(deps.log, source),
  });
  await state.writeRecord(post);
  return post;
}
