import type { SiteConfig } from '../config/site-config.ts';
import { siteUrl } from '../posts/permalink.ts';
import type { Term } from '../posts/post.ts';
import { sortNewestFirst } from '../site/order.ts';
import type { PostEntry } from '../site/post-entry.ts';
import { toSlug } from '../text/slug.ts';

const DAY_MS = 86_400_000;

/** A post as a digest shows it. */
export interface DigestPost {
  title: string;
  /** Absolute URL of the post's page. */
  url: string;
  /** ISO 8601: the post's own date. */
  published: string;
  /** Plain text. */
  summary: string;
  /** Absolute URL. */
  image?: string;
  categories: Term[];
  /** The whole body, sanitised with absolute links, when site.yaml asks for `content: full`. */
  html?: string;
}

/** A post the site showed for the first time, and when (ISO 8601). */
export interface AppearedPost {
  entry: PostEntry;
  visibleAt: string;
}

/**
 * The posts a digest carries, newest first: of the posts that first appeared on the site since the
 * previous digest (the post index chooses those, URL owners only), the ones that were at most
 * `maxAgeDays` old when they appeared. A post written on Saturday and uploaded on Monday is mailed;
 * an imported archive, or posts a rebuild finds again, are not.
 * @param appeared - posts that appeared in the digest's window
 * @param maxAgeDays - the newsletter's `maxAgeDays`
 * @param bodies - for `content: full`, each post's sanitised body by source
 */
export function digestPosts(
  site: Pick<SiteConfig, 'baseUrl'>,
  appeared: Iterable<AppearedPost>,
  maxAgeDays: number,
  bodies?: ReadonlyMap<string, string>,
): DigestPost[] {
  const chosen = [...appeared]
    .filter((a) => Date.parse(a.entry.published) >= Date.parse(a.visibleAt) - maxAgeDays * DAY_MS)
    .map((a) => a.entry);
  return sortNewestFirst(chosen).map((entry) => ({
    title: entry.title,
    url: siteUrl(site, entry.path),
    published: entry.published,
    summary: entry.summary,
    ...(entry.image ? { image: entry.image } : {}),
    categories: (entry.categories ?? []).map((name) => ({ name, slug: toSlug(name) })),
    ...bodyOf(bodies, entry.source),
  }));
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

function bodyOf(bodies: ReadonlyMap<string, string> | undefined, source: string): { html?: string } {
  const html = bodies?.get(source);
  return html === undefined ? {} : { html };
}
