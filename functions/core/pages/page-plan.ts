import type { SiteConfig } from '../config/site-config.ts';
import { siteUrl } from '../posts/permalink.ts';
import type { Post, Term } from '../posts/post.ts';
import {
  byTerm,
  describeTerm,
  TAXONOMIES,
  type TermNames,
  termFolder,
  withTermNames,
} from '../site/taxonomies.ts';
import { aliasPage, planAliases } from './alias-pages.ts';
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
  tags: Term[];
  series?: Term[] | undefined;
  /** Old site paths that redirect to the post. */
  aliases?: string[] | undefined;
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
  entries: readonly PageEntry[],
  digests: readonly ArchivedDigest[] = [],
): PlannedPage[] {
  if (!site.pages) return [];
  // One name per term across the site (its newest post's spelling), on every page that shows it.
  const groups = new Map(TAXONOMIES.map((taxonomy) => [taxonomy, byTerm(entries, taxonomy)] as const));
  const names: TermNames = (taxonomy, slug) => groups.get(taxonomy)?.get(slug)?.term.name;
  const published = entries.map((entry) => withTermNames(entry, names));
  const link = (entry: PageEntry | undefined): Link | undefined =>
    entry ? { title: entry.title, url: entry.url } : undefined;
  const pages: PlannedPage[] = published.map((entry, i) => {
    const newer = link(published[i - 1]);
    const older = link(published[i + 1]);
    return {
      key: pageKey(entry.path),
      inputs: [
        'post',
        entry.hash,
        newer ?? null,
        older ?? null,
        entry.categories,
        entry.tags,
        entry.series ?? null,
      ],
      needs: [entry.source],
      render: (posts) => postPage(site, withTermNames(required(posts, entry.source), names), newer, older),
    };
  });
  // Redirects from old URLs: pages of their own, listed nowhere (not in the sitemap or lists).
  for (const redirect of planAliases(published).redirects) {
    const target = siteUrl(site, redirect.target);
    pages.push({
      key: pageKey(redirect.path),
      inputs: ['alias', target],
      needs: [],
      render: () => aliasPage(site, target),
    });
  }
  const siteFeed: FeedSet = { title: site.title, folder: '' };
  pages.push(
    ...listPages(site, '', site.title, site.description || `Posts from ${site.title}`, published, [siteFeed]),
  );
  // Every category, tag and series has its list pages and feeds, as Hugo's taxonomies have.
  const terms = TAXONOMIES.flatMap((taxonomy) =>
    [...byTerm(published, taxonomy).values()].map(({ term, posts }) => ({
      taxonomy,
      term,
      posts,
      folder: termFolder(taxonomy, term.slug),
    })),
  );
  for (const { taxonomy, term, posts, folder } of terms) {
    const feeds = [siteFeed, { title: `${site.title}: ${term.name}`, folder }];
    const text = describeTerm(site, taxonomy, term);
    pages.push(
      ...listPages(
        site,
        folder,
        text.heading,
        text.description,
        posts,
        feeds,
        taxonomy === 'categories' ? term : undefined,
        text.written,
      ),
    );
  }
  const feedSets: FeedSet[] = [
    siteFeed,
    ...terms.map(({ term, folder }) => ({ title: `${site.title}: ${term.name}`, folder })),
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
    ...terms.map(({ folder, posts }) => ({
      loc: siteUrl(site, folder),
      ...(posts[0] ? { lastmod: utc(posts[0].updated) } : {}),
    })),
    ...published.map((entry) => ({ loc: entry.url, lastmod: utc(entry.updated) })),
  ];
  pages.push({ key: 'sitemap.xml', inputs: ['sitemap', urls], needs: [], render: () => sitemap(urls) });
  return pages;
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
  /** The description is the author's (a category's `_index.md`): shown under the heading. */
  intro = false,
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
        ...(intro ? { intro: description } : {}),
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
