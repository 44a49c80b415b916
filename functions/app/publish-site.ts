import { PostError } from '../core/errors.ts';
import {
  bundleFolderOf,
  isTranslation,
  resourceTarget,
  translationsNotice,
} from '../core/posts/content-files.ts';
import { parsePost, renderPost } from '../core/posts/parse-post.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import type { Post } from '../core/posts/post.ts';
import { RefIndex } from '../core/posts/ref-index.ts';
import {
  addEntry,
  buildHeads,
  promoteDue,
  refillFolder,
  removeEntry,
  removeExpired,
  underfilled,
} from '../core/site/feed-heads.ts';
import { isLive, type PostEntry } from '../core/site/post-entry.ts';
import { ignoredFieldReason } from '../core/text/did-you-mean.ts';
import { readSite } from './build-site.ts';
import {
  type Bundle,
  bundleOf,
  copyResource,
  copyResources,
  isResourceKey,
  resourcesUnder,
} from './bundle-resources.ts';
import { hashOf } from './hash-of.ts';
import { loadSiteConfig } from './load-site-config.ts';
import { mapLimit } from './map-limit.ts';
import { entryOf, ownersAmong, PostIndex } from './post-index/post-index.ts';
import { linksChanged, RecordingRefs, refsFromIndex } from './post-refs.ts';
import { pingHub, regenerateFeeds } from './publish-outputs.ts';
import { publishPages, updatePageIndex } from './publish-pages.ts';
import { type PublishDeps, type PublishReport, type PublishRun, startRun } from './publish-run.ts';
import { bodyWarnings, renderFromStore } from './read-posts.ts';
import { isPostKey, isStaticKey, mirrorStatic, staticTarget, staticUrl } from './site-output.ts';
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
  const config = await loadSiteConfig(deps.content, deps.overrides);
  const now = deps.clock.now();
  // No index, or one built with another site.yaml (uploaded again unchanged, it needs no rebuild).
  const index = await PostIndex.open(deps.state, now, hashOf(config));
  if (index === undefined) return rebuildSite(deps);
  const run = startRun(deps, config, index, now);
  const { heads } = index.head;
  const unique = [...new Set(keys)];
  const failed: PostError[] = [];
  const isPost = (key: string) => isPostKey(key) && !isTranslation(key, config.language);
  // Objects and their entries are read concurrently; the keys are then applied one at a time,
  // since they can share shards, URLs and feed heads.
  const posts = unique.filter(isPost);
  const contents = new Map(
    await mapLimit(posts, IO_CONCURRENCY, async (key) => {
      await index.entry(key);
      return [key, await deps.content.get(key)] as const;
    }),
  );
  const translations: string[] = [];
  for (const key of unique) {
    if (isPost(key)) {
      const error = await reconcilePost(run, key, contents.get(key));
      if (error !== undefined) failed.push(error);
    } else if (isPostKey(key)) {
      // A translation is no post, whatever an older Herald made of it; it may make a bundle.
      translations.push(key);
      await reconcilePost(run, key, undefined);
    } else if (isStaticKey(key)) {
      await reconcileStatic(run, key);
    } else if (isResourceKey(key)) {
      const bundle = await bundleOf(deps.content, key, config.language);
      await placeResource(run, key, bundle, true);
    }
  }
  // Which posts exist may have changed: links to them are resolved again.
  if (posts.length > 0)
    for (const error of await reRenderLinkers(run))
      if (!failed.some((f) => f.file === error.file)) failed.push(error);
  if (translations.length > 0)
    deps.log.info('translations left out', { notice: translationsNotice(translations, config.language) });
  const due = promoteDue(heads, now, run.capacity);
  index.wentLive(due);
  // Expired posts leave at their expiry, on the first run (often the tick) after it.
  const expired = removeExpired(heads, now);
  index.expired(expired);
  // A bundle's resources appear with its post, and leave with it.
  for (const entry of [...due, ...expired]) await syncBundleOf(run, entry.source);
  // Refills read every entry shard from the store: this run's changes must be there first.
  await index.flush();
  const folders = underfilled(heads, config.feedLimit);
  if (folders.length > 0) {
    const owners = await index.allOwners();
    for (const folder of folders) refillFolder(heads, folder, owners, now, run.capacity);
    await setImageSizes(run, Object.values(heads.lists).flat());
  }
  const lists = await updatePageIndex(run);
  // A static file or bundle resource changes the enclosure size of posts the lists cannot name:
  // then every tag and series feed is planned (from every entry) and compared.
  const filesChanged = unique.some((key) => isStaticKey(key) || isResourceKey(key));
  const feeds = await regenerateFeeds(
    run,
    false,
    (entries) => setImageSizes(run, entries),
    filesChanged ? undefined : lists,
  );
  const pages = await publishPages(run, false, lists, new Set(), new Set(posts));
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
 * Rebuilds the index and every feed and page from the content bucket's listing: after a
 * configuration change, and as recovery when state is lost or suspect. When each post first
 * appeared is kept from the previous index.
 */
