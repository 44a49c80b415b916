import { newestFirst } from './order.ts';

/**
 * What the post index keeps of every non-draft post: enough to order it, place it in feeds and
 * pages, put it in a digest and spot changes, without reading its rendered record.
 */
export interface PostEntry {
  /** Content key, e.g. `posts/hello.md`. */
  source: string;
  /** Site path of its page, e.g. `/posts/hello/`: the URL the post claims. */
  path: string;
  title: string;
  /** Plain text. */
  summary: string;
  /** ISO 8601 UTC: the post's own date. */
  published: string;
  /** ISO 8601 UTC. */
  updated: string;
  /** Hash of the post's record: a feed or page carrying it changes when this does. */
  hash: string;
  /** Category names, as the post spells them. */
  categories?: string[];
  /** Tag names, as the post spells them. */
  tags?: string[];
  /** Series names, as the post spells them. */
  series?: string[];
  /** Absolute URL of the post's image. */
  image?: string;
  /** Size of the image when the site publishes it (static/): its RSS enclosure needs it. */
  imageSize?: number;
  /** Site paths that redirect to the post. */
  aliases?: string[];
  /** ISO 8601 UTC: when the post leaves the site. */
  expires?: string;
}

/**
 * THE publication window, the only place it is written: a post is on the site from its date until
 * its expiry (Hugo's `expiryDate`), exclusive. Feeds, pages, sitemaps and digests all ask this.
 * @param post - its own date and, if it has one, its expiry (ISO 8601)
 * @param now - epoch milliseconds
 */
export function isLive(post: { published: string; expires?: string | undefined }, now: number): boolean {
  return Date.parse(post.published) <= now && !hasExpired(post, now);
}

/** Has the post's expiry passed at `now` (epoch milliseconds)? */
export function hasExpired(post: { expires?: string | undefined }, now: number): boolean {
  return post.expires !== undefined && Date.parse(post.expires) <= now;
}

/** Newest first; ties by path, as a full build orders them. */
export function compareEntries(a: PostEntry, b: PostEntry): number {
  return newestFirst(
    { ms: Date.parse(a.published), path: a.path },
    { ms: Date.parse(b.published), path: b.path },
  );
}

/**
 * THE ownership rule, the only place it is written: of the posts claiming one URL, the one whose
 * source key sorts first (by UTF-16 code units) owns it. Deterministic and independent of upload
 * order, so an incremental publish and a full build always agree.
 * @param sources - the content keys claiming one path, any order
 * @returns the owner, or undefined when nobody claims the path
 */
export function ownerOf(sources: Iterable<string>): string | undefined {
  let owner: string | undefined;
  for (const source of sources) if (owner === undefined || source < owner) owner = source;
  return owner;
}

/**
 * When a URL's owner first became visible on the site, as kept by the post index.
 * `seen` is when the index first met this owner at this URL; `visible` is fixed once the post is
 * live, so later edits of its date never move it (and never mail it again).
 */
export interface Appearance {
  /** The owner this appearance belongs to (a rename that keeps the URL hands it on). */
  source: string;
  /** ISO 8601: when the index first met the post at this URL. */
  seen: string;
  /** ISO 8601: when the post went live; set once, on the first run at or after that moment. */
  visible?: string;
}

/**
 * The instant a post became (or becomes) visible: fixed once known; otherwise the later of its own
 * date and when the index first saw it. A post uploaded late, dated in the past, appears when it is
 * published; a scheduled post appears at its date.
 * @param appearance - the URL's appearance record
 * @param published - the post's own date (ISO 8601)
 */
export function visibleAt(appearance: Appearance, published: string): number {
  if (appearance.visible !== undefined) return Date.parse(appearance.visible);
  return Math.max(Date.parse(appearance.seen), Date.parse(published));
}
