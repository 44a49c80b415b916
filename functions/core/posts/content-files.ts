// What a file under `posts/` is, from its key alone, as Hugo reads a content folder: a post, a
// translation of one (`index.ja.md`, `hello.zh-cn.md`), or a page bundle's resource (any other file
// beside or below a bundle's `index.md`). The one place these naming rules are written.

const MARKDOWN = /\.(md|markdown)$/i;
/** `name.<lang>.md`: a language code as Hugo's file names carry it (`ja`, `zh-cn`, `pt-br`, `sr-latn`). */
const LANGUAGE_SUFFIX = /\.([a-z]{2,3}(?:-[a-z0-9]{2,8})?)\.(md|markdown)$/i;
/** A bundle's index file: `index.md`, `index.markdown`, or a translation of it (`index.ja.md`). */
const INDEX_FILE = /^index(\.[a-z]{2,3}(?:-[a-z0-9]{2,8})?)?\.(md|markdown)$/i;

/** What decides a file's language: the site's own, and the others site.yaml's `languages` names. */
export interface SiteLanguages {
  /** The language published (`en`, `en-GB`, or in another language's view its code). */
  language: string;
  /** Configured languages by lower-case code; the site's own may be among them. */
  languages?: Readonly<Record<string, unknown>>;
  /** In another language's view: the site's own language, that of files with no language suffix. */
  defaultLanguage?: string;
}

/**
 * A language suffix as a file name carries it, whether or not the site configures it. Only a
 * lower-case suffix is one: Hugo 0.111 reads `x.JA.md` and `index.zh-CN.md` as files named `x.JA` and
 * `index.zh-CN` in the site's own language (checked with `hugo` 0.111.3), since it looks the suffix up
 * among its lower-cased language keys as written.
 */
function suffixCode(key: string): string | undefined {
  const code = LANGUAGE_SUFFIX.exec(key.slice(key.lastIndexOf('/') + 1))?.[1];
  return code !== undefined && code === code.toLowerCase() ? code : undefined;
}

/** The site's own language: that of files with no language in their name. */
function homeLanguage(site: SiteLanguages): string {
  return site.defaultLanguage ?? site.language;
}

/**
 * The other configured language a file is written in (`ja` for `index.ja.md`), or undefined for a
 * file in the site's own language (no suffix, `index.en.md`, or a suffix the site does not configure).
 */
function otherLanguageOf(key: string, site: SiteLanguages): string | undefined {
  const code = suffixCode(key);
  if (code === undefined || inSiteLanguage(code, homeLanguage(site))) return undefined;
  return site.languages !== undefined && Object.hasOwn(site.languages, code) ? code : undefined;
}

/**
 * The language a markdown file's name says it is written in, lower case. As in Hugo, only the
 * site's language and those site.yaml configures are languages: on a site without `languages`,
 * `post.fr.md` is a post called `post.fr`, and `node.js.md` is always `node.js`.
 * @param key - e.g. `posts/gallery/index.ja.md` (-> `ja` when `ja` is configured)
 * @returns undefined when the name carries no configured language (`index.md`, `node.js.md`)
 */
export function fileLanguage(key: string, site: SiteLanguages): string | undefined {
  const code = suffixCode(key);
  if (code === undefined) return undefined;
  return inSiteLanguage(code, homeLanguage(site)) ? code : otherLanguageOf(key, site);
}

/**
 * The other languages a site publishes: the configured codes that are not the site's own, sorted.
 */
export function otherLanguages(site: SiteLanguages): string[] {
  return Object.entries(site.languages ?? {})
    .filter(([code, settings]) => !inSiteLanguage(code, homeLanguage(site)) && !isDisabled(settings))
    .map(([code]) => code)
    .sort();
}

// Hugo's `disabled: true`: the language's files are still translations, but are not published.
function isDisabled(settings: unknown): boolean {
  return (
    typeof settings === 'object' &&
    settings !== null &&
    (settings as { disabled?: unknown }).disabled === true
  );
}

