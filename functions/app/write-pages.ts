import type { PageStreams, PlannedPage, PostPageJob } from '../core/pages/page-plan.ts';
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
  signatures: Record<string, string>;
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

/** Full posts (with their bodies) for the sources some page needs. */
export type PostLoader = (sources: string[]) => Promise<Map<string, Post>>;

/**
 * Renders and writes the pages whose inputs changed since `previous` (all of them when `force`, or
 * when there is no `previous`), and deletes the pages of `previous` that no longer exist.
 * @param plan - the pages, taken one at a time: a rebuild passes a stream, so that only a batch of
 *   planned pages is held at once (the whole plan of a 100,000-post site was a fifth of its memory)
 * @param configHash - the site configuration's hash: every page depends on it
 * @param loadPosts - full posts (with their bodies) for the sources some page needs
 * @param options - force: write every page, changed or not
 */
export async function writePages(
  out: BlobStore,
  plan: Iterable<PlannedPage>,
  configHash: string,
  previous: Readonly<Record<string, string>> | undefined,
  loadPosts: PostLoader,
  { force = false }: { force?: boolean } = {},
): Promise<PagesWritten> {
  const signatures: Record<string, string> = {};
  function* changed(): Generator<PlannedPage> {
    for (const page of plan) {
      const signature = hashOf([configHash, page.inputs]);
      signatures[page.key] = signature;
      if (force || previous === undefined || previous[page.key] !== signature) yield page;
    }
  }
  const written = await writeInBatches(out, changed(), loadPosts);
  const removed = Object.keys(previous ?? {}).filter((key) => !(key in signatures));
  await mapLimit(removed, IO_CONCURRENCY, (key) => out.delete(key));
  return { written, removed, signatures };
}

/**
 * Writes every page of a site planned as a stream (`herald build`: nothing to compare against, no
 * signatures to keep), a batch at a time: a batch's planned pages, posts and HTML are dropped once
 * it is written, so memory holds two batches, not the whole plan.
 * @param renderPostPages - where post pages render (with their posts' bodies); other pages render here
 * @returns the keys written
 */
export async function writeEveryPage(
  out: BlobStore,
  streams: PageStreams,
  loadPosts: PostLoader,
  renderPostPages: PostPageRenderer,
): Promise<string[]> {
  // The other pages are planned twice, once to count them: cheaper than holding them all.
  let others = 0;
  for (const _ of streams.others()) others++;
  const order = interleaved(streams.posts(), streams.postCount, streams.others(), others);
  return writeInBatches(out, order, loadPosts, renderPostPages);
}

/**
 * Renders and writes pages in batches of {@link BATCH}: the next batch's posts render (on worker
 * threads, when the compiler has them) while the current batch's pages are written.
 * @returns the keys written, in order
 */
async function writeInBatches(
  out: BlobStore,
  pages: Iterator<PlannedPage>,
  loadPosts: PostLoader,
  renderPostPages?: PostPageRenderer,
): Promise<string[]> {
  const written: string[] = [];
  const take = (): PlannedPage[] => takePages(pages, BATCH);
  const load = (batch: readonly PlannedPage[]): Promise<Loaded> => {
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
  let batch = take();
  let next = batch.length > 0 ? load(batch) : undefined;
  while (batch.length > 0) {
    const { posts, pages } = await (next as Promise<Loaded>);
    const current = batch;
    batch = take();
    next = batch.length > 0 ? load(batch) : undefined;
    await mapLimit(current, IO_CONCURRENCY, (page) =>
      out.put(page.key, pages.get(page.key) ?? page.render(posts), {
        contentType: page.key.endsWith('.xml')
          ? 'application/xml; charset=utf-8'
          : 'text/html; charset=utf-8',
        cacheControl: FRESH_CACHE_CONTROL,
      }),
    );
    for (const page of current) written.push(page.key);
  }
  return written;
}

/** The next `size` pages of a plan taken as a stream (fewer at its end, none once it is over). */
export function takePages(pages: Iterator<PlannedPage>, size: number): PlannedPage[] {
  const batch: PlannedPage[] = [];
  for (let next = pages.next(); !next.done; next = pages.next()) {
    batch.push(next.value);
    if (batch.length === size) break;
  }
  return batch;
}

/**
 * The pages in an order that spreads the pages rendered here (lists, sitemaps) evenly among the post
 * pages rendered elsewhere, keeping each kind in its order. Post pages come first in a plan: written
 * in that order, the worker threads idled while this thread rendered the ~4,000 list pages of a
 * 10,000-post site at the end; mixed, this thread renders list pages while they render post pages.
 */
function* interleaved(
  posts: Iterator<PlannedPage>,
  postCount: number,
  others: Iterator<PlannedPage>,
  otherCount: number,
): Generator<PlannedPage> {
  const total = postCount + otherCount;
  let p = 0;
  let o = 0;
  while (p < postCount || o < otherCount) {
    // Take a list page whenever they are behind their share of what has been taken so far.
    const behind = o * total < (p + o + 1) * otherCount;
    const fromOthers = (behind && o < otherCount) || p >= postCount;
    const next = fromOthers ? others.next() : posts.next();
    if (fromOthers) o++;
    else p++;
    if (next.done) throw new Error('internal: a page stream ended before its count');
    yield next.value;
  }
}
