import type { Person, SiteConfig } from '../config/site-config.ts';
import { siteUrl } from '../posts/permalink.ts';
import type { Post, Term } from '../posts/post.ts';
import { describeTerm, type Taxonomy, termFolder } from '../site/taxonomies.ts';

/** The three formats Herald writes for every feed, with their file names and media types. */
export const FEED_FORMATS = {
  rss: { file: 'rss.xml', contentType: 'application/rss+xml; charset=utf-8' },
  atom: { file: 'atom.xml', contentType: 'application/atom+xml; charset=utf-8' },
  json: { file: 'feed.json', contentType: 'application/feed+json; charset=utf-8' },
} as const;

export type FeedFormat = keyof typeof FEED_FORMATS;

/** Which posts a feed carries: the whole site, or one category, tag or series. */
export type FeedScope = { kind: 'site' } | { kind: 'term'; taxonomy: Taxonomy; term: Term };

/** An item's image, with its size when Herald publishes the file itself. */
export interface FeedImage {
  url: string;
  /** Bytes; known only for images under `static/`. */
  length?: number;
}

/** One feed, independent of format: what every serializer receives. */
export interface FeedModel {
  title: string;
  description: string;
  homeUrl: string;
  /** Folder of the feed's files relative to the site root: `` or `<taxonomy>/<slug>/`. */
  folder: string;
  urls: Record<FeedFormat, string>;
  language: string;
  /** Newest `updated` of the items: a feed built twice from the same posts is byte-identical. */
  updated: Date;
  author: Person;
  /** WebSub hub readers may subscribe through. */
  hub?: string;
  items: FeedItem[];
}

export interface FeedItem {
  url: string;
  title: string;
  summary: string;
  contentHtml: string;
  published: Date;
  updated: Date;
  authors: Person[];
  categories: Term[];
  tags: Term[];
  image?: FeedImage;
}

/**
 * Builds the model of one feed from the site's published posts.
 * @param site - site configuration
 * @param scope - whole site or one category
 * @param posts - published posts in scope, newest first; only the first `site.feedLimit` are used
 * @param imageSizes - byte sizes of images the site publishes itself, by absolute URL
 */
export function buildFeedModel(
  site: SiteConfig,
  scope: FeedScope,
  posts: readonly Post[],
  imageSizes: ReadonlyMap<string, number> = new Map(),
): FeedModel {
  const folder = feedFolder(scope);
  const items = posts.slice(0, site.feedLimit).map((post) => toItem(post, imageSizes));
  const updated = new Date(Math.max(0, ...items.map((item) => item.updated.getTime())));
  return {
    title: scope.kind === 'site' ? site.title : `${site.title}: ${scope.term.name}`,
    description:
      scope.kind === 'site'
        ? site.description || site.title
        : describeTerm(site, scope.taxonomy, scope.term).description,
    homeUrl: site.baseUrl,
    folder,
    urls: {
      rss: siteUrl(site, `${folder}${FEED_FORMATS.rss.file}`),
      atom: siteUrl(site, `${folder}${FEED_FORMATS.atom.file}`),
      json: siteUrl(site, `${folder}${FEED_FORMATS.json.file}`),
    },
    language: site.language,
    updated,
    author: site.author,
    ...(site.websubHub ? { hub: site.websubHub } : {}),
    items,
  };
}

/** Folder of a scope's feeds relative to the site root. */
export function feedFolder(scope: FeedScope): string {
  return scope.kind === 'site' ? '' : termFolder(scope.taxonomy, scope.term.slug);
}

function toItem(post: Post, imageSizes: ReadonlyMap<string, number>): FeedItem {
  const item: FeedItem = {
    url: post.url,
    title: post.title,
    summary: post.summary,
    contentHtml: post.contentHtml,
    published: new Date(post.published),
    updated: new Date(post.updated),
    authors: post.authors,
    categories: post.categories,
    tags: post.tags,
  };
  if (post.image !== undefined) {
    const length = imageSizes.get(post.image);
    item.image = length === undefined ? { url: post.image } : { url: post.image, length };
  }
  return item;
}