/** Of translation files, those whose language is not published (`disabled` in site.yaml). */
export function leftOutTranslations(keys: readonly string[], site: SiteLanguages): string[] {
  const published = new Set(otherLanguages(site));
  return keys.filter((key) => !published.has(fileLanguage(key, site) ?? ''));
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
 * Is this markdown file a translation, in another language than the one published? On the site's
 * own language, a file in another configured language; in another language's view, every file
 * not in that language (the site's own included). A translation is never the post: it takes no URL
 * and claims nothing.
 */
export function isTranslation(key: string, site: SiteLanguages): boolean {
  const written = otherLanguageOf(key, site);
  return site.defaultLanguage === undefined ? written !== undefined : written !== site.language.toLowerCase();
}

/**
 * A file's name without its folder, extension and language: `posts/2023/hello.en.md` -> `hello`,
 * `posts/gallery/index.ja.md` -> `index`.
 */
export function baseName(key: string, site: SiteLanguages): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return fileLanguage(key, site) === undefined
    ? name.replace(MARKDOWN, '')
    : name.replace(LANGUAGE_SUFFIX, '');
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
 * Of the index files in one bundle folder, the one that is the post: `index.md` or `index.<site's
 * language>.md`, else (as Hugo does) an index file whose suffix is no configured language
 * (`index.ja.md` on a site without `ja`), the first by key. The others in the site's language are
 * the bundle's resources.
 * @returns undefined for a bundle that has only translations
 */
export function bundlePost(indexKeys: Iterable<string>, site: SiteLanguages): string | undefined {
  let post: string | undefined;
  let named = false;
  for (const key of indexKeys) {
    if (isTranslation(key, site)) continue;
    // `index.md`, or an index file in the site's language; `index.it.md` and `index.JA.md` only
    // when no such file exists.
    const inLanguage =
      fileLanguage(key, site) !== undefined || !LANGUAGE_SUFFIX.test(key.slice(key.lastIndexOf('/') + 1));
    if (post === undefined || (inLanguage && !named) || (inLanguage === named && key < post)) post = key;
    named ||= inLanguage;
  }
  return post;
}

/**
 * What a file and its translations share, as Hugo pairs them: the key without its extension and
 * configured language (`posts/hello.md`, `posts/hello.ja.md` -> `posts/hello`; `posts/g/index.md`,
 * `posts/g/index.zh-cn.md` -> `posts/g/index`). A suffix the site does not configure stays: hugo
 * 0.111.3 pairs no `index.ja.md` of a site without `ja` with the bundle's `index.zh-cn.md`.
 */
export function translationGroup(key: string, site: SiteLanguages): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return key.slice(0, key.length - name.length) + baseName(key, site);
}

/** Is this file, directly in its folder, an index file of a bundle (in any language)? */
export function isIndexFile(key: string): boolean {
  return bundleFolderOf(key) !== undefined;
}

/**
 * The bundle each resource belongs to: the nearest folder above it holding an index file, as Hugo
 * decides. A resource in no bundle (an image beside a single-file post) belongs to none.
 * @param keys - every key under `posts/`, any order
 * @param site - the site's languages, to tell the bundle's post from its translations
 * @returns for each resource key, its bundle's folder and post (undefined for a bundle of
 *   translations only)
 */
export function resourceBundles(
  keys: Iterable<string>,
  site: SiteLanguages,
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
    if (folder !== undefined) found.set(key, { folder, post: bundlePost(indexes.get(folder) ?? [], site) });
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

/** What a markdown file under `posts/` is (`_index.md` files aside). */
export type MarkdownRole =
  /** a post in the site's language */
  | 'post'
  /** a translation in another configured language */
  | 'translation'
  /** a page bundle's resource: not a page, as in Hugo (`notes.md` beside a bundle's `index.md`) */
  | 'bundled';

/**
 * What a markdown file is, given the index files of the nearest bundle folder at or above it (as
 * {@link bundleFoldersAbove} lists them): an index file is the post (or its translation) only when
 * it is its folder's; any other markdown file in a bundle, at any depth, is a resource.
 * @param indexes - the index files of that nearest bundle folder, with its folder; undefined when
 *   no folder above the file is a bundle
 */
export function markdownRole(
  key: string,
  indexes: { folder: string; keys: readonly string[] } | undefined,
  site: SiteLanguages,
): MarkdownRole {
  const own = bundleFolderOf(key);
  if (own !== undefined && indexes?.folder === own) {
    if (isTranslation(key, site)) {
      // One translation per language: the first by key, as for the post.
      const language = fileLanguage(key, site);
      const first = indexes.keys.filter((k) => fileLanguage(k, site) === language).sort()[0];
      return first === key ? 'translation' : 'bundled';
    }
    return bundlePost(indexes.keys, site) === key ? 'post' : 'bundled';
  }
  if (indexes !== undefined) return 'bundled';
  return isTranslation(key, site) ? 'translation' : 'post';
}

/**
 * The role of every markdown file among a listing, as {@link markdownRole} decides it.
 * @param keys - every key under `posts/`, any order
 * @param isMarkdown - which keys are markdown pages (`_index.md` and bad keys excluded)
 */
export function markdownRoles(
  keys: Iterable<string>,
  isMarkdown: (key: string) => boolean,
  site: SiteLanguages,
): Map<string, MarkdownRole> {
  const all = [...keys];
  const indexes = new Map<string, string[]>();
  for (const key of all) {
    const folder = isMarkdown(key) ? bundleFolderOf(key) : undefined;
    if (folder !== undefined) indexes.set(folder, [...(indexes.get(folder) ?? []), key]);
  }
  const roles = new Map<string, MarkdownRole>();
  for (const key of all) {
    if (!isMarkdown(key)) continue;
    const folder = bundleFoldersAbove(key).find((f) => indexes.has(f));
    const found = folder === undefined ? undefined : { folder, keys: indexes.get(folder) ?? [] };
    roles.set(key, markdownRole(key, found, site));
  }
  return roles;
}

/**
 * The one notice a build or publish run gives for the markdown files of page bundles it left out:
 * Hugo reads them as the bundle's resources, not as pages.
 * @param keys - such files, any order
 */
export function bundledMarkdownNotice(keys: readonly string[]): string {
  const named = [...keys].sort().slice(0, 3).join(', ');
  const more = keys.length > 3 ? ` and ${keys.length - 3} more` : '';
  const looksTranslated = keys.some(
    (key) => suffixCode(key) !== undefined && knownLanguage(suffixCode(key) ?? ''),
  );
  return (
    `${keys.length} markdown file${keys.length === 1 ? '' : 's'} in page bundles left out: ${named}${more}; ` +
    'a page bundle has one post, its index file, and Hugo reads other markdown in it as resources, not pages' +
    (looksTranslated
      ? ' (to publish index.<code>.md as a translation, name its language in site.yaml languages)'
      : '')
  );
}

// Only for the hint above: a suffix that is a language, though the site does not configure it.
const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

function knownLanguage(code: string): boolean {
  try {
    return languageNames.of(code) !== undefined;
  } catch {
    return false;
  }
}

/**
 * The one notice a build or publish run gives for the translations it left out, naming a few.
 * @param keys - translation files, any order
 * @param site - the site's languages
 */
export function translationsNotice(keys: readonly string[], site: SiteLanguages): string {
  const languages = [...new Set(keys.map((key) => fileLanguage(key, site) ?? '?'))].sort();
  const named = [...keys].sort().slice(0, 3).join(', ');
  const more = keys.length > 3 ? ` and ${keys.length - 3} more` : '';
  return (
    `${keys.length} translation${keys.length === 1 ? '' : 's'} (${languages.join(', ')}) left out: ${named}${more}; ` +
    'their languages are disabled in site.yaml languages'
  );
}
