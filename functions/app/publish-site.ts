import type { SiteConfig } from '../core/config/site-config.ts';
import { PostError } from '../core/errors.ts';
import {
  bundledMarkdownNotice,
  bundleFolderOf,
  leftOutTranslations,
  otherLanguages,
  resourceTarget,
  translationsNotice,
} from '../core/posts/content-files.ts';
import { parsePost, renderPost } from '../core/posts/parse-post.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import type { Post, PostMeta } from '../core/posts/post.ts';
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
  markdownRoleOf,
  resourcesUnder,
  withBundleMarkdown,
} from './bundle-resources.ts';
import { hashOf } from './hash-of.ts';
import { forEachLanguage, languageStores, removeFormerLanguages } from './language-views.ts';
import { postsInPageIndexes, writeLanguagesSitemap } from './languages-sitemap.ts';
import { loadSiteConfig } from './load-site-config.ts';
import { mapLimit } from './map-limit.ts';
import { PageIndex } from './post-index/page-index.ts';
import { entryOf, ownersAmong, PostIndex } from './post-index/post-index.ts';
import { linksChanged, RecordingRefs, refsFromIndex } from './post-refs.ts';
import { pingHub, regenerateFeeds } from './publish-outputs.ts';
import { postKeys, publishPages, updatePageIndex } from './publish-pages.ts';
import { type PublishDeps, type PublishReport, type PublishRun, startRun } from './publish-run.ts';
import { bodyWarnings, renderFromStore } from './read-posts.ts';
import { rebuildUnderWay, startRebuild } from './rebuild/plan-rebuild.ts';
import { isPostKey, isStaticKey, mirrorStatic, staticTarget, staticUrl } from './site-output.ts';
import { texToMathml } from './tex-to-mathml.ts';
import { groupMembers, translatedPosts } from './translation-links.ts';

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
 * Every language the site publishes applies the changes, the site's own first.
 * @param keys - content keys, decoded; any order, duplicates allowed
 */
export async function applyChanges(deps: PublishDeps, keys: readonly string[]): Promise<PublishReport> {
  const own = await applyLanguage(deps, keys);
  // Each language's run checks its own index: a changed site.yaml rebuilds every language.
  const others = await forEachLanguage(own.config, (code) => applyLanguage(languageDeps(deps, code), keys));
  const report = others.reduce(
    (all, { code, report }) => withLanguageReport(all, code, report.report),
    own.report,
  );
  const changed = [
    { code: own.config.language, changed: own.changed },
    ...others.map(({ code, report }) => ({ code, changed: report.changed })),
  ];
  const relinked = await relinkTranslations(deps, own.config, changed);
  // The languages' sitemaps change with their lists of posts: a run that changed none (most ticks)
  // leaves the root sitemap as it is.
  const listsChanged = changed.some((c) => c.changed === 'all' || c.changed.size > 0);
  const sitemap = listsChanged
    ? await writeLanguagesSitemap(deps.output, own.config, postsInPageIndexes(deps.state, own.config))
    : [];
  return { ...report, pages: [...report.pages, ...relinked, ...sitemap] };
}

/** The ports of another language's runs: its view of the stores, and its code in the overrides. */
function languageDeps(deps: PublishDeps, code: string): PublishDeps {
  // Another language rebuilds in one run: the fan-out rebuild is the site's own language's.
  const { rebuild: _fanOut, ...rest } = deps;
  return {
    ...languageStores(rest, code),
    siteState: deps.state,
    overrides: { ...deps.overrides, languageView: code },
  };
}

/** Posts whose publication one language's run changed: every post, after a rebuild. */
type ChangedPosts = ReadonlySet<string> | 'all';

/**
 * Once every language has run, writes again the pages of posts whose translations another
 * language's run published, moved or took away: a language's run links what the others published
 * when it ran, and those after it may have changed that.
 * @param site - the site's configuration, as its own language's run read it
 * @param changes - by language, the posts whose publication its run changed
 * @returns the pages written, keys of the site bucket
 */
