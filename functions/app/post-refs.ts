import type { SiteConfig } from '../core/config/site-config.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import { RefIndex } from '../core/posts/ref-index.ts';
import type { RefResolver } from '../core/shortcodes/shortcode-context.ts';
import type { PostEntry } from '../core/site/post-entry.ts';
import type { PostIndex } from './post-index/post-index.ts';

const loaded = new WeakMap<Promise<PostEntry[]>, Promise<RefIndex>>();

/**
 * The posts a `ref` or `post_url` may name, from every entry of the post index. Reading them all
 * costs up to 256 reads, so it happens only for a post that links to another, once per state of the
 * index (a flush makes a new one).
 * @param index - the run's post index
 * @param site - for the posts' absolute URLs
 */
export function refsFromIndex(index: PostIndex, site: SiteConfig): Promise<RefIndex> {
  const entries = index.allEntries();
  let refs = loaded.get(entries);
  if (refs === undefined) {
    refs = entries.then(
      (all) => new RefIndex(all.map((e) => ({ source: e.source, url: siteUrl(site, e.path) }))),
    );
    loaded.set(entries, refs);
  }
  return refs;
}

/** A resolver that remembers what each target resolved to, for the post index's `links`. */
export class RecordingRefs implements RefResolver {
  readonly resolved: Record<string, string | null> = {};

  constructor(private readonly inner: RefResolver) {}

  /** @inheritdoc */
  resolve(target: string, from: string): string | undefined {
    const url = this.inner.resolve(target, from);
    this.resolved[target] = url ?? null;
    return url;
  }
}

/**
 * Whether a post's links would resolve differently now.
 * @param resolved - what they resolved to when it was last rendered; null when unknown
 */
export function linksChanged(
  refs: RefResolver,
  source: string,
  resolved: Readonly<Record<string, string | null>> | null,
): boolean {
  if (resolved === null) return true;
  return Object.entries(resolved).some(([target, url]) => (refs.resolve(target, source) ?? null) !== url);
}
