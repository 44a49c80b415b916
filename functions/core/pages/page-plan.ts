import type { TranslationLink } from '../config/language-site.ts';
import type { SiteConfig } from '../config/site-config.ts';
import { siteUrl } from '../posts/permalink.ts';
import type { Post, Term } from '../posts/post.ts';
import {
  byTerm,
  describeTerm,
  TAXONOMIES,
  type Taxonomy,
  type TermNames,
  termFolder,
  termsOf,
  withTermNames,
} from '../site/taxonomies.ts';
import { type AliasSource, aliasPage, planAliases } from './alias-pages.ts';
import { type ArchivedDigest, archivePages } from './newsletter-archive.ts';
import {
  type FeedSet,
  feedsPage,
  type Link,
  type ListItem,
  listPage,
  notFoundPage,
  postPage,
  sitemap,
  sitemapIndex,
} from './templates.ts';

/** What pages need of a published post without its body. */
export interface PageEntry {
  source: string;
  path: string;
  url: string;
  title: string;
  summary: string;
  /** ISO 8601. */
  published: string;
  updated: string;
  categories: Term[];
  tags: Term[];
  series?: Term[] | undefined;
  /** Old site paths that redirect to the post. */
  aliases?: string[] | undefined;
  /** Changes whenever anything about the post changes; a full build that keeps no signatures has none. */
  hash?: string;
  /** On a multi-language site: the post's translations in the site's other languages, if any. */
  translations?: TranslationLink[] | undefined;
}

/** One page of the site: where it goes, what it depends on, and how to render it. */
export interface PlannedPage {
  /** Key in the site bucket, e.g. `posts/hello/index.html`. */
  key: string;
  /** Everything the page's bytes depend on, besides the site configuration. */
  inputs: unknown;
  /** Posts whose full record (body) the page needs. */
  needs: string[];
  render(posts: ReadonlyMap<string, Post>): string;
  /**
   * On a post's page: what renders it besides the post itself, so that it can be rendered where the
   * post's body is (a worker thread), and only the page's HTML comes back.
   */
  post?: { source: string; page: PostPageJob };
}

/** What a post's page shows besides the post: its neighbours, and its terms as the site names them. */
export interface PostPageJob {
  newer?: Link | undefined;
  older?: Link | undefined;
  /** The post's terms from its entry (see withTermNames): the site's one name per term. */
  terms: Pick<PageEntry, 'categories' | 'tags' | 'series'>;
  /** Its translations (see PageEntry), linked as `hreflang` alternates. */
  translations?: TranslationLink[] | undefined;
}

/**
 * A post's page from its rendered record and its {@link PostPageJob}: the same bytes wherever it runs.
 * @param post - the post with its rendered body
 */
export function renderPostPage(site: SiteConfig, post: Post, page: PostPageJob): string {
  return postPage(site, namedAs(post, page.terms), page.newer, page.older, page.translations);
}

/** The bucket key of a page at a site-relative path: `/posts/a/` -> `posts/a/index.html`. */
export function pageKey(path: string): string {
  const key = path.replace(/^\/+/, '');
  return key === '' || key.endsWith('/') ? `${key}index.html` : key;
}

/** Posts a sitemap of posts holds: sitemaps are numbered from the oldest post, like archive pages. */
export const SITEMAP_SIZE = 1000;

/** The key of the sitemap of posts number `n` (from 1, oldest posts first). */
export function postSitemapKey(n: number): string {
  return `sitemap-posts-${n}.xml`;
}

/** Sitemap listing the home page and the pages of every category, tag and series. */
export const LISTS_SITEMAP_KEY = 'sitemap-lists.xml';

/**
 * A list of posts with a home page and archive pages: the site's, or a category's, tag's or series'.
 * The same for a full build and an incremental publish, so both write the same bytes.
 */
export interface PostList {
  /** `` or `<taxonomy>/<slug>/`. */
  folder: string;
  heading: string;
  description: string;
  /** The feeds this list mirrors. */
  feeds: FeedSet[];
  category?: Term;
  /** The description is the author's (a category's `_index.md`): the home page shows it under the heading. */
  intro?: boolean;
}

