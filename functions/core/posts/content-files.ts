// What a file under `posts/` is, from its key alone, as Hugo reads a content folder: a post, a
// translation of one (`index.ja.md`, `hello.zh-cn.md`), or a page bundle's resource (any other file
// beside or below a bundle's `index.md`). The one place these naming rules are written.

const MARKDOWN = /\.(md|markdown)$/i;
/** `name.<lang>.md`: a language code as Hugo's file names carry it (`ja`, `zh-cn`, `pt-br`, `sr-latn`). */
const LANGUAGE_SUFFIX = /\.([a-z]{2,3}(?:-[a-z0-9]{2,8})?)\.(md|markdown)$/i;
/** A bundle's index file: `index.md`, `index.markdown`, or a translation of it (`index.ja.md`). */
const INDEX_FILE = /^index(\.[a-z]{2,3}(?:-[a-z0-9]{2,8})?)?\.(md|markdown)$/i;

// Only a code the language database knows is a language: `node.js.md` and `config.go.md` keep their
// whole name. Intl's data is part of Node (full ICU), so every run of Herald agrees on it.
const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** Is `code` a language (`ja`, `zh-CN`)? */
function knownLanguage(code: string): boolean {
  try {
    return languageNames.of(code) !== undefined;
  } catch {
    return false;
  }
}

/**
 * The language a markdown file's name says it is written in, lower case.
 * @param key - e.g. `posts/gallery/index.ja.md` (-> `ja`), `posts/hello.zh-CN.md` (-> `zh-cn`)
 * @returns undefined when the name carries no language (`index.md`, `node.js.md`)
 */
export function fileLanguage(key: string): string | undefined {
  const code = LANGUAGE_SUFFIX.exec(key.slice(key.lastIndexOf('/') + 1))?.[1]?.toLowerCase();
  return code !== undefined && knownLanguage(code) ? code : undefined;
}

/**
 * Is a file in this language written in the site's? `en` is an `en-GB` site's language, and an
 * `en-GB` file an `en` site's: a region does not make another site.
 */
export function inSiteLanguage(language: string, siteLanguage: string): boolean {
  const primary = (tag: string) => tag.toLowerCase().split('-')[0];
  return language.toLowerCase() === siteLanguage.toLowerCase() || primary(language) === primary(siteLanguage);
}

/**
 * Is this markdown file a translation, in another language than the site's? A translation is never
 * the post: it takes no URL and claims nothing.
 */
export function isTranslation(key: string, siteLanguage: string): boolean {
  const language = fileLanguage(key);
  return language !== undefined && !inSiteLanguage(language, siteLanguage);
}

/**
 * A file's name without its folder, extension and language: `posts/2023/hello.en.md` -> `hello`,
 * `posts/gallery/index.ja.md` -> `index`.
 */
export function baseName(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return fileLanguage(key) === undefined ? name.replace(MARKDOWN, '') : name.replace(LANGUAGE_SUFFIX, '');
}

/**
 * Can this file be a bundle's resource? Not markdown (posts and translations), and not HTML: Hugo
 * reads `.html` in content as pages, and published as-is one would replace the post's own page.
 */
export function isResourceName(key: string): boolean {
  return !MARKDOWN.test(key) && !/\.html?$/i.test(key) && !key.endsWith('/');
}

/**
 * The folder of a page bundle whose index file this is: `posts/gallery/index.md` -> `posts/gallery/`.
 * @returns undefined for a post that is a single file (`posts/hello.md`)
 */
export function bundleFolderOf(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  return INDEX_FILE.test(key.slice(slash + 1)) ? key.slice(0, slash + 1) : undefined;
}

/**
 * How far above a file its bundle may be. Each level costs a listing on upload, and a key of 1,024
 * bytes could have 500 levels; real bundles keep their files at most a few folders down.
 */
export const MAX_BUNDLE_DEPTH = 8;

