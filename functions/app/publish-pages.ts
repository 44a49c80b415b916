import type { SiteConfig } from '../core/config/site-config.ts';
import { archivePages } from '../core/pages/newsletter-archive.ts';
import {
  archivePagePlan,
  categoryList,
  feedsPagePlan,
  homePagePlan,
  listsSitemapPlan,
  type PageEntry,
  type PlannedPage,
  pageCount,
  pageKey,
  pageOfPosition,
  pageRange,
  planPages,
  postPagePlan,
  postSitemapKey,
  postSitemapPlan,
  SITEMAP_SIZE,
  siteList,
  sitemapIndexPlan,
} from '../core/pages/page-plan.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import type { Term } from '../core/posts/post.ts';
import { compareText } from '../core/site/order.ts';
import { compareEntries, type PostEntry } from '../core/site/post-entry.ts';
import { toSlug } from '../core/text/slug.ts';
import { mapLimit } from './map-limit.ts';
import { readArchive } from './newsletter/digest-archive.ts';
import { type ListChanges, PageIndex, type PageRow } from './post-index/page-index.ts';
import { loadRecords } from './publish-outputs.ts';
import type { PublishRun } from './publish-run.ts';
import { writePages } from './write-pages.ts';

// The pages of a publish run. A full run writes them all and the page index with them; an incremental
// run updates the page index with the posts it changed and writes only the pages that show them: what
// it costs depends on what changed, not on how many posts the site has.

const IO_CONCURRENCY = 16;

/** Pages a full run owns in the site bucket, so that those of posts and categories that are gone go. */
const PAGE_KEY = /\.html$|^sitemap(-[a-z0-9-]+)?\.xml$|^newsletter\/atom\.xml$/;

/**
 * Writes the pages this run changed (all of them when `force`) and removes those of posts and
 * categories that are gone.
 * @param keep - on a full run, keys of the site bucket that are not pages though they look like one
 *   (static files): every other page not written is removed
 * @returns keys written or removed
 */