export async function rebuildSite(deps: PublishDeps): Promise<PublishReport> {
  const { site: config, posts, failed, brokenLinks, resources } = await readSite(deps, deps.overrides);
  const now = deps.clock.now();
  const index = await PostIndex.rebuild(deps.state, now, hashOf(config));
  index.setNewsletter(config.newsletter !== undefined);
  const run = startRun(deps, config, index, now);

  // Every non-draft post gets a record and an entry, scheduled and out-voted ones too.
  const entries = new Map<string, PostEntry>();
  const refs = new RefIndex([...posts.published, ...posts.scheduled, ...posts.expired, ...posts.conflicted]);
  await mapLimit(
    [...posts.published, ...posts.scheduled, ...posts.expired, ...posts.conflicted],
    IO_CONCURRENCY,
    async (meta) => {
      const recording = meta.linksToPosts ? new RecordingRefs(refs) : undefined;
      const post = await renderFromStore(deps.content, meta, config, {
        refs: recording ?? refs,
        warn: bodyWarnings(deps.log, meta.source),
        math: texToMathml,
      });
      index.setLinks(post.source, recording?.resolved);
      await index.writeRecord(post);
      entries.set(post.source, entryOf(post));
    },
  );
  for (const entry of entries.values()) await index.setEntry(entry.source, entry);
  // Posts left out for a link to a missing post come back when it appears.
  for (const source of brokenLinks) index.setLinks(source, null);

  const staticKeys: string[] = [];
  for await (const info of deps.content.list('static/')) if (isStaticKey(info.key)) staticKeys.push(info.key);
  const sizes = await mapLimit(
    staticKeys,
    IO_CONCURRENCY,
    async (key) => [key, await mirrorStatic(deps.content, deps.output, key)] as const,
  );
  for (const [key, size] of sizes) if (size !== undefined) await index.setStaticSize(key, size);

  const paths = new Map(posts.published.map((post) => [post.source, post.path]));
  const copied = await copyResources(deps.content, deps.output, resources, paths);
  const targets = new Set(copied.map((r) => r.target));
  for (const { key, target, size } of copied) await index.setResource(key, { target, size });
  for (const { target } of index.formerResources.values())
    if (!targets.has(target)) await deps.output.delete(target);

  const heads = buildHeads(ownersAmong(entries.values()), now, run.capacity);
  index.head.heads = heads;
  await setImageSizes(run, [...Object.values(heads.lists).flat(), ...heads.upcoming]);

  const at = now.toISOString();
  for (const error of failed.filter((e) => !posts.conflicts.includes(e)))
    index.setError({ key: error.file, field: error.field, reason: error.reason, at });
  await index.prune(new Set(entries.keys()));
  await index.flush();

  const feeds = await regenerateFeeds(run, true, (entries) => setImageSizes(run, entries));
  // Static files and bundle resources may look like pages (static/about.html): a full run removes
  // only real stale pages.
  const keep = new Set([
    ...targets,
    ...sizes.flatMap(([key, size]) => (size === undefined ? [] : [staticTarget(key)])),
  ]);
  const pages = await publishPages(run, true, undefined, keep);
  await index.save();
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

/**
 * Reads one post as it is now and updates its record, its entry, the heads, its error and what its
 * links resolve to.
 * @param dropOnError - for a post re-rendered because a post it links to changed: its file did not
 *   change, so a failure means its current version no longer publishes (as in a full build), and it
 *   leaves the site until its link resolves again. A failed upload keeps the last good version.
 */
async function reconcilePost(
  run: PublishRun,
  key: string,
  bytes: Uint8Array | undefined,
  dropOnError = false,
): Promise<PostError | undefined> {
  const { deps, config, index, now, capacity } = run;
  const { heads } = index.head;
  let post: Post | undefined;
  let failure: PostError | undefined;
  if (bytes === undefined) index.setLinks(key, undefined);
  else {
    let recording: RecordingRefs | undefined;
    try {
      const parsed = parsePost(
        { key, bytes },
        config,
        (typo) =>
          deps.log.warn('field ignored', { key, field: typo.field, reason: ignoredFieldReason(typo.meant) }),
        (warning) => bodyWarnings(deps.log, key)(`${warning.field}: ${warning.reason}`),
      );
      recording = parsed.linksToPosts ? new RecordingRefs(await refsFromIndex(index, config)) : undefined;
      post = renderPost(parsed, {
        site: config,
        warn: bodyWarnings(deps.log, key),
        math: texToMathml,
        ...(recording ? { refs: recording } : {}),
      });
      index.setLinks(key, recording?.resolved);
    } catch (error) {
      if (!(error instanceof PostError)) throw error;
      // A post whose link names no post is remembered, so that it is published once the post exists;
      // one that does not parse links to nothing known.
      index.setLinks(key, recording?.resolved);
      index.setError({ key, field: error.field, reason: error.reason, at: now.toISOString() });
      deps.log.warn('post not published', {
        key,
        field: error.field,
        reason: error.reason,
        lastGoodVersionKept: !dropOnError && (await index.entry(key)) !== undefined,
      });
      if (!dropOnError) return error;
      failure = error;
    }
  }
  if (failure === undefined) index.clearError(key);

  const old = await index.entry(key);
  const entry = post === undefined || post.draft ? undefined : entryOf(post);
  if (entry === undefined) await index.deleteRecord(key);
  else if (old?.hash !== entry.hash) await index.writeRecord(post as Post);
  const changes = await index.setEntry(key, entry);

  // Resources follow their bundle's post: published, moved or removed with it, and with any post
  // whose URL ownership this change moved.
  const sources = new Set([key, ...changes.flatMap((c) => [c.before, c.after])]);
  for (const source of sources) if (source !== undefined) await syncBundleOf(run, source);

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
  return failure;
}

/**
 * Re-renders the posts whose links (`ref`, `post_url`…) resolve differently after this run's
 * changes: a post that linked to a missing post is published once it exists, a link follows a
 * renamed post, and a post whose target is gone leaves the site with an error, as in a full build.
 * Repeats while re-rendering changes what links resolve to (a post that leaves can break another).
 * @returns the errors of posts that no longer publish
 */
async function reRenderLinkers(run: PublishRun): Promise<PostError[]> {
  const failed: PostError[] = [];
  const { index } = run;
  for (let round = 0; round <= Object.keys(index.linkers()).length; round++) {
    if (Object.keys(index.linkers()).length === 0) break;
    // The links must resolve against this run's changes.
    await index.flush();
    const refs = await refsFromIndex(index, run.config);
    const stale = Object.entries(index.linkers())
      .filter(([source, resolved]) => linksChanged(refs, source, resolved))
      .map(([source]) => source);
    if (stale.length === 0) break;
    for (const source of stale) {
      const error = await reconcilePost(run, source, await run.deps.content.get(source), true);
      if (error !== undefined) failed.push(error);
    }
  }
  return failed;
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

/** Gives entries the size of their image when the site publishes it (a static file or a resource). */
async function setImageSizes(run: PublishRun, entries: PostEntry[]): Promise<void> {
  const { baseUrl } = run.config;
  for (const entry of entries) {
    delete entry.imageSize;
    if (entry.image === undefined || !entry.image.startsWith(baseUrl)) continue;
    const size =
      (await run.index.staticSize(`static/${decodeURI(entry.image.slice(baseUrl.length))}`)) ??
      (await resourceSize(run, entry, entry.image));
    if (size !== undefined) entry.imageSize = size;
  }
}

/** The size of a post's image when it is a resource of the post's own bundle, as published. */
async function resourceSize(run: PublishRun, entry: PostEntry, image: string): Promise<number | undefined> {
  const folder = bundleFolderOf(entry.source);
  const page = siteUrl(run.config, entry.path);
  if (folder === undefined || !image.startsWith(page)) return undefined;
  const key = `${folder}${decodeURI(image.slice(page.length))}`;
  const record = await run.index.resource(key);
  return record?.target === resourceTarget(entry.path, folder, key) ? record.size : undefined;
}

/**
 * Brings every resource of the bundle whose post is `source` in line with that post: under its
 * URL while it is published and owns it, nowhere otherwise. Does nothing for a single-file post.
 */
async function syncBundleOf(run: PublishRun, source: string): Promise<void> {
  const folder = bundleFolderOf(source);
  if (folder === undefined) return;
  for (const [key, bundle] of await resourcesUnder(run.deps.content, folder, run.config.language))
    await placeResource(run, key, bundle, false);
}

/**
 * Publishes, moves or removes one resource as its bundle's post says, and updates the enclosure
 * size of every head post showing it.
 * @param bundle - the bundle it belongs to now, if any
 * @param copy - copy it even when it stays where it is (its own upload changed it)
 */
async function placeResource(
  run: PublishRun,
  key: string,
  bundle: Bundle | undefined,
  copy: boolean,
): Promise<void> {
  const { deps, index } = run;
  const path = bundle?.post === undefined ? undefined : await publishedPath(run, bundle.post);
  const target =
    bundle === undefined || path === undefined ? undefined : resourceTarget(path, bundle.folder, key);
  const former = await index.resource(key);
  if (!copy && former?.target === target) return;
  if (former !== undefined && former.target !== target) await deps.output.delete(former.target);
  const size = target === undefined ? undefined : await copyResource(deps.content, deps.output, key, target);
  // Gone from the content bucket: gone from the site.
  if (target !== undefined && size === undefined) await deps.output.delete(target);
  await index.setResource(key, target === undefined || size === undefined ? undefined : { target, size });
  const urls = new Set(
    [former?.target, target].flatMap((t) => (t === undefined ? [] : [siteUrl(run.config, t)])),
  );
  const { heads } = index.head;
  for (const entry of [...Object.values(heads.lists).flat(), ...heads.upcoming])
    if (entry.image !== undefined && urls.has(entry.image)) await setImageSizes(run, [entry]);
}

/** The path of a post that is live and owns it now, or undefined. */
async function publishedPath(run: PublishRun, source: string): Promise<string | undefined> {
  const entry = await run.index.entry(source);
  if (entry === undefined || !isLive(entry, run.now.getTime())) return undefined;
  return (await run.index.ownerOf(entry.path)) === source ? entry.path : undefined;
}
