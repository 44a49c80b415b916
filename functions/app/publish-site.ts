import type { SiteConfig, SiteOverrides } from '../core/config/site-config.ts';
import { PostError } from '../core/errors.ts';
import { parsePost, renderPost } from '../core/posts/parse-post.ts';
import type { Post } from '../core/posts/post.ts';
import { catalogue } from '../core/site/catalogue.ts';
import { type PlannedFeed, planFeeds } from '../core/site/feed-plan.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import { readSite } from './build-site.ts';
import { loadSiteConfig, SITE_CONFIG_KEY } from './load-site-config.ts';
import { mapLimit } from './map-limit.ts';
import {
  type ErrorRecord,
  hashOf,
  type IndexedPost,
  indexEntry,
  indexedPosts,
  PublishState,
  type SiteIndex,
} from './publish-state.ts';
import {
  deleteFeeds,
  isPostKey,
  isStaticKey,
  mirrorStatic,
  staleCategoryFeeds,
  staticUrl,
  writeFeeds,
} from './site-output.ts';
import { renderFromStore } from './store-post-reader.ts';

const IO_CONCURRENCY = 16;

/** The ports of the publish use-cases. */
export interface PublishDeps {
  /** The content bucket: `site.yaml`, `posts/**`, `static/**`. */
  content: BlobStore;
  /** The site bucket: feeds and static files, served to readers. */
  site: BlobStore;
  /** Private state: the site index, post records, error records. */
  state: BlobStore;
  clock: Clock;
  log: Logger;
  /** Configuration that wins over `site.yaml` (e.g. the CloudFront URL as `baseUrl`). */
  overrides?: SiteOverrides;
}

/** What one publish run did. */
export interface PublishReport {
  /** True when the whole site was rebuilt (first run, config change, explicit rebuild). */
  rebuilt: boolean;
  /** Content keys looked at. */
  processed: number;
  /** Posts published now. */
  published: number;
  /** Feed folders rewritten (`` is the site-wide feeds). */
  regenerated: string[];
  /** Feed folders removed because their category has no post left. */
  removed: string[];
  /** Posts that could not be published in this run, as file, field and reason. */
  failed: PostError[];
}

/**
 * Publishes what changed in the content bucket. Each key is reconciled against the bucket's current
 * truth (read it; gone means deleted), so duplicate, late or reordered events cannot corrupt
 * anything. A post that fails to parse is recorded and its last good version stays published.
 * Only feeds whose items changed are rewritten.
 * @param deps - the stores, clock and logger
 * @param keys - content keys named by events, decoded; any order, duplicates allowed
 * @throws ConfigError for a bad site.yaml; store errors as they come (the caller retries)
 */
export async function publishChanges(deps: PublishDeps, keys: readonly string[]): Promise<PublishReport> {
  const site = await loadSiteConfig(deps.content, deps.overrides);
  const state = new PublishState(deps.state);
  const index = await state.loadIndex();
  if (index === undefined || index.configHash !== hashOf(site) || keys.includes(SITE_CONFIG_KEY)) {
    return rebuildSite(deps);
  }
  const unique = [...new Set(keys)];
  const failed: PostError[] = [];
  await mapLimit(unique, IO_CONCURRENCY, async (key) => {
    if (isPostKey(key)) {
      const error = await reconcilePost(deps, state, index, site, key);
      if (error !== undefined) failed.push(error);
    } else if (isStaticKey(key)) {
      const size = await mirrorStatic(deps.content, deps.site, key);
      if (size === undefined) delete index.statics[key];
      else index.statics[key] = size;
    }
  });
  const feeds = await regenerateFeeds(deps, state, index, site, false);
  await state.saveIndex(index);
  deps.log.info('published', { keys: unique.length, regenerated: feeds.regenerated, failed: failed.length });
  return { rebuilt: false, processed: unique.length, failed, ...feeds };
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
  const index: SiteIndex = {
    version: 2,
    configHash: hashOf(site),
    posts: {},
    errors: {},
    statics: {},
    feeds: {},
  };

  // Every non-draft post gets a record, scheduled ones too: the tick publishes them from state.
  const all = [...posts.published, ...posts.scheduled];
  await mapLimit(all, IO_CONCURRENCY, async (meta) => {
    const post = await renderFromStore(deps.content, meta, site);
    await state.writeRecord(post);
    index.posts[post.source] = indexEntry(post);
  });
  const now = deps.clock.now().toISOString();
  for (const error of failed.filter((e) => !posts.conflicts.includes(e))) {
    const record: ErrorRecord = { key: error.file, field: error.field, reason: error.reason, at: now };
    index.errors[error.file] = record;
    await state.writeError(record);
  }
  for await (const key of state.recordKeys()) if (!(key in index.posts)) await state.deleteRecord(key);
  for await (const key of state.errorKeys()) if (!(key in index.errors)) await state.deleteError(key);

  const staticKeys: string[] = [];
  for await (const info of deps.content.list('static/')) if (isStaticKey(info.key)) staticKeys.push(info.key);
  await mapLimit(staticKeys, IO_CONCURRENCY, async (key) => {
    const size = await mirrorStatic(deps.content, deps.site, key);
    if (size !== undefined) index.statics[key] = size;
  });

  const feeds = await regenerateFeeds(deps, state, index, site, true);
  await state.saveIndex(index);
  deps.log.info('rebuilt', { posts: all.length, failed: failed.length, feeds: feeds.regenerated.length });
  return { rebuilt: true, processed: all.length + failed.length, failed, ...feeds };
}

