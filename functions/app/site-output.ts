import type { SiteConfig } from '../core/config/site-config.ts';
import { FEED_FORMATS } from '../core/feeds/feed-model.ts';
import { mediaTypeOf } from '../core/feeds/media-type.ts';
import { renderFeeds } from '../core/feeds/render-feeds.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import type { Post } from '../core/posts/post.ts';
import type { PlannedFeed } from '../core/site/feed-plan.ts';
import { keyProblem } from '../core/site/object-key.ts';
import { TAXONOMIES } from '../core/site/taxonomies.ts';
import type { BlobStore } from '../ports/blob-store.ts';

/** Feeds and pages change with every post; readers poll feeds, so caches must let go quickly. */
export const FRESH_CACHE_CONTROL = 'public, max-age=300';
/** Static files rarely change once published. */
export const STATIC_CACHE_CONTROL = 'public, max-age=86400';

/** Folder of the content bucket whose files are published as they are. */
export const STATIC_PREFIX = 'static/';

/** Is this content key a post? A Hugo section's `_index.md` describes a list page: it is not one. */
export function isPostKey(key: string): boolean {
  return (
    key.startsWith('posts/') &&
    /\.(md|markdown)$/i.test(key) &&
    !/(^|\/)_index\.(md|markdown)$/i.test(key) &&
    keyProblem(key) === undefined
  );
}

/** Is this content key a file published as-is? */
export function isStaticKey(key: string): boolean {
  return (
    key.startsWith(STATIC_PREFIX) &&
    key.length > STATIC_PREFIX.length &&
    !key.endsWith('/') &&
    keyProblem(key) === undefined
  );
}

/** Where a static file is published: `static/images/a.webp` -> `images/a.webp`. */
export function staticTarget(key: string): string {
  return key.slice(STATIC_PREFIX.length);
}

/** The public URL of a static file, as posts refer to it in `image:`. */
export function staticUrl(site: SiteConfig, key: string): string {
  // Static files are published once, at the root: every language's posts link them there.
  return siteUrl({ baseUrl: site.rootUrl ?? site.baseUrl }, staticTarget(key));
}

/**
 * Renders one feed in all three formats and writes them with their media types.
 * @returns the keys written
 */
export async function writeFeeds(
  out: BlobStore,
  site: SiteConfig,
  feed: PlannedFeed<Post>,
  imageSizes: ReadonlyMap<string, number>,
): Promise<string[]> {
  const files = renderFeeds(site, feed.scope, feed.posts, imageSizes);
  await Promise.all(
    files.map((file) =>
      out.put(file.key, file.body, { contentType: file.contentType, cacheControl: FRESH_CACHE_CONTROL }),
    ),
  );
  return files.map((file) => file.key);
}

/** Removes the three feed files of a folder, e.g. a category that no longer has a post. */
export async function deleteFeeds(out: BlobStore, folder: string): Promise<void> {
  await Promise.all(Object.values(FEED_FORMATS).map((format) => out.delete(`${folder}${format.file}`)));
}

/**
 * Mirrors one static file from the content store to the site: copies it, or removes the copy when
 * the original is gone.
 * @returns the file's size, or undefined when it was removed
 */
export async function mirrorStatic(
  content: BlobStore,
  out: BlobStore,
  key: string,
): Promise<number | undefined> {
  const bytes = await content.get(key);
  const target = staticTarget(key);
  if (bytes === undefined) {
    await out.delete(target);
    return undefined;
  }
  await out.put(target, bytes, { contentType: mediaTypeOf(target), cacheControl: STATIC_CACHE_CONTROL });
  return bytes.byteLength;
}

/** Category, tag and series feed files in the site store that no feed of `folders` accounts for. */
export async function staleTermFeeds(out: BlobStore, folders: ReadonlySet<string>): Promise<string[]> {
  const feedFiles = new Set<string>(Object.values(FEED_FORMATS).map((f) => f.file));
  const stale: string[] = [];
  for (const taxonomy of TAXONOMIES)
    for await (const info of out.list(`${taxonomy}/`)) {
      const slash = info.key.lastIndexOf('/');
      if (feedFiles.has(info.key.slice(slash + 1)) && !folders.has(info.key.slice(0, slash + 1)))
        stale.push(info.key);
    }
  return stale;
}
