import { inLanguageFolder } from '../core/config/language-site.ts';
import type { SiteConfig } from '../core/config/site-config.ts';
import type { AliasSource } from '../core/pages/alias-pages.ts';
import { archivePages } from '../core/pages/newsletter-archive.ts';
import {
  aliasPagePlans,
  archivePagePlan,
  feedsPagePlan,
  homePagePlan,
  listsSitemapPlan,
  type PageEntry,
  type PlannedPage,
  pageCount,
  pageKey,
  pageOfPosition,
  pageRange,
  pageStreams,
  postPagePlan,
  postSitemapKey,
  postSitemapPlan,
  SITEMAP_SIZE,
  type SiteTerm,
  siteList,
  sitemapIndexPlan,
  termList,
} from '../core/pages/page-plan.ts';
import { otherLanguages } from '../core/posts/content-files.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import type { Term } from '../core/posts/post.ts';
import { compareText } from '../core/site/order.ts';
import { compareEntries, isLive, type PostEntry } from '../core/site/post-entry.ts';
import {
  folderTerm,
  TAXONOMIES,
  type Taxonomy,
  type TermNames,
  termFolder,
  termsNamed,
  withTermNames,
} from '../core/site/taxonomies.ts';
import { mapLimit } from './map-limit.ts';
import { readArchive } from './newsletter/digest-archive.ts';
import {
  foldersOf,
  type ListChanges,
  PageIndex,
  type PageRow,
  type RowKey,
} from './post-index/page-index.ts';
import { loadRecords, reportAliasCollisions } from './publish-outputs.ts';
import type { PublishRun } from './publish-run.ts';
import { isPostKey } from './site-output.ts';
import { publishedInPageIndexes, translationLinks } from './translation-links.ts';
import { type PagesWritten, writePages } from './write-pages.ts';

// The pages of a publish run. A full run writes them all and the page index with them; an incremental
// run updates the page index with the posts it changed and writes only the pages that show them: what
// it costs depends on what changed, not on how many posts the site has.

const IO_CONCURRENCY = 16;

/** Pages a full run owns in the site bucket, so that those of posts and categories that are gone go. */
const PAGE_KEY = /\.html$|^sitemap(-[a-z0-9-]+)?\.xml$|^newsletter\/atom\.xml$/;

/**
 * The page index brought up to date with this run's changes (saved by {@link publishPages}), for
 * every site: its per-term lists plan the tag and series feeds too, pages on or off.
 * @returns undefined when there is none to update (the first run with this configuration, or one of
 *   an older layout): the run then plans from every entry, and {@link publishPages} writes it anew
 */
export async function updatePageIndex(run: PublishRun): Promise<PageIndex | undefined> {
  const pages = await PageIndex.open(run.deps.state, run.index.head.configHash);
  if (pages === undefined) return undefined;
  const changes = await run.index.pageChanges(run.now);
  await pages.apply(changes.map(({ source, entry }) => ({ source, row: entry && rowOf(entry) })));
  return pages;
}

/**
 * Writes the pages this run changed (all of them when `force`) and removes those of posts and
 * terms that are gone; saves the page index (written anew when `force` or `pages` is undefined).
 * @param pages - on an incremental run, the page index {@link updatePageIndex} updated
 * @param keep - on a full run, keys of the site bucket that are not pages though they look like one
 *   (static files): every other page not written is removed
 * @param changed - sources this run changed: their alias collisions are reported (all when `force`)
 * @param shardPages - on a full run, post and list pages a fan-out rebuild's steps already wrote,
 *   with their signatures: written again only if planned differently now
 * @returns keys written or removed
 */