/** The site's list: every published post. */
export function siteList(site: SiteConfig): PostList {
  return {
    folder: '',
    heading: site.title,
    description: site.description || `Posts from ${site.title}`,
    feeds: [siteFeed(site)],
  };
}

/**
 * A term's list (category, tag or series), named as its newest post spells it, or as a category's
 * `_index.md` says (see {@link describeTerm}).
 */
export function termList(site: SiteConfig, taxonomy: Taxonomy, term: Term): PostList {
  const text = describeTerm(site, taxonomy, term);
  return {
    folder: termFolder(taxonomy, term.slug),
    heading: text.heading,
    description: text.description,
    feeds: [siteFeed(site), termFeed(site, taxonomy, term)],
    ...(taxonomy === 'categories' ? { category: term } : {}),
    ...(text.written ? { intro: true } : {}),
  };
}

/** A term of the site with its taxonomy: what the feeds page and the lists sitemap name. */
export interface SiteTerm {
  taxonomy: Taxonomy;
  term: Term;
}

/** How many archive (or sitemap) pages `count` posts fill at `size` a page; an empty list has one. */
export function pageCount(count: number, size: number): number {
  return Math.max(1, Math.ceil(count / size));
}

/**
 * Where page `n` of a list numbered from the oldest post starts and ends, as indexes into the list
 * newest first: page 1 holds the oldest posts, the last page the newest (and fewer when not full).
 */
export function pageRange(count: number, size: number, n: number): { from: number; to: number } {
  return { from: Math.max(0, count - n * size), to: Math.max(0, count - (n - 1) * size) };
}

/** The page a post is on, by its position counted from the oldest post (0 for the oldest). */
export function pageOfPosition(position: number, size: number): number {
  return Math.floor(position / size) + 1;
}

/** What a post's page shows of a neighbour: a fan-out rebuild's shards know no more of it. */
export type Neighbour = Pick<PageEntry, 'title' | 'url'>;

/**
 * The page of one post, from its entry and its neighbours in time.
 * @param entry - with its terms named as the site names them (see withTermNames)
 * @param newer - the next post in time, if any
 * @param older - the previous post in time, if any
 */
export function postPagePlan(
  site: SiteConfig,
  entry: PageEntry,
  newer: Neighbour | undefined,
  older: Neighbour | undefined,
): PlannedPage {
  const newerLink = link(newer);
  const olderLink = link(older);
  const page: PostPageJob = {
    newer: newerLink,
    older: olderLink,
    terms: { categories: entry.categories, tags: entry.tags, series: entry.series },
    ...(entry.translations?.length ? { translations: entry.translations } : {}),
  };
  return {
    key: pageKey(entry.path),
    inputs: [
      'post',
      entry.hash ?? null,
      newerLink ?? null,
      olderLink ?? null,
      entry.categories,
      entry.tags,
      entry.series ?? null,
      // Only on pages that have translations: other pages keep the signatures they had.
      ...(page.translations ? [page.translations] : []),
    ],
    needs: [entry.source],
    render: (posts) => renderPostPage(site, required(posts, entry.source), page),
    post: { source: entry.source, page },
  };
}

/**
 * The redirect pages of old URLs: pages of their own, listed nowhere (not in the sitemap or lists).
 * @param published - every published post (or, for one alias file, the posts claiming it and the
 *   post whose own page is there)
 */
export function aliasPagePlans(site: SiteConfig, published: readonly AliasSource[]): PlannedPage[] {
  return planAliases(published).redirects.map((redirect) => {
    const target = siteUrl(site, redirect.target);
    return {
      key: pageKey(redirect.path),
      inputs: ['alias', target],
      needs: [],
      render: () => aliasPage(site, target),
    };
  });
}

/**
 * The home page of a list: its newest posts and a link to the archive page after them.
 * @param newest - the list's newest posts, at least a page of them when it has that many
 * @param count - how many posts the list has
 */
