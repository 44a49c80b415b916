import type { SiteConfig } from '../core/config/site-config.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import { RefIndex } from '../core/posts/ref-index.ts';
import type { PublishState } from './publish-state.ts';

const loaded = new WeakMap<PublishState, Promise<RefIndex>>();

/**
 * The posts a `ref` or `post_url` may name, read from the publish state's entries. Reading every
 * entry shard costs up to 256 reads, so it happens only for a post that links to another, at most
 * once per run.
 * @param state - the run's publish state
 * @param site - for the posts' absolute URLs
 */
export function refsFromState(state: PublishState, site: SiteConfig): Promise<RefIndex> {
  let refs = loaded.get(state);
  if (refs === undefined) {
    refs = (async () => {
      const posts: { source: string; url: string }[] = [];
      for (const shard of await state.shardNames('entries')) {
        for (const entry of Object.values(await state.readShard('entries', shard))) {
          posts.push({ source: entry.source, url: siteUrl(site, entry.path) });
        }
      }
      return new RefIndex(posts);
    })();
    loaded.set(state, refs);
  }
  return refs;
}