export async function publishPages(
  run: PublishRun,
  force: boolean,
  pages: PageIndex | undefined,
  keep: ReadonlySet<string> = new Set(),
  changed?: ReadonlySet<string>,
  shardPages?: Readonly<Record<string, string>>,
): Promise<string[]> {
  const { config, deps } = run;
  if (!config.pages) {
    if (pages === undefined || force) await (await writePageIndex(run)).save();
    else await pages.save();
    return force ? await removeStalePages(run, new Set(), keep) : [];
  }
  if (pages === undefined || force) {
    // The listing of the whole site bucket (a request per 1,000 keys) runs while the pages are
    // written: a page it misses was written, so it is not stale, and what it finds is filtered by
    // what was written once the writes are done.
    const listed = force ? listPages(run) : undefined;
    // Awaited below; if writing fails first, its failure must not go unhandled.
    listed?.catch(() => undefined);
    const all = await writeAllPages(run, force ? undefined : changed, shardPages);
    // A first incremental run with pages (state from an older Herald) knows no static files: it
    // rewrites every page and leaves the rest as it is.
    return listed ? [...all, ...(await removeStalePages(run, new Set(all), keep, await listed))] : all;
  }

  const toEntry = pageEntries(config, (taxonomy, slug) => pages.termName(termFolder(taxonomy, slug)));
  const plan: PlannedPage[] = [];
  const removed = new Set<string>();
  // A term named anew (its newest post spells it differently) shows its new name on the pages that
  // name it: written with this run's own.
  const renamed = await renamedTermPages(pages, config.pageSize);
  const toWrite = [...new Map([...renamed.posts, ...pages.postsToWrite()])];
  const translations = await translationLinks(
    deps.content,
    config,
    toWrite.map(([source]) => source),
    publishedInPageIndexes(deps.siteState ?? deps.state, config),
  );
  for (const [source, key] of toWrite) {
    const rank = await pages.rankOf('', key, source);
    if (rank === undefined) continue;
    const around = await pages.rows('', Math.max(0, rank - 1), rank + 2);
    const at = rank === 0 ? 0 : 1;
    const [newer, self, older] = [around[at - 1], around[at] as PageRow, around[at + 1]];
    const entry = { ...toEntry(self), translations: translations.get(source) };
    plan.push(postPagePlan(config, entry, newer && toEntry(newer), older && toEntry(older)));
  }
  for (const path of pages.removedPaths) removed.add(pageKey(path));
  for (const file of pages.aliasFiles) {
    const redirects = await planAliasFile(run, pages, file, changed);
    if (redirects === undefined) continue;
    if (redirects.length === 0) removed.add(pageKey(file));
    plan.push(...redirects);
  }

  for (const folder of new Set([...pages.changes.keys(), ...renamed.lists.keys()])) {
    const count = pages.count(folder);
    // A list only a renamed term reaches keeps its posts: only its pages showing the name change.
    const changes: ListChanges = pages.changes.get(folder) ?? { countBefore: count, updated: [] };
    const size = config.pageSize;
    const pagesBefore = changes.countBefore === undefined ? 0 : pageCount(changes.countBefore, size);
    if (count === 0 && folder !== '') {
      removed.add(pageKey(`/${folder}`));
      for (let n = 1; n <= pagesBefore; n++) removed.add(`${folder}page/${n}/index.html`);
      continue;
    }
    const newest = await pages.rows(folder, 0, size);
    const list = folder === '' ? siteList(config) : termListOf(config, folder, newest[0]);
    plan.push(homePagePlan(config, list, newest.map(toEntry), count));
    const last = pageCount(count, size);
    const named = renamed.lists.get(folder) ?? [];
    for (const n of new Set([...changedPages(changes, count, size, pagesBefore), ...named])) {
      if (n > last) continue;
      const { from, to } = pageRange(count, size, n);
      plan.push(archivePagePlan(config, list, n, (await pages.rows(folder, from, to)).map(toEntry), count));
    }
    for (let n = last + 1; n <= pagesBefore; n++) removed.add(`${folder}page/${n}/index.html`);
    if (folder !== '') continue;

    const sitemapsBefore = changes.countBefore ? pageCount(changes.countBefore, SITEMAP_SIZE) : 0;
    const sitemaps = count === 0 ? 0 : pageCount(count, SITEMAP_SIZE);
    for (const n of changedPages(changes, count, SITEMAP_SIZE, sitemapsBefore)) {
      if (n > sitemaps) continue;
      const { from, to } = pageRange(count, SITEMAP_SIZE, n);
      plan.push(postSitemapPlan(n, (await pages.rows('', from, to)).map(toEntry)));
    }
    for (let n = sitemaps + 1; n <= sitemapsBefore; n++) removed.add(postSitemapKey(n));
    if (sitemaps !== sitemapsBefore) plan.push(sitemapIndexPlan(config, sitemaps));
  }

  if (pages.changes.size > 0) {
    // The feeds page and the sitemap of lists name every term and the newest posts: small, and
    // written whenever a list changed.
    const terms = pages
      .folders()
      .filter((folder) => folder !== '')
      .map((folder) => {
        const newest = pages.newest(folder) as PageRow;
        return { ...siteTermOf(folder, newest), newest: toEntry(newest) };
      })
      .sort(compareTerms);
    const newestSite = (await pages.rows('', 0, config.pageSize)).map(toEntry);
    plan.push(feedsPagePlan(config, terms, newestSite));
    plan.push(listsSitemapPlan(config, newestSite[0], terms));
  }

  const result = await writeRunPages(run, plan, undefined, true);
  const written = new Set(result.written);
  const gone = [...removed].filter((key) => !written.has(key));
  await mapLimit(gone, IO_CONCURRENCY, (key) => deps.output.delete(key));
  const archive = await writeNewsletterArchive(run, pages.signatures);
  pages.signatures = archive.signatures;
  await pages.save();
  return [...result.written, ...gone, ...archive.written, ...archive.removed];
}

