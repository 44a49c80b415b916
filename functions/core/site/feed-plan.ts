import type { SiteConfig } from '../config/site-config.ts';
import { type FeedScope, feedFolder } from '../feeds/feed-model.ts';
import type { PostMeta, Term } from '../posts/post.ts';
import { byTerm, TAXONOMIES, type Taxonomy } from './taxonomies.ts';

/** One feed the site has now: its scope, its folder and the posts it carries. */
export interface PlannedFeed<P> {
  scope: FeedScope;
  /** `` for the site-wide feeds, `<taxonomy>/<slug>/` for a category's, tag's or series'. */
  folder: string;
  /** Newest first, at most `feedLimit`. */
  posts: P[];
}

/**
 * Lists every feed of the site with the posts each carries: the site-wide feed and one per
 * category, tag and series that has a published post.
 * @param published - published posts, newest first
 */
export function planFeeds<P extends Pick<PostMeta, 'categories' | 'tags'> & { series?: Term[] | undefined }>(
  site: SiteConfig,
  published: readonly P[],
): PlannedFeed<P>[] {
  const plan: PlannedFeed<P>[] = [
    { scope: { kind: 'site' }, folder: '', posts: published.slice(0, site.feedLimit) },
  ];
  for (const taxonomy of TAXONOMIES as readonly Taxonomy[])
    for (const { term, posts } of byTerm(published, taxonomy).values()) {
      const scope: FeedScope = { kind: 'term', taxonomy, term };
      plan.push({ scope, folder: feedFolder(scope), posts: posts.slice(0, site.feedLimit) });
    }
  return plan;
}

/** Every post that some feed carries, once. */
export function postsInPlan<P>(plan: readonly PlannedFeed<P>[]): P[] {
  return [...new Set(plan.flatMap((feed) => feed.posts))];
}
