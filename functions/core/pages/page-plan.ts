import { describeCategory } from '../config/category-pages.ts';
import type { SiteConfig } from '../config/site-config.ts';
import { siteUrl } from '../posts/permalink.ts';
import type { Post, Term } from '../posts/post.ts';
import { byCategory } from '../site/catalogue.ts';
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
  /** Changes whenever anything about the post changes; a full build that keeps no signatures has none. */
  hash?: string;
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

/** Sitemap listing the home page and the category pages. */
export const LISTS_SITEMAP_KEY = 'sitemap-lists.xml';

/**
 * A list of posts with a home page and archive pages: the site's, or a category's.
 * The same for a full build and an incremental publish, so both write the same bytes.
 */
export interface PostList {
  /** `` or `categories/<slug>/`. */
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
 * A category's list, named as its newest post spells it, or as its `_index.md` says (see
 * {@link describeCategory}).
 */
export function categoryList(site: SiteConfig, category: Term): PostList {
  const text = describeCategory(site, category);
  return {
    folder: `categories/${category.slug}/`,
    heading: text.heading,
    description: text.description,
    feeds: [siteFeed(site), categoryFeed(site, category)],
    category,
    ...(text.written ? { intro: true } : {}),
  };
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

/**
 * The page of one post, from its entry and its neighbours in time.
 * @param newer - the next post in time, if any
 * @param older - the previous post in time, if any
 */
export function postPagePlan(
  site: SiteConfig,
  entry: PageEntry,
  newer: PageEntry | undefined,
  older: PageEntry | undefined,
): PlannedPage {
  const newerLink = link(newer);
  const olderLink = link(older);
  return {
    key: pageKey(entry.path),
    inputs: ['post', entry.hash ?? null, newerLink ?? null, olderLink ?? null],
    needs: [entry.source],
    render: (posts) => postPage(site, required(posts, entry.source), newerLink, olderLink),
  };
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
 * @param categories - the categories that have a published post, in slug order
 * @param newest - the site's newest posts, at least a page of them when it has that many
 */
export function feedsPagePlan(
  site: SiteConfig,
  categories: readonly Term[],
  newest: readonly PageEntry[],
): PlannedPage {
  const feedSets: FeedSet[] = [siteFeed(site), ...categories.map((category) => categoryFeed(site, category))];
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
  const urls = [
    LISTS_SITEMAP_KEY,
    ...Array.from({ length: postSitemaps }, (_, i) => postSitemapKey(i + 1)),
  ].map((key) => siteUrl(site, key));
  return { key: 'sitemap.xml', inputs: ['sitemap index', urls], needs: [], render: () => sitemapIndex(urls) };
}

/**
 * The sitemap of the home page and the category pages, each with the last change of its newest post.
 * @param newest - the site's newest post, if any
 * @param categories - each category with a published post, in slug order, and its newest post
 */
export function listsSitemapPlan(
  site: SiteConfig,
  newest: PageEntry | undefined,
  categories: readonly { category: Term; newest: PageEntry }[],
): PlannedPage {
  const urls = [
    { loc: site.baseUrl, ...(newest ? { lastmod: utc(newest.updated) } : {}) },
    ...categories.map(({ category, newest }) => ({
      loc: siteUrl(site, `categories/${category.slug}/`),
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
  published: readonly PageEntry[],
  digests: readonly ArchivedDigest[] = [],
): PlannedPage[] {
  if (!site.pages) return [];
  const pages: PlannedPage[] = published.map((entry, i) =>
    postPagePlan(site, entry, published[i - 1], published[i + 1]),
  );
  pages.push(...listPages(site, siteList(site), published));
  const categories = [...byCategory(published).values()];
  for (const { category, posts } of categories)
    pages.push(...listPages(site, categoryList(site, category), posts));
  pages.push(
    feedsPagePlan(
      site,
      categories.map(({ category }) => category),
      published,
    ),
  );
  pages.push(notFoundPagePlan(site));
  // The newsletter's archive, from the digests sent so far.
  if (site.newsletter) pages.push(...archivePages(site, digests));
  const sitemaps = published.length === 0 ? 0 : pageCount(published.length, SITEMAP_SIZE);
  pages.push(sitemapIndexPlan(site, sitemaps));
  pages.push(
    listsSitemapPlan(
      site,
      published[0],
      categories.flatMap(({ category, posts }) => (posts[0] ? [{ category, newest: posts[0] }] : [])),
    ),
  );
  for (let n = 1; n <= sitemaps; n++) {
    const { from, to } = pageRange(published.length, SITEMAP_SIZE, n);
    pages.push(postSitemapPlan(n, published.slice(from, to)));
  }
  return pages;
}

/** A home page (newest posts) and stable archive pages numbered from the oldest post. */
function listPages(site: SiteConfig, list: PostList, posts: readonly PageEntry[]): PlannedPage[] {
  const count = posts.length;
  const pages = [homePagePlan(site, list, posts, count)];
  for (let n = 1; n <= pageCount(count, site.pageSize); n++) {
    const { from, to } = pageRange(count, site.pageSize, n);
    pages.push(archivePagePlan(site, list, n, posts.slice(from, to), count));
  }
  return pages;
}

function archiveUrl(site: SiteConfig, list: PostList, n: number): string {
  return siteUrl(site, `${list.folder}page/${n}/`);
}

function siteFeed(site: SiteConfig): FeedSet {
  return { title: site.title, folder: '' };
}

function categoryFeed(site: SiteConfig, category: Term): FeedSet {
  return { title: `${site.title}: ${category.name}`, folder: `categories/${category.slug}/` };
}

function link(entry: PageEntry | undefined): Link | undefined {
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