export function homePagePlan(
  site: SiteConfig,
  list: PostList,
  newest: readonly PageEntry[],
  count: number,
): PlannedPage {
  const size = site.pageSize;
  const items = newest.slice(0, size).map(listItem);
  const older =
    count > size
      ? { title: 'Older posts', url: archiveUrl(site, list, pageOfPosition(count - 1 - size, size)) }
      : undefined;
  const { folder, heading, description, feeds, category } = list;
  return {
    key: pageKey(`/${folder}`),
    inputs: ['home', heading, items, older ?? null],
    needs: [],
    render: () =>
      listPage(site, {
        heading,
        description,
        path: `/${folder}`,
        items,
        ...(older ? { older } : {}),
        feeds,
        ...(category ? { category } : {}),
        ...(list.intro ? { intro: description } : {}),
      }),
  };
}

/**
 * Archive page `n` of a list, numbered from the oldest post so that a new post changes only the
 * newest page. Its title says which page it is, not how many there are: that would change them all.
 * @param items - the page's posts, newest first (see {@link pageRange})
 * @param count - how many posts the list has
 */
export function archivePagePlan(
  site: SiteConfig,
  list: PostList,
  n: number,
  items: readonly PageEntry[],
  count: number,
): PlannedPage {
  const last = pageCount(count, site.pageSize);
  const { folder, heading, description, feeds, category } = list;
  const shown = items.map(listItem);
  const newer =
    n < last
      ? { title: 'Newer posts', url: archiveUrl(site, list, n + 1) }
      : { title: 'Newest posts', url: siteUrl(site, folder === '' ? '/' : folder) };
  const older = n > 1 ? { title: 'Older posts', url: archiveUrl(site, list, n - 1) } : undefined;
  const title = `${heading}: page ${n}`;
  return {
    key: `${folder}page/${n}/index.html`,
    inputs: ['archive', title, shown, newer, older ?? null],
    needs: [],
    render: () =>
      listPage(site, {
        heading: title,
        description,
        path: `/${folder}page/${n}/`,
        items: shown,
        newer,
        ...(older ? { older } : {}),
        feeds,
        ...(category ? { category } : {}),
      }),
  };
}

/**
 * The page explaining feeds, with every feed of the site and the newest posts.
 * @param terms - the terms that have a published post, by taxonomy (in {@link TAXONOMIES} order)
 *   then slug
 * @param newest - the site's newest posts, at least a page of them when it has that many
 */
export function feedsPagePlan(
  site: SiteConfig,
  terms: readonly SiteTerm[],
  newest: readonly PageEntry[],
): PlannedPage {
  const feedSets: FeedSet[] = [
    siteFeed(site),
    ...terms.map(({ taxonomy, term }) => termFeed(site, taxonomy, term)),
  ];
  const latest = newest.slice(0, site.pageSize).map(listItem);
  return {
    key: 'feeds/index.html',
    inputs: ['feeds', feedSets, latest],
    needs: [],
    render: () => feedsPage(site, feedSets, latest),
  };
}

/** The page served for a missing path. */
export function notFoundPagePlan(site: SiteConfig): PlannedPage {
  return { key: '404.html', inputs: ['404'], needs: [], render: () => notFoundPage(site) };
}

/**
 * `sitemap.xml`: an index of the sitemap of lists and the fixed-size sitemaps of posts, so that a new
 * post rewrites one small sitemap, not one that lists the whole site.
 * @param postSitemaps - how many sitemaps of posts there are
 */
export function sitemapIndexPlan(site: SiteConfig, postSitemaps: number): PlannedPage {
  const urls = sitemapFiles(postSitemaps).map((key) => siteUrl(site, key));
  return { key: 'sitemap.xml', inputs: ['sitemap index', urls], needs: [], render: () => sitemapIndex(urls) };
}

/** A language's sitemaps: that of its lists, then those of its posts. */
function sitemapFiles(postSitemaps: number): string[] {
  return [LISTS_SITEMAP_KEY, ...Array.from({ length: postSitemaps }, (_, i) => postSitemapKey(i + 1))];
}