/**
 * The folders that may hold the bundle a resource belongs to, nearest first, below `posts/`:
 * `posts/a/b/photo.jpg` -> `posts/a/b/`, `posts/a/` (at most {@link MAX_BUNDLE_DEPTH} of them).
 */
export function bundleFoldersAbove(key: string): string[] {
  const parts = key.split('/').slice(1, -1);
  const folders: string[] = [];
  for (let n = parts.length; n > 0 && folders.length < MAX_BUNDLE_DEPTH; n--)
    folders.push(`posts/${parts.slice(0, n).join('/')}/`);
  return folders;
}

/**
 * Of the index files in one bundle folder, the one that is the post: in the site's language
 * (`index.md`, or `index.en.md` on an English site), the first by key when several are.
 * @returns undefined for a bundle that has only translations
 */
export function bundlePost(indexKeys: Iterable<string>, siteLanguage: string): string | undefined {
  let post: string | undefined;
  for (const key of indexKeys) {
    if (isTranslation(key, siteLanguage)) continue;
    if (post === undefined || key < post) post = key;
  }
  return post;
}

/** Is this file, directly in its folder, an index file of a bundle (in any language)? */
export function isIndexFile(key: string): boolean {
  return bundleFolderOf(key) !== undefined;
}

/**
 * The bundle each resource belongs to: the nearest folder above it holding an index file, as Hugo
 * decides. A resource in no bundle (an image beside a single-file post) belongs to none.
 * @param keys - every key under `posts/`, any order
 * @param siteLanguage - the site's language, to tell the bundle's post from its translations
 * @returns for each resource key, its bundle's folder and post (undefined for a bundle of
 *   translations only)
 */
export function resourceBundles(
  keys: Iterable<string>,
  siteLanguage: string,
): Map<string, { folder: string; post: string | undefined }> {
  const all = [...keys];
  const indexes = new Map<string, string[]>();
  for (const key of all) {
    const folder = bundleFolderOf(key);
    if (folder !== undefined) indexes.set(folder, [...(indexes.get(folder) ?? []), key]);
  }
  const found = new Map<string, { folder: string; post: string | undefined }>();
  for (const key of all) {
    if (!isResourceName(key)) continue;
    const folder = bundleFoldersAbove(key).find((f) => indexes.has(f));
    if (folder !== undefined)
      found.set(key, { folder, post: bundlePost(indexes.get(folder) ?? [], siteLanguage) });
  }
  return found;
}

/**
 * Where a bundle's resource is published: under its post's path, at its place in the bundle.
 * @param postPath - the post's site path, e.g. `/posts/image-gallery/` (as its permalink made it)
 * @param folder - the bundle's folder, e.g. `posts/Image Gallery/`
 * @param key - the resource, e.g. `posts/Image Gallery/photos/a.jpg` -> `posts/image-gallery/photos/a.jpg`
 * @returns a key of the site store
 */
export function resourceTarget(postPath: string, folder: string, key: string): string {
  // As the post's own page is keyed (see pageKey): its path as the permalink wrote it.
  const base = postPath.replace(/^\/+/, '');
  const dir = base === '' || base.endsWith('/') ? base : `${base}/`;
  return `${dir}${key.slice(folder.length)}`;
}

/**
 * The one notice a build or publish run gives for the translations it left out, naming a few.
 * @param keys - translation files, any order
 * @param siteLanguage - the language the site publishes
 */
export function translationsNotice(keys: readonly string[], siteLanguage: string): string {
  const languages = [...new Set(keys.map((key) => fileLanguage(key) ?? '?'))].sort();
  const named = [...keys].sort().slice(0, 3).join(', ');
  const more = keys.length > 3 ? ` and ${keys.length - 3} more` : '';
  return (
    `${keys.length} translation${keys.length === 1 ? '' : 's'} (${languages.join(', ')}) left out: ${named}${more}; ` +
    `Herald publishes the posts in the site's language (${siteLanguage}) only`
  );
}