export async function publishPages(
  run: PublishRun,
  force: boolean,
  keep: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const { config, index, deps } = run;
  if (!config.pages) return force ? await removeStalePages(run, new Set(), keep) : [];
  const pages = force ? undefined : await PageIndex.open(deps.state, index.head.configHash);
  if (pages === undefined) {
    const written = await writeAllPages(run);
    // A first incremental run with pages (state from an older Herald) knows no static files: it
    // rewrites every page and leaves the rest as it is.
    return force ? [...written, ...(await removeStalePages(run, new Set(written), keep))] : written;
  }

  const changed = await index.pageChanges(run.now);
  await pages.apply(changed.map(({ source, entry }) => ({ source, row: entry && rowOf(entry) })));
  const toEntry = pageEntries(config);
  const plan: PlannedPage[] = [];
  const removed = new Set<string>();
  for (const [source, key] of pages.postsToWrite()) {
    const rank = await pages.rankOf('', key, source);
    if (rank === undefined) continue;
    const around = await pages.rows('', Math.max(0, rank - 1), rank + 2);
    const at = rank === 0 ? 0 : 1;
    const [newer, self, older] = [around[at - 1], around[at] as PageRow, around[at + 1]];
    plan.push(postPagePlan(config, toEntry(self), newer && toEntry(newer), older && toEntry(older)));
  }
  for (const path of pages.removedPaths) removed.add(pageKey(path));

  for (const [folder, changes] of pages.changes) {
    const count = pages.count(folder);
    const size = config.pageSize;
    const pagesBefore = changes.countBefore === undefined ? 0 : pageCount(changes.countBefore, size);
    if (count === 0 && folder !== '') {
      removed.add(pageKey(`/${folder}`));
      for (let n = 1; n <= pagesBefore; n++) removed.add(`${folder}page/${n}/index.html`);
      continue;
    }
    const newest = await pages.rows(folder, 0, size);
    const list = folder === '' ? siteList(config) : categoryList(config, termOf(toEntry, folder, newest[0]));
    plan.push(homePagePlan(config, list, newest.map(toEntry), count));
    const renamed =
      list.category !== undefined &&
      changes.newestBefore !== undefined &&
      termOf(toEntry, folder, changes.newestBefore).name !== list.category.name;
    const last = pageCount(count, size);
    for (const n of changedPages(changes, count, size, renamed ? 0 : pagesBefore)) {
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
    // The feeds page and the sitemap of lists name every category and the newest posts: small,
    // and written whenever a list changed.
    const categories = pages
      .folders()
      .filter((folder) => folder !== '')
      .map((folder) => {
        const newest = pages.newest(folder) as PageRow;
        return { category: termOf(toEntry, folder, newest), newest: toEntry(newest) };
      })
      .sort((a, b) => compareText(a.category.slug, b.category.slug));
    const newestSite = (await pages.rows('', 0, config.pageSize)).map(toEntry);
    plan.push(
      feedsPagePlan(
        config,
        categories.map((c) => c.category),
        newestSite,
      ),
    );
    plan.push(listsSitemapPlan(config, newestSite[0], categories));
  }

  const result = await writePages(
    deps.output,
    plan,
    index.head.configHash,
    undefined,
    (sources) => loadRecords(run, sources),
    true,
  );
  const written = new Set(result.written);
  const gone = [...removed].filter((key) => !written.has(key));
  await mapLimit(gone, IO_CONCURRENCY, (key) => deps.output.delete(key));
  const archive = await writeNewsletterArchive(run, pages.signatures);
  pages.signatures = archive.signatures;
  await pages.save();
  return [...result.written, ...gone, ...archive.written, ...archive.removed];
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

/** Every page, from every published post, and the page index written anew. */
async function writeAllPages(run: PublishRun): Promise<string[]> {
  const { config, index, deps } = run;
  const now = run.now.getTime();
  const published = (await index.allOwners())
    .filter((e) => Date.parse(e.published) <= now)
    .sort(compareEntries);
  const pages = await PageIndex.write(deps.state, index.head.configHash, published.map(rowOf));
  const toEntry = pageEntries(config);
  const plan = planPages(config, published.map(toEntry)).filter(
    (page) => !page.key.startsWith('newsletter/'),
  );
  const result = await writePages(
    deps.output,
    plan,
    index.head.configHash,
    undefined,
    (sources) => loadRecords(run, sources),
    true,
  );
  const archive = await writeNewsletterArchive(run, {}, true);
  pages.signatures = archive.signatures;
  await pages.save();
  return [...result.written, ...archive.written];
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
  const { config, deps, index } = run;
  const plan = config.newsletter ? archivePages(config, await readArchive(deps.state)) : [];
  return writePages(
    deps.output,
    plan,
    index.head.configHash,
    previous,
    (sources) => loadRecords(run, sources),
    force,
  );
}

/** On a full run: removes pages of the site bucket that were not written and are not to be kept. */
async function removeStalePages(
  run: PublishRun,
  written: ReadonlySet<string>,
  keep: ReadonlySet<string>,
): Promise<string[]> {
  const stale: string[] = [];
  for await (const info of run.deps.output.list(''))
    if (PAGE_KEY.test(info.key) && !written.has(info.key) && !keep.has(info.key)) stale.push(info.key);
  await mapLimit(stale, IO_CONCURRENCY, (key) => run.deps.output.delete(key));
  return stale;
}

function rowOf(entry: PostEntry): PageRow {
  const { image: _image, imageSize: _size, ...row } = entry;
  return row;
}

/** Turns rows into what page templates take, naming each category once per run. */
function pageEntries(config: SiteConfig): (row: PageRow) => PageEntry {
  const terms = new Map<string, Term>();
  const term = (name: string): Term => {
    const found = terms.get(name) ?? { name, slug: toSlug(name) };
    terms.set(name, found);
    return found;
  };
  return (row) => ({
    source: row.source,
    path: row.path,
    url: siteUrl(config, row.path),
    title: row.title,
    summary: row.summary,
    published: row.published,
    updated: row.updated,
    categories: [...new Map((row.categories ?? []).map((name) => [toSlug(name), term(name)])).values()],
    hash: row.hash,
  });
}

/** A category as its list names it: as its newest post spells it. */
function termOf(toEntry: (row: PageRow) => PageEntry, folder: string, newest: PageRow | undefined): Term {
  const slug = folder.slice('categories/'.length, -1);
  const found = newest === undefined ? undefined : toEntry(newest).categories.find((c) => c.slug === slug);
  return found ?? { name: slug, slug };
}
