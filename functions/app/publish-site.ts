import type { SiteConfig } from '../core/config/site-config.ts';
import { PostError } from '../core/errors.ts';
import { parsePost, renderPost } from '../core/posts/parse-post.ts';
import type { Post } from '../core/posts/post.ts';
import { RefIndex } from '../core/posts/ref-index.ts';
import { linksToPosts } from '../core/shortcodes/expand-shortcodes.ts';
import {
  addEntry,
  buildHeads,
  promoteDue,
  refillFolder,
  removeEntry,
  underfilled,
} from '../core/site/feed-heads.ts';
import type { PostEntry } from '../core/site/post-entry.ts';
import { ignoredFieldReason } from '../core/text/did-you-mean.ts';
import { readSite } from './build-site.ts';
import { hashOf } from './hash-of.ts';
import { loadSiteConfig } from './load-site-config.ts';
import { mapLimit } from './map-limit.ts';
import { entryOf, ownersAmong, PostIndex } from './post-index/post-index.ts';
import { refsFromIndex } from './post-refs.ts';
import { pingHub, publishPages, regenerateFeeds } from './publish-outputs.ts';
import { type PublishDeps, type PublishReport, type PublishRun, startRun } from './publish-run.ts';
import { bodyWarnings, renderFromStore } from './read-posts.ts';
import { rebuildUnderWay, startRebuild } from './rebuild/plan-rebuild.ts';
import { isPostKey, isStaticKey, mirrorStatic, staticUrl } from './site-output.ts';
import { texToMathml } from './tex-to-mathml.ts';

// The publish use-cases: read what changed, update the post index, then write the outputs. Full and
// incremental runs are two modes of this one pipeline over the same index.

export type { PublishDeps, PublishReport } from './publish-run.ts';

const IO_CONCURRENCY = 16;

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
  // A fan-out rebuild under way owns the index until its final step, which publishes every file
  // that changed meanwhile: these changes are left to it.
  const rebuilding = await rebuildUnderWay(deps);
  if (rebuilding !== undefined) {
    if (keys.length > 0)
      deps.log.info('changes left to the rebuild under way', {
        keys: new Set(keys).size,
        rebuild: rebuilding,
      });
    return { rebuilt: false, processed: 0, regenerated: [], removed: [], pages: [], failed: [], rebuilding };
  }
  return applyChanges(deps, keys);
}

/**
 * {@link publishChanges} without looking for a rebuild under way: for the rebuild's own final step.
 * @param keys - content keys, decoded; any order, duplicates allowed
 */