/**
 * The redirect page of one alias file, decided as a full build decides it (see planAliases) from
 * the posts claiming it and the post whose own page is there, if any; collisions involving this
 * run's changes are reported.
 * @returns the redirect page to write (none: remove what is there), or undefined when a post's own
 *   page is at that file (it is written with the post)
 */
async function planAliasFile(
  run: PublishRun,
  pages: PageIndex,
  file: string,
  changed: ReadonlySet<string> | undefined,
): Promise<PlannedPage[] | undefined> {
  const real = await realPageAt(run, file);
  const claims = await pages.aliasClaims(file);
  if (real !== undefined && claims.length === 0) return undefined;
  const posts: AliasSource[] = [
    ...(real ? [real] : []),
    ...claims.map((c) => ({ source: c.source, path: c.path, aliases: [c.alias] })),
  ];
  reportAliasCollisions(run, posts, changed);
  return real === undefined ? aliasPagePlans(run.config, posts) : undefined;
}

/** The published post whose own page is at an alias file, if any (looked up in the post index). */
async function realPageAt(run: PublishRun, file: string): Promise<AliasSource | undefined> {
  const paths = file.endsWith('/index.html') ? [file.slice(0, -'index.html'.length), file] : [file];
  for (const path of paths) {
    const source = await run.index.ownerOf(path);
    const entry = source === undefined ? undefined : await run.index.entry(source);
    if (entry !== undefined && entry.path === path && isLive(entry, run.now.getTime()))
      return { source: entry.source, path };
  }
  return undefined;
}

/**
 * The archive pages (or sitemaps) of a list to write after its changes: those holding a post changed
 * in place, every page from the first position where a post came or went, and the page that was or
 * becomes the last (its link to newer posts changes).
 * @param pagesBefore - the list's pages when the run started (0: write them all)
 */
function changedPages(changes: ListChanges, count: number, size: number, pagesBefore: number): number[] {
  const last = pageCount(count, size);
  if (pagesBefore === 0) return Array.from({ length: last }, (_, i) => i + 1);
  const pages = new Set<number>();
  for (const position of changes.updated) pages.add(pageOfPosition(position, size));
  if (changes.shiftFrom !== undefined)
    for (let n = pageOfPosition(changes.shiftFrom, size); n <= last; n++) pages.add(n);
  if (last !== pagesBefore) pages.add(Math.min(last, pagesBefore));
  return [...pages].filter((n) => n >= 1 && n <= last).sort((a, b) => a - b);
}

/**
 * The pages that show the name of a term named anew in this run: the pages of its posts (a post's
 * page names its terms), every page of its own list (the heading), and for a category the list
 * pages holding one of its posts, in every list (list items name their categories; tags and series
 * appear in no list item). What this costs grows with the term, not with the site.
 * @returns posts whose pages to write, and archive page numbers to write by list folder
 */
async function renamedTermPages(
  pages: PageIndex,
  size: number,
): Promise<{ posts: [string, RowKey][]; lists: Map<string, number[]> }> {
  const posts: [string, RowKey][] = [];
  const lists = new Map<string, Set<number>>();
  const add = (folder: string, n: number): void => {
    lists.set(folder, (lists.get(folder) ?? new Set()).add(n));
  };
  for (const folder of pages.renamed()) {
    const count = pages.count(folder);
    for (let n = 1; n <= pageCount(count, size); n++) add(folder, n);
    const category = folderTerm(folder)?.taxonomy === 'categories';
    for (const row of await pages.rows(folder, 0, count)) {
      posts.push([row.source, { published: row.published, path: row.path }]);
      if (!category) continue;
      for (const other of foldersOf(row)) {
        if (other === folder) continue;
        const rank = await pages.rankOf(other, row, row.source);
        if (rank !== undefined) add(other, pageOfPosition(pages.count(other) - 1 - rank, size));
      }
    }
  }
  return { posts, lists: new Map([...lists].map(([folder, numbers]) => [folder, [...numbers]])) };
}

