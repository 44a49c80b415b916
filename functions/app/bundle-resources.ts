import { mediaTypeOf } from '../core/feeds/media-type.ts';
import {
  bundleFolderOf,
  bundleFoldersAbove,
  bundlePost,
  isIndexFile,
  isResourceName,
  type MarkdownRole,
  markdownRole,
  resourceBundles,
  resourceTarget,
  type SiteLanguages,
} from '../core/posts/content-files.ts';
import { keyProblem } from '../core/site/object-key.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { mapLimit } from './map-limit.ts';
import { STATIC_CACHE_CONTROL } from './site-output.ts';

// Page bundles' resources (`posts/gallery/photo.jpg` beside `posts/gallery/index.md`): published
// under their post's URL while the post is, in full builds and on upload alike. Which bundle a
// file belongs to is decided in core (content-files.ts); this module reads the store for it.

const IO_CONCURRENCY = 16;

/** A bundle's folder and the file that is its post (none for a bundle of translations only). */
export interface Bundle {
  folder: string;
  post: string | undefined;
}

/** A resource copied to the site: from where, to where, and its size (for enclosures). */
export interface PublishedResource {
  key: string;
  target: string;
  size: number;
}

/** Is this content key a file that may be a bundle's resource (under posts/, not a post or a page)? */
export function isResourceKey(key: string): boolean {
  return key.startsWith('posts/') && isResourceName(key) && keyProblem(key) === undefined;
}

/**
 * The nearest folder at or above a file that is a bundle now, with its index files. A listing of
 * `<folder>index` per level finds them without listing whole folders.
 * @returns undefined when no folder above it is a bundle
 */
async function nearestBundle(
  content: BlobStore,
  key: string,
): Promise<{ folder: string; keys: string[] } | undefined> {
  for (const folder of bundleFoldersAbove(key)) {
    const keys: string[] = [];
    for await (const info of content.list(`${folder}index`))
      if (
        isIndexFile(info.key) &&
        !info.key.slice(folder.length).includes('/') &&
        keyProblem(info.key) === undefined
      )
        keys.push(info.key);
    if (keys.length > 0) return { folder, keys };
  }
  return undefined;
}

/**
 * The bundle a resource belongs to now: the nearest folder above it that holds an index file.
 * @param site - its languages, to tell the bundle's post from its translations
 * @returns undefined when no folder above it is a bundle
 */
export async function bundleOf(
  content: BlobStore,
  key: string,
  site: SiteLanguages,
): Promise<Bundle | undefined> {
  const found = await nearestBundle(content, key);
  return found === undefined ? undefined : { folder: found.folder, post: bundlePost(found.keys, site) };
}

/**
 * What a markdown file under `posts/` is now (a post, a translation, or a bundle's resource), from
 * the bundle around it in the store, as a full build decides it from the whole listing.
 */
export async function markdownRoleOf(
  content: BlobStore,
  key: string,
  site: SiteLanguages,
): Promise<MarkdownRole> {
  return markdownRole(key, await nearestBundle(content, key), site);
}

/**
 * The keys to reconcile for a set of changed keys: with each changed index file, every markdown
 * file under its folder, whose role (post or bundle resource) the index file decides.
 * @param isMarkdown - which keys are markdown pages
 */
export async function withBundleMarkdown(
  content: BlobStore,
  keys: readonly string[],
  isMarkdown: (key: string) => boolean,
): Promise<string[]> {
  const all = new Set(keys);
  const folders = new Set(
    keys.flatMap((key) => {
      const folder = isMarkdown(key) ? bundleFolderOf(key) : undefined;
      return folder === undefined ? [] : [folder];
    }),
  );
  for (const folder of folders)
    for await (const info of content.list(folder)) if (isMarkdown(info.key)) all.add(info.key);
  return [...all];
}

/**
 * Every resource under a folder with the bundle it belongs to now (a resource in no bundle below
 * the folder is looked up above it: a removed index file hands its files to an enclosing bundle).
 */
export async function resourcesUnder(
  content: BlobStore,
  folder: string,
  site: SiteLanguages,
): Promise<Map<string, Bundle | undefined>> {
  const keys: string[] = [];
  for await (const info of content.list(folder)) if (keyProblem(info.key) === undefined) keys.push(info.key);
  const found = resourceBundles(keys, site);
  const resources = new Map<string, Bundle | undefined>();
  for (const key of keys.filter(isResourceKey))
    resources.set(key, found.get(key) ?? (await bundleOf(content, key, site)));
  return resources;
}

/**
 * Copies the resources of published bundles to the site: the full build's and the rebuild's way.
 * @param resources - every resource with its bundle, as {@link resourceBundles} found them
 * @param paths - the path of every post published now, by source
 * @returns what was copied
 */
export async function copyResources(
  content: BlobStore,
  out: BlobStore,
  resources: ReadonlyMap<string, { folder: string; post: string | undefined }>,
  paths: ReadonlyMap<string, string>,
): Promise<PublishedResource[]> {
  const planned: { key: string; target: string }[] = [];
  for (const [key, bundle] of resources) {
    const path = bundle.post === undefined ? undefined : paths.get(bundle.post);
    if (path !== undefined && isResourceKey(key))
      planned.push({ key, target: resourceTarget(path, bundle.folder, key) });
  }
  const copied = await mapLimit(planned, IO_CONCURRENCY, async ({ key, target }) => {
    const size = await copyResource(content, out, key, target);
    return size === undefined ? undefined : { key, target, size };
  });
  return copied.filter((r): r is PublishedResource => r !== undefined);
}

/**
 * Copies one resource to its place on the site, with its media type.
 * @returns its size, or undefined when it is gone from the content store
 */
export async function copyResource(
  content: BlobStore,
  out: BlobStore,
  key: string,
  target: string,
): Promise<number | undefined> {
  const bytes = await content.get(key);
  if (bytes === undefined) return undefined;
  await out.put(target, bytes, { contentType: mediaTypeOf(target), cacheControl: STATIC_CACHE_CONTROL });
  return bytes.byteLength;
}
