import type { PostMeta } from '../posts/post.ts';

/**
 * The one order of posts everywhere (feeds, pages, heads, digests): newest first, ties by path, so
 * output never depends on the order posts arrive in.
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

/** Compares by UTF-16 code units, as `<` does: the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