async function relinkTranslations(
  deps: PublishDeps,
  site: SiteConfig,
  changes: readonly { code: string; changed: ChangedPosts }[],
): Promise<string[]> {
  const codes = otherLanguages(site);
  if (!site.pages || codes.length === 0) return [];
  const toTouch = new Map<string, Set<string>>([site.language, ...codes].map((code) => [code, new Set()]));
  if (changes.some(({ changed }) => changed === 'all')) {
    const translated = translatedPosts(site, await postKeys(deps.content));
    for (const touched of toTouch.values()) for (const source of translated) touched.add(source);
  } else
    for (const { code, changed } of changes) {
      if (changed === 'all' || changed.size === 0) continue;
      const members = await groupMembers(deps.content, site, changed);
      // A language's own changed posts were written by its run: the others link them.
      for (const [other, touched] of toTouch)
        if (other !== code) for (const source of members) touched.add(source);
    }
  const written: string[] = [];
  for (const [code, touched] of toTouch) {
    if (touched.size === 0) continue;
    const view = code === site.language ? deps : languageDeps(deps, code);
    const config = await loadSiteConfig(view.content, view.overrides);
    const now = deps.clock.now();
    const index = await PostIndex.open(view.state, now, hashOf(config));
    const pages = index && (await PageIndex.open(view.state, index.head.configHash));
    if (index === undefined || pages === undefined) continue;
    for (const source of touched) await pages.touchPost(source);
    if (pages.postsToWrite().length === 0) continue;
    const keys = await publishPages(startRun(view, config, index, now), false, pages);
    for (const key of keys) written.push(code === site.language ? key : `${code}/${key}`);
  }
  return written;
}

/** A run's report with another language's added, its feed folders and pages under its folder. */
function withLanguageReport(all: PublishReport, code: string, other: PublishReport): PublishReport {
  const inFolder = (keys: readonly string[]) => keys.map((key) => `${code}/${key}`);
  return {
    ...all,
    ...(all.published === undefined ? {} : { published: all.published + (other.published ?? 0) }),
    regenerated: [...all.regenerated, ...inFolder(other.regenerated)],
    removed: [...all.removed, ...inFolder(other.removed)],
    pages: [...all.pages, ...inFolder(other.pages)],
    failed: [...all.failed, ...other.failed],
  };
}

