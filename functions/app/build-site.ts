import type { SiteConfig, SiteOverrides } from '../core/config/site-config.ts';
import type { PostError } from '../core/errors.ts';
import { FEED_FORMATS } from '../core/feeds/feed-model.ts';
import { mediaTypeOf } from '../core/feeds/media-type.ts';
import { type OutputFile, renderFeeds } from '../core/feeds/render-feeds.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import type { Post, PostMeta } from '../core/posts/post.ts';
import { byCategory, catalogue } from '../core/site/catalogue.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { PostReader } from '../ports/post-reader.ts';
import { loadSiteConfig } from './load-site-config.ts';
import { mapLimit } from './map-limit.ts';
import { renderFromStore, storePostReader } from './store-post-reader.ts';

const IO_CONCURRENCY = 32;
/** Feeds change with every post; readers poll them, so caches must let go quickly. */
export const FEED_CACHE_CONTROL = 'public, max-age=300';
export const STATIC_CACHE_CONTROL = 'public, max-age=86400';

export interface BuildSiteDeps {
  /** Holds `site.yaml`, `posts/**` and `static/**`. */
  content: BlobStore;
  /** Receives the feeds and static files. */
  site: BlobStore;
  clock: Clock;
  log: Logger;
  /** How post files are read; by default through `content` on this thread. */
  posts?: PostReader;
}

/** What a build did, for the CLI's summary and for tests. */
export interface BuildReport {
  published: number;
  drafts: number;
  scheduled: number;
  failed: PostError[];
  /** Keys written to the site store. */
  written: string[];
}

/** Is this content key a post? */
export function isPostKey(key: string): boolean {
  return key.startsWith('posts/') && /\.(md|markdown)$/i.test(key);
}

/**
 * Builds every feed of the site from the content store into the site store, and copies static files.
 * A post that cannot be parsed is reported and left out; the others still publish.
 * @param deps - the stores, the clock and the logger
 * @param overrides - configuration that wins over `site.yaml` (e.g. `--base-url`)
 * @throws ConfigError when `site.yaml` is missing or invalid; store errors as they come
 */
export async function buildSite(deps: BuildSiteDeps, overrides: SiteOverrides = {}): Promise<BuildReport> {
  const { content, site: out, clock, log } = deps;
  const site = await loadSiteConfig(content, overrides);

  const postKeys: string[] = [];
  for await (const info of content.list('posts/')) if (isPostKey(info.key)) postKeys.push(info.key);
  const reader = deps.posts ?? storePostReader(content);
  const failed: PostError[] = [];
  const parsed: PostMeta[] = [];
  for (const result of await reader.readPosts(postKeys, site)) {
    if ('post' in result) parsed.push(result.post);
    else failed.push(result.error);
  }
  const posts = catalogue(parsed, clock.now());
  failed.push(...posts.conflicts);
  failed.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const error of failed)
    log.warn('post not published', { key: error.file, field: error.field, reason: error.reason });

  const written: string[] = [];
  const imageSizes = await copyStatic(content, out, site, written);
  const rendered = new Map<PostMeta, Post>();
  await mapLimit(postsInFeeds(site, posts.published), IO_CONCURRENCY, async (post) => {
    rendered.set(post, await renderFromStore(content, post, site));
  });
  const files = allFeeds(
    site,
    posts.published,
    (post) => rendered.get(post) ?? renderedMissing(post),
    imageSizes,
  );
  await mapLimit(files, IO_CONCURRENCY, async (file) => {
    await out.put(file.key, file.body, { contentType: file.contentType, cacheControl: FEED_CACHE_CONTROL });
  });
  written.push(...files.map((f) => f.key));
  await removeStaleCategoryFeeds(out, new Set(written));

  return {
    published: posts.published.length,
    drafts: posts.drafts.length,
    scheduled: posts.scheduled.length,
    failed,
    written,
  };
}

/**
 * Renders the site-wide feeds and one set per category. Only the posts that make it into a feed
 * are rendered, which is what keeps a 10,000-post build fast.
 * @param published - published posts, newest first
 * @param render - gives a post its HTML (a post is in several feeds: callers render once)
 * @returns every feed file of the site
 */
export function allFeeds<P extends PostMeta>(
  site: SiteConfig,
  published: readonly P[],
  render: (post: P) => Post,
  imageSizes?: ReadonlyMap<string, number>,
): OutputFile[] {
  const top = (posts: readonly P[]): Post[] => posts.slice(0, site.feedLimit).map(render);
  const files = renderFeeds(site, { kind: 'site' }, top(published), imageSizes);
  for (const { category, posts } of byCategory(published).values()) {
    files.push(...renderFeeds(site, { kind: 'category', category }, top(posts), imageSizes));
  }
  return files;
}

/** The posts some feed will carry: the newest of the site and of each category. */
export function postsInFeeds<P extends PostMeta>(site: SiteConfig, published: readonly P[]): P[] {
  const needed = new Set(published.slice(0, site.feedLimit));
  for (const { posts } of byCategory(published).values())
    for (const post of posts.slice(0, site.feedLimit)) needed.add(post);
  return [...needed];
}

function renderedMissing(post: PostMeta): never {
  throw new Error(`internal: ${post.source} reached a feed without being rendered`);
}

/** Copies `static/**` to the site root and returns each file's size by its public URL. */
async function copyStatic(
  content: BlobStore,
  out: BlobStore,
  site: SiteConfig,
  written: string[],
): Promise<Map<string, number>> {
  const infos = [];
  for await (const info of content.list('static/')) infos.push(info);
  const sizes = new Map<string, number>();
  await mapLimit(infos, IO_CONCURRENCY, async (info) => {
    const bytes = await content.get(info.key);
    if (bytes === undefined) return;
    const key = info.key.slice('static/'.length);
    await out.put(key, bytes, { contentType: mediaTypeOf(key), cacheControl: STATIC_CACHE_CONTROL });
    sizes.set(siteUrl(site, key), bytes.byteLength);
    written.push(key);
  });
  return sizes;
}

/** A category with no published post left loses its feeds, so readers are not served stale items. */
async function removeStaleCategoryFeeds(out: BlobStore, keep: ReadonlySet<string>): Promise<void> {
  const feedFiles = new Set<string>(Object.values(FEED_FORMATS).map((f) => f.file));
  for await (const info of out.list('categories/')) {
    const name = info.key.split('/').pop() ?? '';
    if (feedFiles.has(name) && !keep.has(info.key)) await out.delete(info.key);
  }
}
