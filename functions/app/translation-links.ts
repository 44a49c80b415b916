import type { TranslationLink } from '../core/config/language-site.ts';
import type { SiteConfig } from '../core/config/site-config.ts';
import {
  fileLanguage,
  inSiteLanguage,
  otherLanguages,
  type SiteLanguages,
  translationGroup,
} from '../core/posts/content-files.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { languageState } from './language-views.ts';
import { mapLimit } from './map-limit.ts';
import { PageIndex } from './post-index/page-index.ts';
import { isPostKey } from './site-output.ts';

// A post page links its translations (`hreflang`), as Hugo pairs them: the files of one group
// (`hello.md`, `hello.ja.md`; a bundle's `index.md`, `index.ja.md`) published in their languages.
// Which are published is each language's own business (its page index, or in a full build what it
// read), so a run of one language asks the others; a change in one language rewrites the pages of
// the group's posts in the others once every language has run (see publish-site.ts).

const IO_CONCURRENCY = 16;

/**
 * Where a language's published posts are: the path of a post's page in that language, or
 * undefined when it is not published there.
 */
export type PublishedPath = (code: string, source: string) => Promise<string | undefined>;

/** One language of the site, as the files of a group are sorted into them. */
interface View {
  code: string;
  languages: SiteLanguages;
  /** Its home page: its URLs are under it. */
  root: string;
}

function viewsOf(site: SiteConfig): { views: View[]; own: View } {
  const root = site.rootUrl ?? site.baseUrl;
  const home = site.defaultLanguage ?? site.language;
  const languages = site.languages ? { languages: site.languages } : {};
  const views: View[] = [
    { code: home, languages: { language: home, ...languages }, root },
    ...otherLanguages(site).map((code) => ({
      code,
      languages: { language: code, defaultLanguage: home, ...languages },
      root: `${root}${code}/`,
    })),
  ];
  const own = views.find((v) => v.code === site.language) ?? (views[0] as View);
  return { views, own };
}

/** The language whose post a file may be: undefined for a language the site does not publish. */
function viewOfFile(key: string, views: readonly View[]): View | undefined {
  const [home] = views as [View];
  const language = fileLanguage(key, home.languages);
  if (language === undefined || inSiteLanguage(language, home.code)) return home;
  return views.find((v) => v.code === language);
}

/** The site's own language, as files without a language are read. */
function homeLanguages(site: SiteConfig): SiteLanguages {
  return (viewsOf(site).views[0] as View).languages;
}

/**
 * The translations each of `sources` links to, for the pages of the language `site` publishes:
 * in each other language, the first file of its group (by key) published there.
 * @param site - the configuration of the run (the site's own language, or another's view)
 * @param sources - posts of that language
 * @param published - where each language's posts are published
 * @param listing - every post key under `posts/`, when the run has it (full runs); else each
 *   group's files are listed
 * @returns by source, its translations in the site's other languages; none for a post without
 */
export async function translationLinks(
  content: BlobStore,
  site: SiteConfig,
  sources: readonly string[],
  published: PublishedPath,
  listing?: readonly string[],
): Promise<Map<string, TranslationLink[]>> {
  const found = new Map<string, TranslationLink[]>();
  if (!site.pages || otherLanguages(site).length === 0 || sources.length === 0) return found;
  const { views, own } = viewsOf(site);
  const home = homeLanguages(site);
  const groups = listing === undefined ? undefined : groupsOf(listing, home);
  await mapLimit([...new Set(sources)], IO_CONCURRENCY, async (source) => {
    const group = translationGroup(source, home);
    const members = groups === undefined ? await listGroup(content, group, home) : (groups.get(group) ?? []);
    if (members.length < 2) return;
    const links: TranslationLink[] = [];
    for (const key of [...members].sort()) {
      const view = viewOfFile(key, views);
      if (view === undefined || view === own || links.some((l) => l.code === view.code)) continue;
      const path = await published(view.code, key);
      if (path !== undefined) links.push({ code: view.code, url: siteUrl({ baseUrl: view.root }, path) });
    }
    if (links.length > 0) found.set(source, links);
  });
  return found;
}

/** The markdown files of a listing by translation group. */
function groupsOf(listing: readonly string[], home: SiteLanguages): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const key of listing) {
    if (!isPostKey(key)) continue;
    const group = translationGroup(key, home);
    const members = groups.get(group);
    if (members === undefined) groups.set(group, [key]);
    else members.push(key);
  }
  return groups;
}

/** The markdown files of one translation group, listed from the content bucket. */
async function listGroup(content: BlobStore, group: string, home: SiteLanguages): Promise<string[]> {
  const members: string[] = [];
  for await (const info of content.list(`${group}.`))
    if (isPostKey(info.key) && translationGroup(info.key, home) === group) members.push(info.key);
  return members;
}

/**
 * The files of the translation groups of some posts, each group listed once (from `listing` when
 * given): the posts whose pages link those posts as translations.
 * @param sources - posts whose publication changed, in any language
 * @param listing - every post key under `posts/` (then groups of one file are left out)
 */
export async function groupMembers(
  content: BlobStore,
  site: SiteConfig,
  sources: Iterable<string>,
  listing?: readonly string[],
): Promise<string[]> {
  const home = homeLanguages(site);
  const groups = listing === undefined ? undefined : groupsOf(listing, home);
  const wanted = new Set([...sources].map((source) => translationGroup(source, home)));
  const members = await mapLimit([...wanted], IO_CONCURRENCY, async (group) =>
    groups === undefined ? await listGroup(content, group, home) : (groups.get(group) ?? []),
  );
  return members.flat();
}

/**
 * Every post of a listing that has a file in another language: after a full run, each language
 * writes their pages again, once every language knows what it publishes.
 */
export function translatedPosts(site: SiteConfig, listing: readonly string[]): string[] {
  return [...groupsOf(listing, homeLanguages(site)).values()].filter((g) => g.length > 1).flat();
}

/**
 * Where each language's posts are published, from its page index as its last run saved it.
 * @param state - the whole site's state (every language's)
 */
export function publishedInPageIndexes(state: BlobStore, site: SiteConfig): PublishedPath {
  const indexes = new Map<string, Promise<PageIndex | undefined>>();
  return async (code, source) => {
    let index = indexes.get(code);
    if (index === undefined) {
      index = languagePageIndex(state, site, code);
      indexes.set(code, index);
    }
    return (await index)?.pathOf(source);
  };
}

/**
 * One language's page index as its last run saved it.
 * @param state - the whole site's state (every language's)
 * @param site - the configuration of any language's run
 */
export function languagePageIndex(
  state: BlobStore,
  site: SiteConfig,
  code: string,
): Promise<PageIndex | undefined> {
  const home = site.defaultLanguage ?? site.language;
  return PageIndex.read(code === home ? state : languageState(state, code));
}