export async function applyChanges(deps: PublishDeps, keys: readonly string[]): Promise<PublishReport> {
  const config = await loadSiteConfig(deps.content, deps.overrides);
  const now = deps.clock.now();
  // No index, or one built with another site.yaml (uploaded again unchanged, it needs no rebuild).
  const index = await PostIndex.open(deps.state, now, hashOf(config));
  if (index === undefined)
    return deps.rebuild ? startRebuild({ ...deps, rebuild: deps.rebuild }) : rebuildSite(deps);
  const run = startRun(deps, config, index, now);
  const { heads } = index.head;
  const unique = [...new Set(keys)];
  const failed: PostError[] = [];
  // Objects and their entries are read concurrently; the keys are then applied one at a time,
  // since they can share shards, URLs and feed heads.
  const posts = unique.filter(isPostKey);
  const contents = new Map(
    await mapLimit(posts, IO_CONCURRENCY, async (key) => {
      await index.entry(key);
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
  index.wentLive(promoteDue(heads, now, run.capacity));
  // Refills read every entry shard from the store: this run's changes must be there first.
  await index.flush();
  const folders = underfilled(heads, config.feedLimit);
  if (folders.length > 0) {
    const owners = await index.allOwners();
    for (const folder of folders) refillFolder(heads, folder, owners, now, run.capacity);
    await setImageSizes(run, Object.values(heads.lists).flat());
  }
  const feeds = await regenerateFeeds(run, false);
  const pages = await publishPages(run, false);
  await index.save();
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
 * Rebuilds the index and every feed and page from the content bucket's listing in one run: after a
 * configuration change, and as recovery when state is lost or suspect. When each post first
 * appeared is kept from the previous index. A site too large for one invocation rebuilds in shards
 * instead (rebuild/fan-out-rebuild.ts), ending in the same {@link completeRebuild}.
 */
export async function rebuildSite(deps: PublishDeps): Promise<PublishReport> {
  const { site: config, posts, failed } = await readSite(deps, deps.overrides);
  const run = await startRebuildRun(deps, config, deps.clock.now());

  // Every non-draft post gets a record and an entry, scheduled and out-voted ones too.
  const entries = new Map<string, PostEntry>();
  const refs = new RefIndex(posts.published);
  await mapLimit(
    [...posts.published, ...posts.scheduled, ...posts.conflicted],
    IO_CONCURRENCY,
    async (meta) => {
      const post = await renderFromStore(deps.content, meta, config, {
        refs,
        warn: bodyWarnings(deps.log, meta.source),
        math: texToMathml,
      });
      run.index.writeRecord(post);
      entries.set(post.source, entryOf(post));
    },
  );
  return completeRebuild(run, {
    entries: entries.values(),
    failed,
    errors: failed.filter((e) => !posts.conflicts.includes(e)),
    published: posts.published.length,
  });
}

/** What a rebuild read and rendered, for {@link completeRebuild}. */
export interface RebuiltPosts {
  /** The entry of every non-draft post rendered (records written), scheduled and out-voted too. */
  entries: Iterable<PostEntry>;
  /** Every post not published, slug conflicts too, sorted by file: the report's. */
  failed: PostError[];
  /** The posts whose latest version is unpublishable (not conflicts): recorded as errors. */
  errors: PostError[];
  /** Posts published now. */
  published: number;
  /** Post pages already written in this rebuild (by its shards), with their signatures. */
  pagesWritten?: Record<string, string>;
}

/**
 * Starts a rebuild's run: an index rebuilt from nothing but the appearances the state bucket
 * knows, at `now` (a fan-out rebuild passes the instant it planned at, so every retry agrees).
 */
export async function startRebuildRun(deps: PublishDeps, config: SiteConfig, now: Date): Promise<PublishRun> {
  const index = await PostIndex.rebuild(deps.state, now, hashOf(config));
  index.setNewsletter(config.newsletter !== undefined);
  return startRun(deps, config, index, now);
}

/**
 * Ends a rebuild, one run or fanned out alike: indexes the rendered posts, mirrors static files,
 * then switches the feeds, pages and index head to the rebuilt site. Safe to run again after a
 * crash: every write is the same again.
 */
export async function completeRebuild(run: PublishRun, rebuilt: RebuiltPosts): Promise<PublishReport> {
  const { deps, index, now } = run;
  const entries = new Map<string, PostEntry>();
  for (const entry of rebuilt.entries) entries.set(entry.source, entry);
  for (const entry of entries.values()) await index.setEntry(entry.source, entry);

  const staticKeys: string[] = [];
  for await (const info of deps.content.list('static/')) if (isStaticKey(info.key)) staticKeys.push(info.key);
  const sizes = await mapLimit(
    staticKeys,
    IO_CONCURRENCY,
    async (key) => [key, await mirrorStatic(deps.content, deps.output, key)] as const,
  );
  for (const [key, size] of sizes) if (size !== undefined) await index.setStaticSize(key, size);

  const heads = buildHeads(ownersAmong(entries.values()), now, run.capacity);
  index.head.heads = heads;
  await setImageSizes(run, [...Object.values(heads.lists).flat(), ...heads.upcoming]);

  const at = now.toISOString();
  for (const error of rebuilt.errors)
    index.setError({ key: error.file, field: error.field, reason: error.reason, at });
  await index.prune(new Set(entries.keys()));
  await index.flush();

  const feeds = await regenerateFeeds(run, true);
  const pages = await publishPages(run, true, rebuilt.pagesWritten);
  await index.save();
  await pingHub(run, feeds.regenerated);
  deps.log.info('rebuilt', {
    posts: entries.size,
    failed: rebuilt.failed.length,
    feeds: feeds.regenerated.length,
  });
  return {
    rebuilt: true,
    processed: entries.size + rebuilt.failed.length,
    published: rebuilt.published,
    failed: rebuilt.failed,
    ...feeds,
    pages,
  };
}

/** Reads one post as it is now and updates its record, its entry, the heads and its error. */
async function reconcilePost(
  run: PublishRun,
  key: string,
  bytes: Uint8Array | undefined,
): Promise<PostError | undefined> {
  const { deps, config, index, now, capacity } = run;
  const { heads } = index.head;
  let post: Post | undefined;
  if (bytes !== undefined) {
    try {
      const parsed = parsePost({ key, bytes }, config, (typo) =>
        deps.log.warn('field ignored', { key, field: typo.field, reason: ignoredFieldReason(typo.meant) }),
      );
      const refs = linksToPosts(parsed.body) ? await refsFromIndex(index, config) : undefined;
      post = renderPost(parsed, {
        site: config,
        warn: bodyWarnings(deps.log, key),
        math: texToMathml,
        ...(refs ? { refs } : {}),
      });
    } catch (error) {
      if (!(error instanceof PostError)) throw error;
      index.setError({ key, field: error.field, reason: error.reason, at: now.toISOString() });
      deps.log.warn('post not published', {
        key,
        field: error.field,
        reason: error.reason,
        lastGoodVersionKept: (await index.entry(key)) !== undefined,
      });
      return error;
    }
  }
  index.clearError(key);

  const old = await index.entry(key);
  const entry = post === undefined || post.draft ? undefined : entryOf(post);
  if (entry === undefined) index.deleteRecord(key);
  else if (old?.hash !== entry.hash) index.writeRecord(post as Post);
  const changes = await index.setEntry(key, entry);

  removeEntry(heads, key);
  for (const { before, after } of changes) {
    if (before !== undefined && before !== key && before !== after) removeEntry(heads, before);
    if (after !== undefined && (after === key || after !== before)) {
      const owner = after === key ? entry : await index.entry(after);
      if (owner !== undefined) {
        await setImageSizes(run, [owner]);
        addEntry(heads, owner, now, capacity);
      }
    }
  }
  if (entry !== undefined) {
    const owner = await index.ownerOf(entry.path);
    if (owner !== key) {
      const conflict = new PostError(key, 'slug', `${entry.path} is already the URL of ${owner}`);
      deps.log.warn('post not published', { key, field: conflict.field, reason: conflict.reason });
      return conflict;
    }
  }
  return undefined;
}

/** Copies or removes a static file and updates the enclosure size of every head post using it. */
async function reconcileStatic(run: PublishRun, key: string): Promise<void> {
  const size = await mirrorStatic(run.deps.content, run.deps.output, key);
  await run.index.setStaticSize(key, size);
  const url = staticUrl(run.config, key);
  const { heads } = run.index.head;
  for (const entry of [...Object.values(heads.lists).flat(), ...heads.upcoming]) {
    if (entry.image !== url) continue;
    if (size === undefined) delete entry.imageSize;
    else entry.imageSize = size;
  }
}

/** Gives entries the size of their image when the site publishes it. */
async function setImageSizes(run: PublishRun, entries: PostEntry[]): Promise<void> {
  const { baseUrl } = run.config;
  for (const entry of entries) {
    delete entry.imageSize;
    if (entry.image === undefined || !entry.image.startsWith(baseUrl)) continue;
    const size = await run.index.staticSize(`static/${decodeURI(entry.image.slice(baseUrl.length))}`);
    if (size !== undefined) entry.imageSize = size;
  }
}
