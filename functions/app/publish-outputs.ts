import { PostError } from '../core/errors.ts';
import { FEED_FORMATS } from '../core/feeds/feed-model.ts';
import { planPages } from '../core/pages/page-plan.ts';
import { parsePost, renderPost } from '../core/posts/parse-post.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import type { Post, Term } from '../core/posts/post.ts';
import { categoryOf } from '../core/site/feed-heads.ts';
import type { PlannedFeed } from '../core/site/feed-plan.ts';
import { compareEntries, type PostEntry } from '../core/site/post-entry.ts';
import { toSlug } from '../core/text/slug.ts';
import { hashOf } from './hash-of.ts';
import { mapLimit } from './map-limit.ts';
import { readArchive } from './newsletter/digest-archive.ts';
import type { PublishRun } from './publish-run.ts';
import { bodyWarnings } from './read-posts.ts';
import { deleteFeeds, staleCategoryFeeds, writeFeeds } from './site-output.ts';
import { texToMathml } from './tex-to-mathml.ts';
import { writePages } from './write-pages.ts';

// The outputs of a publish run, from the index it has updated: feeds, pages and hub pings. Each
// writes only what changed since the last run (everything when `force`).

const IO_CONCURRENCY = 16;

/**
 * Rewrites the feeds whose items changed (all of them when `force`), and removes the feeds of
 * categories that have no published post left.
 * @returns the feed folders rewritten and removed
 */
export async function regenerateFeeds(
  run: PublishRun,
  force: boolean,
): Promise<{ regenerated: string[]; removed: string[] }> {
  const { deps, config, index } = run;
  const { heads, feeds } = index.head;
  const plan: PlannedFeed<PostEntry>[] = Object.entries(heads.lists).map(([folder, list]) => ({
    folder,
    scope: folder === '' ? { kind: 'site' } : { kind: 'category', category: categoryOf(folder, list) },
    posts: list.slice(0, config.feedLimit),
  }));
  const changed = plan.filter((feed) => force || feeds[feed.folder] !== signature(run, feed));

  const records = await loadRecords(run, [
    ...new Set(changed.flatMap((feed) => feed.posts.map((p) => p.source))),
  ]);
  for (const feed of changed) {
    const items = feed.posts.map((p) => records.get(p.source) as Post);
    const imageSizes = new Map(
      feed.posts.flatMap((p) =>
        p.image && p.imageSize !== undefined ? [[p.image, p.imageSize] as const] : [],
      ),
    );
    await writeFeeds(deps.output, config, { ...feed, posts: items }, imageSizes);
    feeds[feed.folder] = signature(run, feed);
  }

  const live = new Set(plan.map((feed) => feed.folder));
  const removed = Object.keys(feeds).filter((folder) => !live.has(folder));
  for (const folder of removed) {
    await deleteFeeds(deps.output, folder);
    delete feeds[folder];
  }
  if (force) for (const key of await staleCategoryFeeds(deps.output, live)) await deps.output.delete(key);
  return { regenerated: changed.map((f) => f.folder), removed };
}

/**
 * Writes the pages whose inputs changed (all of them when `force`) and removes those of posts and
 * categories that are gone. Pages need every published post in order (neighbours, archive pages),
 * so this reads all entry shards: a few hundred small reads, still a small part of a full build.
 * @param written - pages a fan-out rebuild's shards already wrote, with their signatures: written
 *   again only if their signature differs now (with `force`, every other page is written)
 * @returns keys written or removed
 */
export async function publishPages(
  run: PublishRun,
  force: boolean,
  written?: Readonly<Record<string, string>>,
): Promise<string[]> {
  const { config, index } = run;
  const previous = await index.pageSignatures();
  let published: PostEntry[] = [];
  if (config.pages) {
    const now = run.now.getTime();
    published = (await index.allOwners()).filter((e) => Date.parse(e.published) <= now).sort(compareEntries);
  }
  const terms = new Map<string, Term>();
  const term = (name: string): Term => {
    const found = terms.get(name) ?? { name, slug: toSlug(name) };
    terms.set(name, found);
    return found;
  };
  // The newsletter's archive pages are written with the rest, from the digests planned so far.
  const digests = config.pages && config.newsletter ? await readArchive(run.deps.state) : [];
  const plan = planPages(
    config,
    published.map((e) => ({
      source: e.source,
      path: e.path,
      url: siteUrl(config, e.path),
      title: e.title,
      summary: e.summary,
      published: e.published,
      updated: e.updated,
      categories: [...new Map((e.categories ?? []).map((name) => [toSlug(name), term(name)])).values()],
      hash: e.hash,
    })),
    digests,
  );
  const load = (sources: string[]) => loadRecords(run, sources);
  if (written !== undefined) {
    // Unchanged pages of `written` are skipped and everything else is written; pages of the
    // previous site that the rebuilt one lacks go, as a forced run would remove them.
    const result = await writePages(run.deps.output, plan, index.head.configHash, written, load);
    const gone = Object.keys(previous).filter((key) => !(key in result.signatures));
    await mapLimit(gone, IO_CONCURRENCY, (key) => run.deps.output.delete(key));
    index.setPageSignatures(result.signatures);
    // A shard's page planned differently from the whole site's plan would be a bug: say so.
    const again = result.written.filter((key) => key in written);
    if (again.length > 0)
      run.deps.log.warn('pages written again at the end of the rebuild', { pages: again.length });
    return [...new Set([...Object.keys(written), ...result.written, ...result.removed, ...gone])];
  }
  const result = await writePages(run.deps.output, plan, index.head.configHash, previous, load, force);
  if (force || result.written.length > 0 || result.removed.length > 0)
    index.setPageSignatures(result.signatures);
  return [...result.written, ...result.removed];
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

/** What a feed's files depend on: configuration, its name, and each item's record and image size. */
function signature(run: PublishRun, feed: PlannedFeed<PostEntry>): string {
  return hashOf([
    run.index.head.configHash,
    feed.scope.kind === 'category' ? feed.scope.category.name : '',
    feed.posts.map((p) => [p.source, p.hash, p.imageSize ?? null]),
  ]);
}

/** Posts' records by source; a record that state lost is rendered again from the content bucket. */
async function loadRecords(run: PublishRun, sources: readonly string[]): Promise<Map<string, Post>> {
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
  const post = renderPost(parsePost({ key: source, bytes }, run.config), {
    site: run.config,
    warn: bodyWarnings(run.deps.log, source),
    math: texToMathml,
  });
  run.index.writeRecord(post);
  return post;
}