/** The sitemaps of posts a list of this many published posts has. */
export function postSitemapCount(posts: number): number {
  return posts === 0 ? 0 : pageCount(posts, SITEMAP_SIZE);
}

/**
 * The root `sitemap.xml` of a multi-language site: the site's own sitemaps, then each other
 * language's (`ja/sitemap-lists.xml`, `ja/sitemap-posts-1.xml`…), as Hugo's root sitemap names
 * every language's. Their sitemaps, not their `ja/sitemap.xml`: an index may not list an index.
 * @param site - the site's own configuration
 * @param languages - every language the site publishes, the site's own first, with its published posts
 */
export function languagesSitemapIndex(
  site: SiteConfig,
  languages: readonly { code: string; posts: number }[],
): string {
  const home = site.defaultLanguage ?? site.language;
  const urls = languages.flatMap(({ code, posts }) =>
    sitemapFiles(postSitemapCount(posts)).map((key) => siteUrl(site, code === home ? key : `${code}/${key}`)),
  );
  return sitemapIndex(urls);
}

/**
 * The sitemap of the home page and the pages of every term, each with the last change of its newest
 * post.
 * @param newest - the site's newest post, if any
 * @param terms - each term with a published post, in {@link feedsPagePlan} order, and its newest post
 */
export function listsSitemapPlan(
  site: SiteConfig,
  newest: PageEntry | undefined,
  terms: readonly (SiteTerm & { newest: PageEntry })[],
): PlannedPage {
  const urls = [
    { loc: site.baseUrl, ...(newest ? { lastmod: utc(newest.updated) } : {}) },
    ...terms.map(({ taxonomy, term, newest }) => ({
      loc: siteUrl(site, termFolder(taxonomy, term.slug)),
      lastmod: utc(newest.updated),
    })),
  ];
  return { key: LISTS_SITEMAP_KEY, inputs: ['sitemap', urls], needs: [], render: () => sitemap(urls) };
}

/**
 * Sitemap of posts number `n`, numbered from the oldest post like archive pages.
 * @param entries - its posts, newest first (see {@link pageRange} with {@link SITEMAP_SIZE})
 */
export function postSitemapPlan(n: number, entries: readonly PageEntry[]): PlannedPage {
  const urls = entries.map((entry) => ({ loc: entry.url, lastmod: utc(entry.updated) }));
  return { key: postSitemapKey(n), inputs: ['sitemap', urls], needs: [], render: () => sitemap(urls) };
}

/**
 * Every page of the site. List pages are numbered from the oldest post (`page/1/` holds the first
 * posts ever published), so a new post changes the newest page and the home page, not all of them.
 * @param published - published posts, newest first
 */
export function planPages(
  site: SiteConfig,
  entries: readonly PageEntry[],
  digests: readonly ArchivedDigest[] = [],
): PlannedPage[] {
  const streams = pageStreams(site, entries, digests);
  return [...streams.posts(), ...streams.others()];
}

/**
 * The pages of {@link planPages}, planned as they are taken rather than all at once: a full build
 * writes a batch and drops it, where the whole plan of a 100,000-post site (every page's list items,
 * links and inputs) was a large part of its memory.
 */
export interface PageStreams {
  /** How many pages {@link PageStreams.posts} yields: one per published post. */
  postCount: number;
  /** Each post's page, newest post first. */
  posts(): Generator<PlannedPage>;
  /** Every other page (redirects, lists, the feeds page, 404, the newsletter's archive, sitemaps). */
  others(): Generator<PlannedPage>;
}

/**
 * Every page of the site as two streams, each planned as it is iterated (see {@link planPages}).
 * @param entries - published posts, newest first; they must not change while the streams are read
 */