/**
 * Every page, from every published post, and the page index written anew.
 * @param changed - sources whose alias collisions are reported (all when undefined)
 * @param written - pages already written with their signatures (a fan-out rebuild's post and list pages):
 *   skipped when planned the same, and counted as written
 */
async function writeAllPages(
  run: PublishRun,
  changed: ReadonlySet<string> | undefined,
  written?: Readonly<Record<string, string>>,
): Promise<string[]> {
  const { config, deps } = run;
  const published = await livePosts(run);
  reportAliasCollisions(run, published, changed);
  const pages = await writePageIndex(run, published);
  const entries = await sitePageEntries(deps, config, published);
  const result = await writeRunPages(run, siteWidePages(config, entries), written, written === undefined);
  const archive = await writeNewsletterArchive(run, {}, true);
  pages.signatures = archive.signatures;
  await pages.save();
  if (written === undefined) return [...result.written, ...archive.written];
  // A page a render or list step planned differently from the whole site's plan: expected when posts
  // changed under the rebuild (one a shard skipped, a translation added or removed, a URL conflict
  // decided anew), a bug otherwise: say so.
  const again = result.written.filter((key) => key in written);
  if (again.length > 0)
    deps.log.warn('pages written again at the end of the rebuild', { pages: again.length });
  const kept = Object.keys(written).filter((key) => key in result.signatures);
  return [...new Set([...kept, ...result.written, ...result.removed, ...archive.written])];
}

/**
 * What the pages of a full run show of each published post: entries as page templates take them,
 * with links to their translations when the site has other languages.
 * @param published - every published post that owns its URL, newest first
 */
export async function sitePageEntries(
  deps: Pick<PublishRun['deps'], 'content' | 'state' | 'siteState'>,
  config: SiteConfig,
  published: readonly PostEntry[],
): Promise<PageEntry[]> {
  const toEntry = pageEntries(config);
  const translations =
    otherLanguages(config).length === 0
      ? new Map()
      : await translationLinks(
          deps.content,
          config,
          published.map((entry) => entry.source),
          publishedInPageIndexes(deps.siteState ?? deps.state, config),
          await postKeys(deps.content),
        );
  return published.map((post) => {
    const entry = toEntry(post);
    const links = translations.get(post.source);
    return links === undefined ? entry : { ...entry, translations: links };
  });
}

/**
 * Every page of planPages (core/pages/page-plan.ts) but the newsletter's archive (written by itself), planned as it is
 * taken: a rebuild never holds the plan of the whole site.
 */
function* siteWidePages(config: SiteConfig, entries: readonly PageEntry[]): Generator<PlannedPage> {
  const streams = pageStreams(config, entries);
  yield* withoutArchive(streams.posts());
  yield* withoutArchive(streams.others());
}

/**
 * The pages of {@link siteWidePages} that are not post pages: list, term, alias and feeds pages,
 * sitemaps and the 404 page, planned as they are taken (a fan-out rebuild's list shards write them).
 */
export function listAndSitePages(config: SiteConfig, entries: readonly PageEntry[]): Generator<PlannedPage> {
  return withoutArchive(pageStreams(config, entries).others());
}

function* withoutArchive(pages: Iterable<PlannedPage>): Generator<PlannedPage> {
  for (const page of pages) if (!page.key.startsWith('newsletter/')) yield page;
}

/**
 * The newsletter's archive pages, from the digests planned so far: they change outside publish runs,
 * so they are compared by signature on every run.
 */
async function writeNewsletterArchive(
  run: PublishRun,
  previous: Record<string, string>,
  force = false,
): Promise<{ written: string[]; removed: string[]; signatures: Record<string, string> }> {
  const { config, deps } = run;
  const plan = config.newsletter ? archivePages(config, await readArchive(deps.state)) : [];
  return writeRunPages(run, plan, previous, force);
}

