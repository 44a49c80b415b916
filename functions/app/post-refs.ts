import type { SiteConfig } from '../core/config/site-config.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import { RefIndex } from '../core/posts/ref-index.ts';
import type { PostIndex } from './post-index/post-index.ts';

const loaded = new WeakMap<PostIndex, Promise<RefIndex>>();

/**
 * The posts a `ref` or `post_url` may name, from every entry of the post index. Reading them all
 * costs up to 256 reads, so it happens only for a post that links to another, at most once per run.
 * @param index - the run's post index
 * @param site - for the posts' absolute URLs
 */
export function refsFromIndex(index: PostIndex, site: SiteConfig): Promise<RefIndex> {
  let refs = loaded.get(index);
  if (refs === undefined) {
    refs = index
      .allEntries()
      .then(
        (entries) => new RefIndex(entries.map((e) => ({ source: e.source, url: siteUrl(site, e.path) }))),
      );
    loaded.set(index, refs);
  }
  return refs;
}