/** Reads one post as it is now and updates its record, its index entry and its error record. */
async function reconcilePost(
  deps: PublishDeps,
  state: PublishState,
  index: SiteIndex,
  site: SiteConfig,
  key: string,
): Promise<PostError | undefined> {
  const bytes = await deps.content.get(key);
  if (bytes === undefined) {
    delete index.posts[key];
    delete index.errors[key];
    await Promise.all([state.deleteRecord(key), state.deleteError(key)]);
    return undefined;
  }
  let post: Post;
  try {
    post = renderPost(parsePost({ key, bytes }, site));
  } catch (error) {
    if (!(error instanceof PostError)) throw error;
    const record: ErrorRecord = {
      key,
      field: error.field,
      reason: error.reason,
      at: deps.clock.now().toISOString(),
    };
    index.errors[key] = record;
    await state.writeError(record);
    deps.log.warn('post not published', {
      key,
      field: error.field,
      reason: error.reason,
      lastGoodVersionKept: key in index.posts,
    });
    return error;
  }
  if (post.draft) {
    // A post turned back into a draft leaves the feeds.
    delete index.posts[key];
    await state.deleteRecord(key);
  } else {
    const entry = indexEntry(post);
    if (index.posts[key]?.hash !== entry.hash) await state.writeRecord(post);
    index.posts[key] = entry;
  }
  if (key in index.errors) {
    delete index.errors[key];
    await state.deleteError(key);
  }
  return undefined;
}

/**
 * Rewrites the feeds whose items changed (all of them when `force`), and removes the feeds of
 * categories that have no published post left.
 */
async function regenerateFeeds(
  deps: PublishDeps,
  state: PublishState,
  index: SiteIndex,
  site: SiteConfig,
  force: boolean,
): Promise<{ published: number; regenerated: string[]; removed: string[] }> {
  const posts = catalogue(indexedPosts(index), deps.clock.now());
  for (const conflict of posts.conflicts) {
    deps.log.warn('post not published', {
      key: conflict.file,
      field: conflict.field,
      reason: conflict.reason,
    });
  }
  const imageSizes = new Map(
    Object.entries(index.statics).map(([key, size]) => [staticUrl(site, key), size]),
  );
  const plan = planFeeds(site, posts.published);
  const changed = plan.filter(
    (feed) => force || index.feeds[feed.folder] !== signature(index, feed, imageSizes),
  );

  const records = new Map<string, Post>();
  const sources = [...new Set(changed.flatMap((feed) => feed.posts.map((p) => p.source)))];
  await mapLimit(sources, IO_CONCURRENCY, async (source) => {
    records.set(source, await loadRecord(deps, state, site, source));
  });
  for (const feed of changed) {
    const items = feed.posts.map((p) => records.get(p.source) as Post);
    await writeFeeds(deps.site, site, { ...feed, posts: items }, imageSizes);
    index.feeds[feed.folder] = signature(index, feed, imageSizes);
  }

  const live = new Set(plan.map((feed) => feed.folder));
  const removed = Object.keys(index.feeds).filter((folder) => !live.has(folder));
  for (const folder of removed) {
    await deleteFeeds(deps.site, folder);
    delete index.feeds[folder];
  }
  if (force) for (const key of await staleCategoryFeeds(deps.site, live)) await deps.site.delete(key);
  return { published: posts.published.length, regenerated: changed.map((f) => f.folder), removed };
}

/** What a feed's files depend on: configuration, and each item's record and image size. */
function signature(
  index: SiteIndex,
  feed: PlannedFeed<IndexedPost>,
  imageSizes: ReadonlyMap<string, number>,
): string {
  return hashOf([
    index.configHash,
    feed.posts.map(({ source, entry }) => [
      source,
      entry.hash,
      entry.img === undefined ? null : (imageSizes.get(entry.img) ?? null),
    ]),
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
  if (bytes === undefined)
    throw new PostError(
      source,
      'file',
      'is in the index but gone from the content bucket; run herald rebuild',
    );
  const post = renderPost(parsePost({ key: source, bytes }, site));
  await state.writeRecord(post);
  return post;
}