export function pageStreams(
  site: SiteConfig,
  entries: readonly PageEntry[],
  digests: readonly ArchivedDigest[] = [],
): PageStreams {
  if (!site.pages) return { postCount: 0, posts: nothing, others: nothing };
  // One name per term across the site (its newest post's spelling), on every page that shows it.
  const groups = new Map(TAXONOMIES.map((taxonomy) => [taxonomy, byTerm(entries, taxonomy)] as const));
  const names: TermNames = (taxonomy, slug) => groups.get(taxonomy)?.get(slug)?.term.name;
  // Entries are named as a page takes them: a named copy of every entry lived as long as the plan.
  const named = (list: readonly PageEntry[]) => list.map((entry) => withTermNames(entry, names));
  // Every category, tag and series has its list pages and feeds, as Hugo's taxonomies have. A
  // group's term is its newest post's: the name every page shows.
  const terms = TAXONOMIES.flatMap((taxonomy) =>
    [...(groups.get(taxonomy)?.values() ?? [])].map(({ term, posts }) => ({ taxonomy, term, posts })),
  );
  return {
    postCount: entries.length,
    *posts() {
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i] as PageEntry;
        // Neighbours show only their titles and URLs: no names needed.
        yield postPagePlan(site, withTermNames(entry, names), entries[i - 1], entries[i + 1]);
      }
    },
    *others() {
      yield* aliasPagePlans(site, entries);
      yield* listPages(site, siteList(site), entries, named);
      for (const { taxonomy, term, posts } of terms)
        yield* listPages(site, termList(site, taxonomy, term), posts, named);
      yield feedsPagePlan(site, terms, named(entries.slice(0, site.pageSize)));
      yield notFoundPagePlan(site);
      // The newsletter's archive, from the digests sent so far.
      if (site.newsletter) yield* archivePages(site, digests);
      const sitemaps = postSitemapCount(entries.length);
      yield sitemapIndexPlan(site, sitemaps);
      yield listsSitemapPlan(
        site,
        entries[0],
        terms.flatMap(({ taxonomy, term, posts }) =>
          posts[0] ? [{ taxonomy, term, newest: posts[0] }] : [],
        ),
      );
      for (let n = 1; n <= sitemaps; n++) {
        const { from, to } = pageRange(entries.length, SITEMAP_SIZE, n);
        yield postSitemapPlan(n, entries.slice(from, to));
      }
    },
  };
}

function* nothing(): Generator<PlannedPage> {}

/**
 * A home page (newest posts) and stable archive pages numbered from the oldest post.
 * @param named - the entries of one page with their terms named as the site names them
 */
function* listPages(
  site: SiteConfig,
  list: PostList,
  posts: readonly PageEntry[],
  named: (entries: readonly PageEntry[]) => PageEntry[],
): Generator<PlannedPage> {
  const count = posts.length;
  yield homePagePlan(site, list, named(posts.slice(0, site.pageSize)), count);
  for (let n = 1; n <= pageCount(count, site.pageSize); n++) {
    const { from, to } = pageRange(count, site.pageSize, n);
    yield archivePagePlan(site, list, n, named(posts.slice(from, to)), count);
  }
}

function archiveUrl(site: SiteConfig, list: PostList, n: number): string {
  return siteUrl(site, `${list.folder}page/${n}/`);
}

function siteFeed(site: SiteConfig): FeedSet {
  return { title: site.title, folder: '' };
}

function termFeed(site: SiteConfig, taxonomy: Taxonomy, term: Term): FeedSet {
  return { title: `${site.title}: ${term.name}`, folder: termFolder(taxonomy, term.slug) };
}

/** A post's record with its terms named as its entry names them (the site's one name per term). */
function namedAs(post: Post, entry: PostPageJob['terms']): Post {
  const names: TermNames = (taxonomy, slug) => termsOf(entry, taxonomy).find((t) => t.slug === slug)?.name;
  return withTermNames(post, names);
}

function link(entry: Neighbour | undefined): Link | undefined {
  return entry ? { title: entry.title, url: entry.url } : undefined;
}

function utc(iso: string): string {
  return new Date(iso).toISOString();
}

function listItem(entry: PageEntry): ListItem {
  return {
    title: entry.title,
    url: entry.url,
    published: entry.published,
    summary: entry.summary,
    categories: entry.categories,
  };
}

function required(posts: ReadonlyMap<string, Post>, source: string): Post {
  const post = posts.get(source);
  if (post === undefined) throw new Error(`internal: ${source} has a page but was not loaded`);
  return post;
}
