import type { PlannedPage, PostPageJob } from '../core/pages/page-plan.ts';
import type { Post } from '../core/posts/post.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { PageBody } from '../ports/post-compiler.ts';
import { hashOf } from './hash-of.ts';
import { mapLimit } from './map-limit.ts';
import { FRESH_CACHE_CONTROL } from './site-output.ts';

const IO_CONCURRENCY = 16;
/** Pages rendered at once: bounds the post bodies held in memory during a full build. */
const BATCH = 200;

/** One batch's posts and the pages of posts rendered with them. */
interface Loaded {
  posts: Map<string, Post>;
  pages: Map<string, PageBody>;
}

/** What writing pages did, and the signature of every page for the next run. */
export interface PagesWritten {
  written: string[];
  removed: string[];
  /** Empty when {@link WritePagesOptions.sign} is false. */
  signatures: Record<string, string>;
}

/** How {@link writePages} decides what to write, and where post pages render. */
export interface WritePagesOptions {
  /** Writes every page, changed or not. */
  force?: boolean;
  /** When given, renders the pages of posts instead (only their HTML comes back). */
  renderPostPages?: PostPageRenderer;
  /**
   * Computes every page's signature (default true). A build with nothing to compare against and no
   * state to keep them in (`herald build`) writes every page: hashing each page's inputs, which
   * hold its list items, was wasted there.
   */
  sign?: boolean;
}

/** A post's page to render with the post's body, and where it goes. */
export interface PostPageRequest {
  key: string;
  source: string;
  page: PostPageJob;
}

/**
 * Renders post pages where their posts' bodies render (worker threads in a full build).
 * @returns each page's HTML (or its UTF-8 bytes) by its key
 */
export type PostPageRenderer = (requests: PostPageRequest[]) => Promise<Map<string, PageBody>>;

/**
 * Renders and writes the pages whose inputs changed since `previous` (all of them when `force`, or
 * when there is no `previous`), and deletes the pages of `previous` that no longer exist.
 * @param configHash - the site configuration's hash: every page depends on it
 * @param loadPosts - full posts (with their bodies) for the sources some page needs
 * @param options - force, where post pages render, whether to sign pages
 */
export async function writePages(
  out: BlobStore,
  plan: readonly PlannedPage[],
  configHash: string,
  previous: Readonly<Record<string, string>> | undefined,
  loadPosts: (sources: string[]) => Promise<Map<string, Post>>,
  { force = false, renderPostPages, sign = true }: WritePagesOptions = {},
): Promise<PagesWritten> {
  const signatures: Record<string, string> = {};
  if (sign) for (const page of plan) signatures[page.key] = hashOf([configHash, page.inputs]);
  const changed =
    force || previous === undefined
      ? plan
      : plan.filter((page) => previous[page.key] !== signatures[page.key]);
  const order = renderPostPages === undefined ? changed : interleaved(changed);
  const load = (from: number): Promise<Loaded> => {
    const batch = order.slice(from, from + BATCH);
    const requests: PostPageRequest[] = [];
    const needs = new Set<string>();
    for (const page of batch) {
      if (renderPostPages !== undefined && page.post !== undefined)
        requests.push({ key: page.key, ...page.post });
      else for (const source of page.needs) needs.add(source);
    }
    const loading = Promise.all([
      loadPosts([...needs]),
      requests.length > 0 && renderPostPages !== undefined
        ? renderPostPages(requests)
        : new Map<string, PageBody>(),
    ]).then(([posts, pages]) => ({ posts, pages }));
    // Awaited in the next round; if writing fails first, its failure must not go unhandled.
    loading.catch(() => undefined);
    return loading;
  };
  let next = order.length > 0 ? load(0) : undefined;
  for (let i = 0; i < order.length; i += BATCH) {
    const batch = order.slice(i, i + BATCH);
    const { posts, pages } = await (next as Promise<Loaded>);
    // The next batch's posts render (on worker threads, when the compiler has them) while this
    // batch's pages are written.
    next = i + BATCH < order.length ? load(i + BATCH) : undefined;
    await mapLimit(batch, IO_CONCURRENCY, (page) =>
      out.put(page.key, pages.get(page.key) ?? page.render(posts), {
        contentType: page.key.endsWith('.xml')
          ? 'application/xml; charset=utf-8'
          : 'text/html; charset=utf-8',
        cacheControl: FRESH_CACHE_CONTROL,
      }),
    );
  }
  const removed = Object.keys(previous ?? {}).filter((key) => !(key in signatures));
  await mapLimit(removed, IO_CONCURRENCY, (key) => out.delete(key));
  return { written: changed.map((page) => page.key), removed, signatures };
}

/**
 * The pages in an order that spreads the pages rendered here (lists, sitemaps) evenly among the post
 * pages rendered elsewhere, keeping each kind in its order. Post pages come first in a plan: written
 * in that order, the worker threads idled while this thread rendered the ~4,000 list pages of a
 * 10,000-post site at the end; mixed, this thread renders list pages while they render post pages.
 */
function interleaved(pages: readonly PlannedPage[]): PlannedPage[] {
  const posts = pages.filter((page) => page.post !== undefined);
  const others = pages.filter((page) => page.post === undefined);
  const mixed: PlannedPage[] = [];
  let p = 0;
  let o = 0;
  while (p < posts.length || o < others.length) {
    // Take a list page whenever they are behind their share of what has been taken so far.
    const behind = o * pages.length < (mixed.length + 1) * others.length;
    const page = (behind && o < others.length) || p >= posts.length ? others[o++] : posts[p++];
    if (page !== undefined) mixed.push(page);
  }
  return mixed;
}
