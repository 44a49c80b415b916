import type { SiteConfig } from '../config/site-config.ts';
import { siteUrl } from '../posts/permalink.ts';
import type { Term } from '../posts/post.ts';
import { sortNewestFirst } from '../site/catalogue.ts';
import type { HeadEntry } from '../site/feed-heads.ts';
import { toSlug } from '../text/slug.ts';

/** A post as a digest shows it. */
export interface DigestPost {
  title: string;
  /** Absolute URL of the post's page. */
  url: string;
  /** ISO 8601. */
  published: string;
  /** Plain text. */
  summary: string;
  /** Absolute URL. */
  image?: string;
  categories: Term[];
  /** The whole body, sanitised with absolute links, when site.yaml asks for `content: full`. */
  html?: string;
}

/**
 * The posts a digest carries: published after the previous digest's cut-off and at or before this
 * one's, newest first. A post is placed by its publication date, so importing an archive of old
 * posts does not mail them all, and a post scheduled for later joins the digest after its date.
 * @param since - exclusive
 * @param until - inclusive
 */
export function digestPosts(
  site: Pick<SiteConfig, 'baseUrl'>,
  entries: Iterable<HeadEntry>,
  since: Date,
  until: Date,
): DigestPost[] {
  return digestEntries(entries, since, until).map((entry) => digestPost(site, entry));
}

/** The entries {@link digestPosts} shows, newest first: for reading their bodies too. */
export function digestEntries(entries: Iterable<HeadEntry>, since: Date, until: Date): HeadEntry[] {
  const chosen: HeadEntry[] = [];
  for (const entry of entries) {
    const ms = Date.parse(entry.published);
    if (ms > since.getTime() && ms <= until.getTime()) chosen.push(entry);
  }
  return sortNewestFirst(chosen);
}

/**
 * A published entry as a digest shows it.
 * @param html - the post's sanitised body, for `content: full`
 */
export function digestPost(site: Pick<SiteConfig, 'baseUrl'>, entry: HeadEntry, html?: string): DigestPost {
  return {
    title: entry.title,
    url: siteUrl(site, entry.path),
    published: entry.published,
    summary: entry.summary,
    ...(entry.img ? { image: entry.img } : {}),
    categories: (entry.cats ?? []).map((name) => ({ name, slug: toSlug(name) })),
    ...(html ? { html } : {}),
  };
}

/**
 * The posts of a digest that a subscriber asked for.
 * @param categories - the subscriber's category slugs; empty means all posts
 */
export function postsForSubscriber(
  posts: readonly DigestPost[],
  categories: readonly string[],
): DigestPost[] {
  if (categories.length === 0) return [...posts];
  const wanted = new Set(categories);
  return posts.filter((post) => post.categories.some((c) => wanted.has(c.slug)));
}
