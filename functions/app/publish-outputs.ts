import { PostError } from '../core/errors.ts';
import { FEED_FORMATS } from '../core/feeds/feed-model.ts';
import { type AliasSource, collisionReason, planAliases } from '../core/pages/alias-pages.ts';
import { parsePost, renderPost } from '../core/posts/parse-post.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import type { Post } from '../core/posts/post.ts';
import { termOf } from '../core/site/feed-heads.ts';
import type { PlannedFeed } from '../core/site/feed-plan.ts';
import { compareEntries, isLive, type PostEntry } from '../core/site/post-entry.ts';
import {
  byTerm,
  folderTerm,
  TAXONOMIES,
  type TermNames,
  termFolder,
  termsNamed,
  withTermNames,
} from '../core/site/taxonomies.ts';
import { toSlug } from '../core/text/slug.ts';
import { hashOf } from './hash-of.ts';
import { mapLimit } from './map-limit.ts';
import { type PageIndex, foldersOf as pageFolders } from './post-index/page-index.ts';
import { refsFromIndex } from './post-refs.ts';
import type { PublishRun } from './publish-run.ts';
import { bodyWarnings } from './read-posts.ts';
import { deleteFeeds, staleTermFeeds, writeFeeds } from './site-output.ts';
import { texToMathml } from './tex-to-mathml.ts';

// The outputs of a publish run, from the index it has updated: feeds and hub pings (pages are in
// publish-pages.ts). Each writes only what changed since the last run (everything when `force`).

const IO_CONCURRENCY = 16;

/**
 * Rewrites the feeds whose items changed (all of them when `force`), and removes the feeds of
 * categories, tags and series that have no published post left.
 * The site's and categories' feeds are planned from the feed heads. Tag and series feeds (a site may
 * have thousands, too many for the heads) are planned from the page index's lists: only those of
 * the terms this run changed, and of the terms sharing a post with a term named anew (their items
 * name it). Without a page index (the first run of a configuration) or when `force`, they are
 * planned from every entry.
 * @param sizeImages - gives entries the size of their image, for enclosures
 * @param lists - the page index {@link updatePageIndex} updated with this run's changes
 * @returns the feed folders rewritten and removed
 */
export async function regenerateFeeds(
  run: PublishRun,
  force: boolean,
  sizeImages: (entries: PostEntry[]) => Promise<void>,
  lists?: PageIndex,
  showing: ReadonlySet<string> = new Set(),
): Promise<{ regenerated: string[]; removed: string[] }> {
  const { deps, config, index } = run;
  const { heads, feeds } = index.head;
  const plan: PlannedFeed<PostEntry>[] = Object.entries(heads.lists).map(([folder, list]) => ({
    folder,
    scope: folder === '' ? { kind: 'site' } : { kind: 'term', ...termOf(folder, list) },
    posts: list.slice(0, config.feedLimit),
  }));
  const partial = force || lists === undefined ? undefined : await changedTermFolders(lists, showing);
  const termFeeds =
    partial === undefined ? await planTermFeeds(run) : await planListFeeds(run, lists as PageIndex, partial);
  await sizeImages([...new Set(termFeeds.flatMap((feed) => feed.posts))]);
  plan.push(...termFeeds);
  // A term's name is its newest post's spelling, which the term's own feed (or head list, or the
  // page index's list) holds.
  const termNames = new Map(
    plan.flatMap((feed) =>
      feed.scope.kind === 'term' ? [[feed.folder, feed.scope.term.name] as const] : [],
    ),
  );
  const names: TermNames = (taxonomy, slug) => {
    const folder = termFolder(taxonomy, slug);
    return termNames.get(folder) ?? lists?.termName(folder);
  };
  const changed = plan.filter((feed) => force || feeds[feed.folder] !== signature(run, feed, names));

  const records = await loadRecords(run, [
    ...new Set(changed.flatMap((feed) => feed.posts.map((p) => p.source))),
  ]);
  for (const feed of changed) {
    const items = feed.posts.map((p) => withTermNames(records.get(p.source) as Post, names));
    const imageSizes = new Map(
      feed.posts.flatMap((p) =>
        p.image && p.imageSize !== undefined ? [[p.image, p.imageSize] as const] : [],
      ),
    );
    await writeFeeds(deps.output, config, { ...feed, posts: items }, imageSizes);
    feeds[feed.folder] = signature(run, feed, names);
  }

  const live = new Set(plan.map((feed) => feed.folder));
  // Of tag and series feeds, a partial plan holds only those of changed terms: only they may be gone.
  const removed = Object.keys(feeds).filter(
    (folder) => !live.has(folder) && (partial === undefined || !isListFeed(folder) || partial.has(folder)),
  );
  for (const folder of removed) {
    await deleteFeeds(deps.output, folder);
    delete feeds[folder];
  }
  if (force) for (const key of await staleTermFeeds(deps.output, live)) await deps.output.delete(key);
  return { regenerated: changed.map((f) => f.folder), removed };
}

/**
 * The feeds of every tag and series, from every published post of the index (entries that own
 * their URL, newest first): what a full build's feed plan gives them.
 */
