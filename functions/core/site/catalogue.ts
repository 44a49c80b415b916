import { PostError } from '../errors.ts';
import type { PostMeta } from '../posts/post.ts';
import { compareText, sortNewestFirst } from './order.ts';
import { hasExpired, ownerOf } from './post-entry.ts';

/** What deciding publication needs of a post: the site index holds just this for every post. */
export type CatalogueEntry = Pick<
  PostMeta,
  'source' | 'path' | 'published' | 'draft' | 'categories' | 'headless'
> &
  Pick<Partial<PostMeta>, 'expires'>;

/** Every parsed post sorted into what is published now and what is held back. */
export interface Catalogue<P extends CatalogueEntry> {
  /** Newest first. */
  published: P[];
  drafts: P[];
  /** Dated after `now`; they appear once their date has passed. */
  scheduled: P[];
  /** Past their expiry: they left the site (they keep their URL against later claimants). */
  expired: P[];
  /** Posts left out because another post already has their URL, and why. */
  conflicts: PostError[];
  conflicted: P[];
}

/**
 * Decides which posts are published at `now`. Headless bundles are in no list: they are not posts.
 * Two posts with one URL: {@link ownerOf} says which keeps it; the other is an error naming both.
 * @param posts - parsed posts in any order
 * @param now - the current instant (from a Clock, never read here)
 */
export function catalogue<P extends CatalogueEntry>(posts: Iterable<P>, now: Date): Catalogue<P> {
  const result: Catalogue<P> = {
    published: [],
    drafts: [],
    scheduled: [],
    expired: [],
    conflicts: [],
    conflicted: [],
  };
  const claims = new Map<string, P[]>();
  for (const post of posts) {
    if (post.headless) continue;
    if (post.draft) result.drafts.push(post);
    else claims.set(post.path, [...(claims.get(post.path) ?? []), post]);
  }
  for (const claimants of claims.values()) {
    const owner = ownerOf(claimants.map((p) => p.source));
    for (const post of claimants) {
      if (post.source === owner) {
        if (hasExpired(post, now.getTime())) result.expired.push(post);
        else if (Date.parse(post.published) > now.getTime()) result.scheduled.push(post);
        else result.published.push(post);
        continue;
      }
      result.conflicted.push(post);
      result.conflicts.push(
        new PostError(post.source, 'slug', `${post.path} is already the URL of ${owner}`),
      );
    }
  }
  const bySource = (a: P, b: P) => compareText(a.source, b.source);
  result.drafts.sort(bySource);
  result.scheduled.sort(bySource);
  result.expired.sort(bySource);
  result.conflicted.sort(bySource);
  result.conflicts.sort((a, b) => compareText(a.file, b.file));
  result.published = sortNewestFirst(result.published);
  return result;
}