/** One language's publish run: the site's own, or (with `overrides.languageView`) another's. */
async function applyLanguage(
  deps: PublishDeps,
  keys: readonly string[],
): Promise<{ report: PublishReport; config: SiteConfig; changed: ChangedPosts }> {
  const config = await loadSiteConfig(deps.content, deps.overrides);
  const now = deps.clock.now();
  // No index, or one built with another site.yaml (uploaded again unchanged, it needs no rebuild).
  const index = await PostIndex.open(deps.state, now, hashOf(config));
  if (index === undefined)
    return deps.rebuild
      ? { report: await startRebuild({ ...deps, rebuild: deps.rebuild }), config, changed: 'all' }
      : { ...(await rebuildLanguage(deps)), changed: 'all' };
  const run = startRun(deps, config, index, now);
  const { heads } = index.head;
  const unique = [...new Set(keys)];
  const failed: PostError[] = [];
  // An index file decides whether the other markdown in its folder are posts or its resources.
  const touched = await withBundleMarkdown(deps.content, unique, isPostKey);
  const roles = new Map(
    await mapLimit(
      touched.filter(isPostKey),
      IO_CONCURRENCY,
      async (key) => [key, await markdownRoleOf(deps.content, key, config)] as const,
    ),
  );
  // Objects and their entries are read concurrently; the keys are then applied one at a time,
  // since they can share shards, URLs and feed heads.
  const posts = touched.filter((key) => roles.get(key) === 'post');
  const contents = new Map(
    await mapLimit(posts, IO_CONCURRENCY, async (key) => {
      await index.entry(key);
      return [key, await deps.content.get(key)] as const;
    }),
  );
  const translations: string[] = [];
  const bundled: string[] = [];
  // URLs of images whose file changed: the tag and series feeds showing them change their enclosures.
  const images = new Set<string>();
  for (const key of touched) {
    const role = roles.get(key);
    if (role === 'post') {
      const error = await reconcilePost(run, key, contents.get(key));
      if (error !== undefined) failed.push(error);
    } else if (role !== undefined) {
      // A translation or a bundle's markdown is no post, whatever it was before; it may make a bundle.
      (role === 'translation' ? translations : bundled).push(key);
      await reconcilePost(run, key, undefined);
    } else if (isStaticKey(key)) {
      images.add(await reconcileStatic(run, key));
    } else if (isResourceKey(key)) {
      const bundle = await bundleOf(deps.content, key, config);
      for (const url of await placeResource(run, key, bundle, true)) images.add(url);
    }
  }
  // Which posts exist may have changed: links to them are resolved again.
  if (posts.length > 0)
    for (const error of await reRenderLinkers(run))
      if (!failed.some((f) => f.file === error.file)) failed.push(error);
  // Translations in the languages the site publishes are their languages' posts; a language's view
  // leaves the notices to the site's own run.
  const inView = config.defaultLanguage !== undefined;
  const leftOut = inView ? [] : leftOutTranslations(translations, config);
  if (leftOut.length > 0)
    deps.log.info('translations left out', { notice: translationsNotice(leftOut, config) });
  if (bundled.length > 0 && !inView)
    deps.log.info('markdown in bundles left out', { notice: bundledMarkdownNotice(bundled) });
  const due = promoteDue(heads, now, run.capacity);
  index.wentLive(due);
  // Expired posts leave at their expiry, on the first run (often the tick) after it.
  // The heads hold only the newest posts; the index knows every coming expiry.
  const expired = removeExpired(heads, now);
  for (const entry of await index.expiredBy(now))
    if (!expired.some((e) => e.source === entry.source)) expired.push(entry);
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
  // A static file or bundle resource changes the enclosure size of the posts showing it: the page
  // index names the lists where one of them is among the newest.
  const showing =
    lists === undefined || images.size === 0 ? undefined : await lists.listsShowing(images, config.feedLimit);
  const feeds = await regenerateFeeds(run, false, (entries) => setImageSizes(run, entries), lists, showing);
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
  return {
    report: { rebuilt: false, processed: unique.length, failed, ...feeds, pages },
    config,
    // Without a page index to update, the run wrote every page (state from an older Herald).
    changed: lists?.changedSources ?? 'all',
  };
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
 * instead (rebuild/plan-rebuild.ts), ending in the same {@link completeRebuild}.
 */
export async function rebuildSite(deps: PublishDeps): Promise<PublishReport> {
  const own = await rebuildLanguage(deps);
  return rebuildOtherLanguages(deps, own.config, own.report);
}

/**
 * Rebuilds, each in one run, the other languages of the site: after the fan-out rebuild of the
 * site's own language.
 * @param config - the site's configuration, as the rebuild read it
 * @param report - the site's own language's rebuild
 * @returns that report with every other language's added
 */
export async function rebuildOtherLanguages(
  deps: PublishDeps,
  config: SiteConfig,
  report: PublishReport,
): Promise<PublishReport> {
  const others = await forEachLanguage(config, (code) => rebuildLanguage(languageDeps(deps, code)));
  const all = others.reduce((all, { code, report }) => withLanguageReport(all, code, report.report), report);
  // Each language linked the translations the others had published when it ran.
  const relinked = await relinkTranslations(deps, config, [{ code: config.language, changed: 'all' }]);
  const sitemap = await writeLanguagesSitemap(deps.output, config, postsInPageIndexes(deps.state, config));
  return { ...all, pages: [...all.pages, ...relinked, ...sitemap] };
}

/** Rebuilds one language's site in one run: the site's own, or (with `overrides.languageView`) another's. */
async function rebuildLanguage(deps: PublishDeps): Promise<{ report: PublishReport; config: SiteConfig }> {
  const { site: config, posts, failed, brokenLinks, resources } = await readSite(deps, deps.overrides);
  const run = await startRebuildRun(deps, config, deps.clock.now());

  // Every non-draft post gets a record and an entry, scheduled and out-voted ones too.
  const rendered = renderedPosts(posts);
  const entries = new Map<string, PostEntry>();
  const links = new Map<string, Record<string, string | null>>();
  const refs = new RefIndex(rendered);
  await mapLimit(rendered, IO_CONCURRENCY, async (meta) => {
    const { post, resolved } = await renderForIndex(deps, config, refs, meta);
    if (resolved !== undefined) links.set(post.source, resolved);
    await run.index.writeRecord(post);
    entries.set(post.source, entryOf(post));
  });
  const report = await completeRebuild(run, {
    entries: entries.values(),
    links,
    brokenLinks,
    failed,
    errors: failed.filter((e) => !posts.conflicts.includes(e)),
    published: posts.published.map((post) => post.source),
    resources,
  });
  return { report, config };
}

/**
 * The posts a rebuild renders and indexes, in the order links resolve against them: every post that
 * is not a draft, scheduled, expired and out-voted ones too.
 */
export function renderedPosts<P>(posts: {
  published: P[];
  scheduled: P[];
  expired: P[];
  conflicted: P[];
}): P[] {
  return [...posts.published, ...posts.scheduled, ...posts.expired, ...posts.conflicted];
}

/**
 * Renders one post of a rebuild from the content bucket, with what its links (`ref`, `post_url`…)
 * resolved to when it has any.
 * @throws PostError when the file changed under the rebuild and no longer renders
 */
export async function renderForIndex(
  deps: Pick<PublishDeps, 'content' | 'log'>,
  config: SiteConfig,
  refs: RefIndex,
  meta: PostMeta,
): Promise<{ post: Post; resolved: Record<string, string | null> | undefined }> {
  const recording = meta.linksToPosts ? new RecordingRefs(refs) : undefined;
  const post = await renderFromStore(deps.content, meta, config, {
    refs: recording ?? refs,
    warn: bodyWarnings(deps.log, meta.source),
    math: texToMathml,
  });
  return { post, resolved: recording?.resolved };
}

/** What a rebuild read and rendered, for {@link completeRebuild}. */
export interface RebuiltPosts {
  /** The entry of every non-draft post rendered (records written), scheduled and out-voted too. */
  entries: Iterable<PostEntry>;
  /** What the links of posts that have any resolved to, by source. */
  links: Iterable<[string, Record<string, string | null>]>;
  /** Posts left out for a link to a missing post: they come back when it appears. */
  brokenLinks: readonly string[];
  /** Every post not published, slug conflicts too, sorted by file: the report's. */
  failed: PostError[];
  /** The posts whose latest version is unpublishable (not conflicts): recorded as errors. */
  errors: readonly PostError[];
  /** The sources of the posts published now. */
  published: readonly string[];
  /** Every bundle resource under `posts/`, with its bundle. */
  resources: ReadonlyMap<string, Bundle>;
  /** Pages already written in this rebuild (a fan-out's post and list pages), with their signatures. */
  pagesWritten?: Readonly<Record<string, string>>;
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
 * Ends a rebuild, one run or fanned out alike: indexes the rendered posts, mirrors static files and
 * bundle resources, then switches the feeds, pages and index head to the rebuilt site. Safe to run
 * again after a crash: every write is the same again.
 */
export async function completeRebuild(run: PublishRun, rebuilt: RebuiltPosts): Promise<PublishReport> {
  const { deps, index, now } = run;
  const { failed } = rebuilt;
  const entries = new Map<string, PostEntry>();
  for (const entry of rebuilt.entries) entries.set(entry.source, entry);
  for (const [source, resolved] of rebuilt.links) index.setLinks(source, resolved);
  for (const entry of entries.values()) await index.setEntry(entry.source, entry);
  // Posts left out for a link to a missing post come back when it appears.
  for (const source of rebuilt.brokenLinks) index.setLinks(source, null);

  const staticKeys: string[] = [];
  for await (const info of deps.content.list('static/')) if (isStaticKey(info.key)) staticKeys.push(info.key);
  const sizes = await mapLimit(
    staticKeys,
    IO_CONCURRENCY,
    async (key) => [key, await mirrorStatic(deps.content, deps.output, key)] as const,
  );
  for (const [key, size] of sizes) if (size !== undefined) await index.setStaticSize(key, size);

  const paths = new Map<string, string>();
  for (const source of rebuilt.published) {
    const entry = entries.get(source);
    if (entry !== undefined) paths.set(source, entry.path);
  }
  const copied = await copyResources(deps.content, deps.output, rebuilt.resources, paths);
  const targets = new Set(copied.map((r) => r.target));
  for (const { key, target, size } of copied) await index.setResource(key, { target, size });
  for (const { target } of index.formerResources.values())
    if (!targets.has(target)) await deps.output.delete(target);

  const heads = buildHeads(ownersAmong(entries.values()), now, run.capacity);
  index.head.heads = heads;
  await setImageSizes(run, [...Object.values(heads.lists).flat(), ...heads.upcoming]);

  const at = now.toISOString();
  for (const error of rebuilt.errors)
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
  const pages = await publishPages(run, true, undefined, keep, undefined, rebuilt.pagesWritten);
  // A language taken out of `languages` leaves with the rebuild its site.yaml change starts.
  const gone = await removeFormerLanguages(deps, run.config, new Set([...keep, ...pages]));
  await index.save();
  await pingHub(run, feeds.regenerated);
  deps.log.info('rebuilt', { posts: entries.size, failed: failed.length, feeds: feeds.regenerated.length });
  return {
    rebuilt: true,
    processed: entries.size + failed.length,
    published: rebuilt.published.length,
    failed,
    ...feeds,
    pages: [...pages, ...gone],
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

/**
 * Copies or removes a static file and updates the enclosure size of every head post using it. In
 * another language's run only the sizes: the site's own run published the file.
 */
async function reconcileStatic(run: PublishRun, key: string): Promise<string> {
  let size: number | undefined;
  if (run.config.defaultLanguage === undefined) {
    size = await mirrorStatic(run.deps.content, run.deps.output, key);
    await run.index.setStaticSize(key, size);
  } else size = await staticSize(run, key);
  const url = staticUrl(run.config, key);
  const { heads } = run.index.head;
  for (const entry of [...Object.values(heads.lists).flat(), ...heads.upcoming]) {
    if (entry.image !== url) continue;
    if (size === undefined) delete entry.imageSize;
    else entry.imageSize = size;
  }
  return url;
}

/** Gives entries the size of their image when the site publishes it (a static file or a resource). */
async function setImageSizes(run: PublishRun, entries: PostEntry[]): Promise<void> {
  const { baseUrl } = run.config;
  // Static files are at the site's root, in every language (see staticUrl).
  const root = run.config.rootUrl ?? baseUrl;
  for (const entry of entries) {
    delete entry.imageSize;
    if (entry.image === undefined || !entry.image.startsWith(root)) continue;
    const size =
      (await staticSize(run, `static/${decodeURI(entry.image.slice(root.length))}`)) ??
      (entry.image.startsWith(baseUrl) ? await resourceSize(run, entry, entry.image) : undefined);
    if (size !== undefined) entry.imageSize = size;
  }
}

const ownStaticSizes = new WeakMap<PublishRun, (key: string) => Promise<number | undefined>>();

/**
 * The size of a static file as the site publishes it: from this run's index, or in another
 * language's run from the site's own (which ran first).
 */
function staticSize(run: PublishRun, key: string): Promise<number | undefined> {
  const { siteState } = run.deps;
  if (run.config.defaultLanguage === undefined || siteState === undefined) return run.index.staticSize(key);
  let sizes = ownStaticSizes.get(run);
  if (sizes === undefined) {
    sizes = PostIndex.staticSizes(siteState);
    ownStaticSizes.set(run, sizes);
  }
  return sizes(key);
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
  for (const [key, bundle] of await resourcesUnder(run.deps.content, folder, run.config))
    await placeResource(run, key, bundle, false);
}

/**
 * Publishes, moves or removes one resource as its bundle's post says, and updates the enclosure
 * size of every head post showing it.
 * @param bundle - the bundle it belongs to now, if any
 * @param copy - copy it even when it stays where it is (its own upload changed it)
 * @returns the URLs it was and is at (none when nothing changed)
 */
async function placeResource(
  run: PublishRun,
  key: string,
  bundle: Bundle | undefined,
  copy: boolean,
): Promise<Set<string>> {
  const { deps, index } = run;
  const path = bundle?.post === undefined ? undefined : await publishedPath(run, bundle.post);
  const target =
    bundle === undefined || path === undefined ? undefined : resourceTarget(path, bundle.folder, key);
  const former = await index.resource(key);
  if (!copy && former?.target === target) return new Set();
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
  return urls;
}

/** The path of a post that is live and owns it now, or undefined. */
async function publishedPath(run: PublishRun, source: string): Promise<string | undefined> {
  const entry = await run.index.entry(source);
  if (entry === undefined || !isLive(entry, run.now.getTime())) return undefined;
  return (await run.index.ownerOf(entry.path)) === source ? entry.path : undefined;
}