async function planTermFeeds(run: PublishRun): Promise<PlannedFeed<PostEntry>[]> {
  const now = run.now.getTime();
  const live = (await run.index.allOwners()).filter((e) => isLive(e, now)).sort(compareEntries);
  const named = live.map((entry) => ({
    entry,
    categories: [],
    tags: termsNamed(entry.tags),
    series: termsNamed(entry.series),
  }));
  const plan: PlannedFeed<PostEntry>[] = [];
  for (const taxonomy of ['tags', 'series'] as const)
    for (const { term, posts } of byTerm(named, taxonomy).values())
      plan.push({
        folder: termFolder(taxonomy, term.slug),
        scope: { kind: 'term', taxonomy, term },
        posts: posts.slice(0, run.config.feedLimit).map((p) => p.entry),
      });
  return plan;
}

/** Is this the folder of a tag's or series' feed (planned from lists, not from the feed heads)? */
function isListFeed(folder: string): boolean {
  const term = folderTerm(folder);
  return term !== undefined && term.taxonomy !== 'categories';
}

/**
 * The tag and series folders whose feeds this run may have changed: those of lists it changed, those
 * showing an image whose file changed, and those sharing a post with a term named anew (their items
 * show the term's name).
 */
async function changedTermFolders(lists: PageIndex, showing: ReadonlySet<string>): Promise<Set<string>> {
  const folders = new Set([...lists.changes.keys(), ...showing].filter(isListFeed));
  for (const renamed of lists.renamed())
    for (const row of await lists.rows(renamed, 0, lists.count(renamed)))
      for (const folder of pageFolders(row)) if (isListFeed(folder)) folders.add(folder);
  return folders;
}

/** The feeds of some tags and series, from the page index's lists (newest first, live owners). */
async function planListFeeds(
  run: PublishRun,
  lists: PageIndex,
  folders: ReadonlySet<string>,
): Promise<PlannedFeed<PostEntry>[]> {
  const plan: PlannedFeed<PostEntry>[] = [];
  for (const folder of [...folders].sort()) {
    if (lists.count(folder) === 0) continue;
    // Copies: image sizes are set on them, and the rows belong to the index's chunks.
    const posts: PostEntry[] = (await lists.rows(folder, 0, run.config.feedLimit)).map((row) => ({ ...row }));
    const { taxonomy, term } = termOf(folder, posts);
    plan.push({ folder, scope: { kind: 'term', taxonomy, term }, posts });
  }
  return plan;
}

/** Warns of aliases dropped for another post's URL, naming both files, once per change. */
export function reportAliasCollisions(
  run: PublishRun,
  published: readonly AliasSource[],
  changed: ReadonlySet<string> | undefined,
): void {
  for (const collision of planAliases(published).collisions)
    if (changed === undefined || changed.has(collision.file) || changed.has(collision.winner))
      bodyWarnings(run.deps.log, collision.file)(`aliases: ${collisionReason(collision)}`);
}

/**
 * Tells the site's WebSub hub which feeds changed. A hub that fails is logged, not retried: the
 * feeds are published, and readers that are not told still poll them.
 */
export async function pingHub(run: PublishRun, folders: readonly string[]): Promise<void> {
  const hub = run.config.websubHub;
  if (hub === undefined || run.deps.hub === undefined || folders.length === 0) return;
  const topics = folders.flatMap((folder) =>
    Object.values(FEED_FORMATS).map((f) => siteUrl(run.config, `${folder}${f.file}`)),
  );
  try {
    await run.deps.hub.notify(hub, topics);
  } catch (error) {
    run.deps.log.warn('WebSub hub not told of changed feeds', { hub, error: String(error) });
  }
}

/**
 * What a feed's files depend on: configuration, its name, and each item's record, image size and
 * the names its terms go by.
 */
function signature(run: PublishRun, feed: PlannedFeed<PostEntry>, names: TermNames): string {
  return hashOf([
    run.index.head.configHash,
    feed.scope.kind === 'term' ? feed.scope.term.name : '',
    feed.posts.map((p) => [
      p.source,
      p.hash,
      p.imageSize ?? null,
      TAXONOMIES.map((taxonomy) => (p[taxonomy] ?? []).map((name) => names(taxonomy, toSlug(name)) ?? name)),
    ]),
  ]);
}

/** Posts' records by source; a record that state lost is rendered again from the content bucket. */
export async function loadRecords(run: PublishRun, sources: readonly string[]): Promise<Map<string, Post>> {
  const posts = new Map<string, Post>();
  await mapLimit(sources, IO_CONCURRENCY, async (source) => {
    posts.set(source, await loadRecord(run, source));
  });
  return posts;
}

async function loadRecord(run: PublishRun, source: string): Promise<Post> {
  const record = await run.index.readRecord(source);
  if (record !== undefined) return record;
  const bytes = await run.deps.content.get(source);
  if (bytes === undefined) {
    throw new PostError(
      source,
      'file',
      'is in the index but gone from the content bucket; run herald rebuild',
    );
  }
  const parsed = parsePost({ key: source, bytes }, run.config);
  const refs = parsed.linksToPosts ? await refsFromIndex(run.index, run.config) : undefined;
  const post = renderPost(parsed, {
    site: run.config,
    warn: bodyWarnings(run.deps.log, source),
    math: texToMathml,
    ...(refs ? { refs } : {}),
  });
  await run.index.writeRecord(post);
  return post;
}
