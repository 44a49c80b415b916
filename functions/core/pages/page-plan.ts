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
  /** Changes whenever anything about the post changes. */
  hash: string;
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
  const link = (entry: PageEntry | undefined): Link | undefined =>
    entry ? { title: entry.title, url: entry.url } : undefined;
  const pages: PlannedPage[] = published.map((entry, i) =>
    postPagePlan(site, entry, link(published[i - 1]), link(published[i + 1])),
  );
  const siteFeed: FeedSet = { title: site.title, folder: '' };
  pages.push(
    ...listPages(site, '', site.title, site.description || `Posts from ${site.title}`, published, [siteFeed]),
  );
  const categories = [...byCategory(published).values()];
  for (const { category, posts } of categories) {
    const feeds = [
      siteFeed,
      { title: `${site.title}: ${category.name}`, folder: `categories/${category.slug}/` },
    ];
    pages.push(
      ...listPages(
        site,
        `categories/${category.slug}/`,
        category.name,
        `Posts in ${category.name} from ${site.title}`,
        posts,
        feeds,
        category,
      ),
    );
  }
  const feedSets: FeedSet[] = [
    siteFeed,
    ...categories.map(({ category }) => ({
      title: `${site.title}: ${category.name}`,
      folder: `categories/${category.slug}/`,
    })),
  ];
  const latest = published.slice(0, site.pageSize).map(listItem);
  pages.push({
    key: 'feeds/index.html',
    inputs: ['feeds', feedSets, latest],
    needs: [],
    render: () => feedsPage(site, feedSets, latest),
  });
  pages.push({ key: '404.html', inputs: ['404'], needs: [], render: () => notFoundPage(site) });
  // The newsletter's archive, from the digests sent so far.
  if (site.newsletter) pages.push(...archivePages(site, digests));
  const urls = [
    { loc: site.baseUrl, ...(published[0] ? { lastmod: utc(published[0].updated) } : {}) },
    ...categories.map(({ category, posts }) => ({
      loc: siteUrl(site, `categories/${category.slug}/`),
      ...(posts[0] ? { lastmod: utc(posts[0].updated) } : {}),
    })),
    ...published.map((entry) => ({ loc: entry.url, lastmod: utc(entry.updated) })),
  ];
  pages.push({ key: 'sitemap.xml', inputs: ['sitemap', urls], needs: [], render: () => sitemap(urls) });
  return pages;
}

/**
 * A post's page: the post and links to its neighbours in the order of published posts. Planned on
 * its own by the shards of a fan-out rebuild, which know a post's neighbours but not every post.
 * @param newer - the next newer published post, if any
 * @param older - the next older published post, if any
 */
export function postPagePlan(
  site: SiteConfig,
  entry: Pick<PageEntry, 'source' | 'path' | 'hash'>,
  newer: Link | undefined,
  older: Link | undefined,
): PlannedPage {
  return {
    key: pageKey(entry.path),
    inputs: ['post', entry.hash, newer ?? null, older ?? null],
    needs: [entry.source],
    render: (posts) => postPage(site, required(posts, entry.source), newer, older),
  };
}

/** A home page (newest posts) and stable archive pages numbered from the oldest post. */
function listPages(
  site: SiteConfig,
  folder: string,
  heading: string,
  description: string,
  posts: readonly PageEntry[],
  feeds: FeedSet[],
  category?: Term,
): PlannedPage[] {
  const size = site.pageSize;
  const count = posts.length;
  const last = Math.max(1, Math.ceil(count / size));
  const archiveUrl = (n: number): string => siteUrl(site, `${folder}page/${n}/`);
  /** Archive page holding the post at `index` (newest first). */
  const pageOf = (index: number): number => Math.floor((count - 1 - index) / size) + 1;
  const home = siteUrl(site, folder === '' ? '/' : folder);
  const pages: PlannedPage[] = [];
  const homeItems = posts.slice(0, size).map(listItem);
  const homeOlder = count > size ? { title: 'Older posts', url: archiveUrl(pageOf(size)) } : undefined;
  pages.push({
    key: pageKey(`/${folder}`),
    inputs: ['home', heading, homeItems, homeOlder ?? null],
    needs: [],
    render: () =>
      listPage(site, {
        heading,
        description,
        path: `/${folder}`,
        items: homeItems,
        ...(homeOlder ? { older: homeOlder } : {}),
        feeds,
        ...(category ? { category } : {}),
      }),
  });
  for (let n = 1; n <= last; n++) {
    // Page n holds the posts of rank (n-1)*size to n*size-1, counting from the oldest.
    const from = Math.max(0, count - n * size);
    const to = count - (n - 1) * size;
    const items = posts.slice(from, to).map(listItem);
    const newer =
      n < last ? { title: 'Newer posts', url: archiveUrl(n + 1) } : { title: 'Newest posts', url: home };
    const older = n > 1 ? { title: 'Older posts', url: archiveUrl(n - 1) } : undefined;
    const title = `${heading}: page ${n} of ${last}`;
    pages.push({
      key: `${folder}page/${n}/index.html`,
      inputs: ['archive', title, items, newer, older ?? null],
      needs: [],
      render: () =>
        listPage(site, {
          heading: title,
          description,
          path: `/${folder}page/${n}/`,
          items,
          newer,
          ...(older ? { older } : {}),
          feeds,
          ...(category ? { category } : {}),
        }),
    });
  }
  return pages;
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
