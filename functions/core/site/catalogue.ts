import { PostError } from '../errors.ts';
import type { PostMeta, Term } from '../posts/post.ts';

/** What deciding publication needs of a post: the site index holds just this for every post. */
export type CatalogueEntry = Pick<PostMeta, 'source' | 'path' | 'published' | 'draft' | 'categories'>;

/** Every parsed post sorted into what is published now and what is held back. */
export interface Catalogue<P extends CatalogueEntry> {
  /** Newest first. */
  published: P[];
  drafts: P[];
  /** Dated after `now`; they appear once their date has passed. */
  scheduled: P[];
  /** Posts left out because another post already has their URL, and why. */
  conflicts: PostError[];
  conflicted: P[];
}

/**
 * Decides which posts are published at `now`.
 * Two posts with one URL: the one whose file sorts first keeps it, the other is an error naming both
 * (deterministic, so a rebuild always agrees with incremental publishing).
 * @param posts - parsed posts in any order
 * @param now - the current instant (from a Clock, never read here)
 */
export function catalogue<P extends CatalogueEntry>(posts: Iterable<P>, now: Date): Catalogue<P> {
  const result: Catalogue<P> = { published: [], drafts: [], scheduled: [], conflicts: [], conflicted: [] };
  const owners = new Map<string, P>();
  for (const post of [...posts].sort((a, b) => compareText(a.source, b.source))) {
    if (post.draft) {
      result.drafts.push(post);
      continue;
    }
    const owner = owners.get(post.path);
    if (owner !== undefined) {
      result.conflicted.push(post);
      result.conflicts.push(
        new PostError(post.source, 'slug', `${post.path} is already the URL of ${owner.source}`),
      );
      continue;
    }
    owners.set(post.path, post);
    if (Date.parse(post.published) > now.getTime()) result.scheduled.push(post);
    else result.published.push(post);
  }
  result.published = sortNewestFirst(result.published);
  return result;
}

/**
 * The one order of posts everywhere (feeds, pages, heads): newest first, ties by path, so output
 * never depends on the order posts arrive in.
 * @param a - one post's epoch milliseconds and path
 */
export function newestFirst(a: { ms: number; path: string }, b: { ms: number; path: string }): number {
  return b.ms - a.ms || compareText(a.path, b.path);
}

/** Sorts posts newest first, parsing each date once rather than in every comparison. */
export function sortNewestFirst<P extends Pick<PostMeta, 'published' | 'path'>>(posts: readonly P[]): P[] {
  return posts
    .map((post) => ({ post, ms: Date.parse(post.published), path: post.path }))
    .sort(newestFirst)
    .map(({ post }) => post);
}

/**
 * Groups published posts by category, keeping each group newest first.
 * @returns categories by slug, in slug order
 */
export function byCategory<P extends Pick<PostMeta, 'categories'>>(
  published: readonly P[],
): Map<string, { category: Term; posts: P[] }> {
  const groups = new Map<string, { category: Term; posts: P[] }>();
  for (const post of published) {
    for (const category of post.categories) {
      const group = groups.get(category.slug) ?? { category, posts: [] };
      group.posts.push(post);
      groups.set(category.slug, group);
    }
  }
  return new Map([...groups].sort(([a], [b]) => compareText(a, b)));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
