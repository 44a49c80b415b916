import { describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { type PostPageRequest, writeEveryPage, writePages } from '../../functions/app/write-pages.ts';
import { parseSiteConfig } from '../../functions/core/config/site-config.ts';
import {
  type PlannedPage,
  pageStreams,
  planPages,
  renderPostPage,
} from '../../functions/core/pages/page-plan.ts';
import type { Post } from '../../functions/core/posts/post.ts';
import type { PageBody } from '../../functions/ports/post-compiler.ts';

const site = parseSiteConfig(
  'title: T\nbaseUrl: https://example.org/\nauthor: A\npages: true\npageSize: 2\n',
);

/** Posts newest first; categories and tags spelt differently across posts, as authors do. */
function posts(count: number): Post[] {
  return Array.from({ length: count }, (_, i) => {
    // A day apart, newest on 28 February 2024.
    const day = new Date(Date.UTC(2024, 1, 28, 10) - i * 86_400_000).toISOString();
    const category = i % 3 === 0 ? 'News' : i % 3 === 1 ? 'news' : 'Tech & <Life>';
    return {
      source: `posts/p${i}.md`,
      slug: `p${i}`,
      title: `Post ${i} <b>`,
      path: `/posts/p${i}/`,
      url: `https://example.org/posts/p${i}/`,
      published: day,
      updated: day,
      summary: `Summary ${i}`,
      categories: [{ name: category, slug: category === 'Tech & <Life>' ? 'tech-life' : 'news' }],
      tags: i % 2 === 0 ? [{ name: i < 4 ? 'Go' : 'go', slug: 'go' }] : [],
      ...(i === 3 ? { aliases: ['/old/p3/'] } : {}),
      authors: [{ name: 'A' }],
      draft: false,
      contentHtml: `<p>Body ${i}</p>`,
    };
  });
}

const text = (body: Uint8Array | undefined): string => new TextDecoder().decode(body);

describe('writeEveryPage', () => {
  it('writes, from the streamed plan, the same pages as writing the whole plan, list pages among post pages', async () => {
    const all = posts(23);
    const bySource = new Map(all.map((post) => [post.source, post]));
    const load = async (sources: string[]) =>
      new Map(sources.flatMap((s) => (bySource.has(s) ? [[s, bySource.get(s) as Post] as const] : [])));
    const whole = new MemoryBlobStore();
    await writePages(whole, planPages(site, all), '', undefined, load, { force: true });

    const streamed = new MemoryBlobStore();
    const order: string[] = [];
    const put = streamed.put.bind(streamed);
    streamed.put = (key, body, options) => {
      order.push(key);
      return put(key, body, options);
    };
    let asked = 0;
    // As the worker threads answer: each page's UTF-8 bytes.
    const renderPostPages = async (requests: PostPageRequest[]) => {
      asked += requests.length;
      const html = new Map<string, PageBody>();
      for (const { key, source, page } of requests)
        html.set(key, new TextEncoder().encode(renderPostPage(site, bySource.get(source) as Post, page)));
      return html;
    };
    const written = await writeEveryPage(streamed, pageStreams(site, all), load, renderPostPages);

    expect([...streamed.objects.keys()].sort()).toEqual([...whole.objects.keys()].sort());
    for (const [key, { body }] of whole.objects)
      expect(text(streamed.objects.get(key)?.body)).toBe(text(body));
    expect([...written].sort()).toEqual([...whole.objects.keys()].sort());
    expect(asked).toBe(all.length);
    // Terms are named as their newest post spells them, on post and list pages alike.
    expect(text(streamed.objects.get('categories/news/index.html')?.body)).toContain('News');
    expect(text(streamed.objects.get('posts/p1/index.html')?.body)).not.toContain('>news<');
    // List pages are spread among the post pages, not left to the end.
    const isPost = (key: string) => /^posts\/p\d+\/index\.html$/.test(key);
    const firstHalf = order.slice(0, Math.ceil(order.length / 2));
    expect(firstHalf.filter((key) => !isPost(key)).length).toBeGreaterThan(0);
    expect(firstHalf.filter(isPost).length).toBeGreaterThan(0);
  });

  it('writes nothing for a site without pages', async () => {
    const out = new MemoryBlobStore();
    const noPages = { ...site, pages: false };
    const written = await writeEveryPage(
      out,
      pageStreams(noPages, posts(3)),
      async () => new Map(),
      async () => new Map(),
    );
    expect(written).toEqual([]);
    expect(out.objects.size).toBe(0);
  });
});

describe('writePages', () => {
  const loader = (all: Post[]) => {
    const bySource = new Map(all.map((post) => [post.source, post]));
    return async (sources: string[]) =>
      new Map(sources.flatMap((s) => (bySource.has(s) ? [[s, bySource.get(s) as Post] as const] : [])));
  };
  /** The plan as a stream that counts the pages taken from it. */
  function counted(plan: readonly PlannedPage[]): { pages: Iterable<PlannedPage>; taken: () => number } {
    let taken = 0;
    function* pages() {
      for (const page of plan) {
        taken++;
        yield page;
      }
    }
    return { pages: pages(), taken: () => taken };
  }

  it('signs a streamed plan as it takes it, writing only the pages that changed', async () => {
    const all = posts(23);
    const plan = planPages(site, all);
    const first = await writePages(new MemoryBlobStore(), plan, 'c', undefined, loader(all));
    // The previous run's signatures, one page changed since and one gone.
    const previous = { ...first.signatures, 'posts/p0/index.html': 'stale', 'old.html': 'x' };

    const stream = counted(plan);
    const result = await writePages(new MemoryBlobStore(), stream.pages, 'c', previous, loader(all));

    expect(result.written).toEqual(['posts/p0/index.html']);
    expect(result.removed).toEqual(['old.html']);
    expect(result.signatures).toEqual(first.signatures);
    expect(stream.taken()).toBe(plan.length);
  });

  it('writes the first pages of a large plan before taking the rest', async () => {
    const all = posts(600);
    const plan = planPages(site, all);
    const out = new MemoryBlobStore();
    const stream = counted(plan);
    let takenAtFirstWrite: number | undefined;
    const put = out.put.bind(out);
    out.put = (key, body, options) => {
      takenAtFirstWrite ??= stream.taken();
      return put(key, body, options);
    };
    const result = await writePages(out, stream.pages, 'c', undefined, loader(all), { force: true });

    expect(result.written).toHaveLength(plan.length);
    // One batch written while the next is loaded: two batches of 200 pages, of a plan of over 1,000.
    expect(plan.length).toBeGreaterThan(1000);
    expect(takenAtFirstWrite).toBeLessThanOrEqual(400);
  });
});
