import type { SiteConfig } from '../core/config/site-config.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import { RefIndex } from '../core/posts/ref-index.ts';
import type { PostIndex } from './post-index/post-index.ts';

const loaded = new WeakMap<PostIndex, Promise<RefIndex>>();

/**
 * The posts a `ref` or `post_url` may name: the URL owners of the index as the run found it.
 * Reading every entry shard costs up to 256 reads, so it happens only for a post that links to
 * another, at most once per run.
 * @param index - the run's post index
 * @param site - for the posts' absolute URLs
 */
export function refsFromIndex(index: PostIndex, site: SiteConfig): Promise<RefIndex> {
  let refs = loaded.get(index);
  if (refs === undefined) {
    refs = index
      .ownersAtStart()
      .then(
        (owners) =>
          new RefIndex(owners.map((entry) => ({ source: entry.source, url: siteUrl(site, entry.path) }))),
      );
    loaded.set(index, refs);
  }
  return refs;
}