/** {@link writePages} into this run's output bucket, loading the posts pages need from its records. */
function writeRunPages(
  run: PublishRun,
  plan: Iterable<PlannedPage>,
  previous: Readonly<Record<string, string>> | undefined,
  force: boolean,
): Promise<PagesWritten> {
  return writePages(
    run.deps.output,
    plan,
    run.index.head.configHash,
    previous,
    (sources) => loadRecords(run, sources),
    { force },
  );
}

/** Keys of the site bucket that look like pages of this language's site. */
async function listPages(run: PublishRun): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of run.deps.output.list(''))
    if (PAGE_KEY.test(info.key) && !inLanguageFolder(info.key, run.config)) keys.push(info.key);
  return keys;
}

/**
 * On a full run: removes pages of the site bucket that were not written and are not to be kept.
 * @param listed - the bucket's pages (see listPages), when already listed
 */
async function removeStalePages(
  run: PublishRun,
  written: ReadonlySet<string>,
  keep: ReadonlySet<string>,
  listed?: readonly string[],
): Promise<string[]> {
  const stale = (listed ?? (await listPages(run))).filter((key) => !written.has(key) && !keep.has(key));
  await mapLimit(stale, IO_CONCURRENCY, (key) => run.deps.output.delete(key));
  return stale;
}

/**
 * A post's entry as the pages of a full run show it, its terms named as the site names them: what a
 * fan-out rebuild's shards plan a post page from, so that the final step finds it planned the same.
 */
export function postPageEntry(config: SiteConfig, entry: PostEntry, names: TermNames): PageEntry {
  return pageEntries(config, names)(rowOf(entry));
}

/** Every key under `posts/` that Herald reads: what a full run pairs translations from. */
export async function postKeys(content: PublishRun['deps']['content']): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of content.list('posts/')) if (isPostKey(info.key)) keys.push(info.key);
  return keys;
}

/** Every published post that owns its URL, newest first, from every entry shard. */
async function livePosts(run: PublishRun): Promise<PostEntry[]> {
  const now = run.now.getTime();
  return (await run.index.allOwners()).filter((e) => isLive(e, now)).sort(compareEntries);
}

/** The page index written anew from every published post (not saved yet). */
async function writePageIndex(run: PublishRun, published?: readonly PostEntry[]): Promise<PageIndex> {
  const rows = (published ?? (await livePosts(run))).map(rowOf);
  return PageIndex.write(run.deps.state, run.index.head.configHash, rows);
}

function rowOf(entry: PostEntry): PageRow {
  const { imageSize: _size, ...row } = entry;
  return row;
}

/**
 * Turns rows into what page templates take.
 * @param names - the site's name of each term; without, terms keep the row's spelling (planPages
 *   names them itself)
 */
function pageEntries(config: SiteConfig, names?: TermNames): (row: PageRow) => PageEntry {
  return (row) => {
    const entry: PageEntry = {
      source: row.source,
      path: row.path,
      url: siteUrl(config, row.path),
      title: row.title,
      summary: row.summary,
      published: row.published,
      updated: row.updated,
      categories: termsNamed(row.categories),
      tags: termsNamed(row.tags),
      series: termsNamed(row.series),
      aliases: row.aliases,
      hash: row.hash,
    };
    return names === undefined ? entry : withTermNames(entry, names);
  };
}

/** A term of a list folder, named as the list's newest post spells it. */
function siteTermOf(folder: string, newest: PageRow | undefined): SiteTerm {
  const { taxonomy, slug } = folderTerm(folder) ?? { taxonomy: 'categories' as Taxonomy, slug: folder };
  const found = newest === undefined ? undefined : termsNamed(newest[taxonomy]).find((t) => t.slug === slug);
  const term: Term = found ?? { name: slug, slug };
  return { taxonomy, term };
}

function termListOf(config: SiteConfig, folder: string, newest: PageRow | undefined) {
  const { taxonomy, term } = siteTermOf(folder, newest);
  return termList(config, taxonomy, term);
}

/** The order a full build names terms in: by taxonomy, then slug. */
function compareTerms(a: SiteTerm, b: SiteTerm): number {
  return (
    TAXONOMIES.indexOf(a.taxonomy) - TAXONOMIES.indexOf(b.taxonomy) || compareText(a.term.slug, b.term.slug)
  );
}
