import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { WorkerPostCompiler } from '../../functions/adapters/worker-post-compiler.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { inThreadCompiler } from '../../functions/app/read-posts.ts';
import { parseSiteConfig, type SiteConfig } from '../../functions/core/config/site-config.ts';
import { PostError } from '../../functions/core/errors.ts';
import { type PostPageJob, renderPostPage } from '../../functions/core/pages/page-plan.ts';
import { bodyCost, POST_LIMITS } from '../../functions/core/posts/post-limits.ts';
import type { PostCompiler } from '../../functions/ports/post-compiler.ts';
import { contentStore, postFile } from '../helpers/memory-content.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/posts');
const compiler = new WorkerPostCompiler(2);
afterAll(() => compiler.close());

/** The fixture posts (good, quirky and broken ones) plus enough generated posts for many chunks. */
async function content(): Promise<MemoryBlobStore> {
  const files: Record<string, string | Uint8Array> = {};
  for (const name of readdirSync(FIXTURES))
    files[`posts/fixtures/${name}`] = readFileSync(join(FIXTURES, name));
  for (let i = 0; i < 120; i++)
    files[`posts/gen/p${i}.md`] = postFile(
      `Post ${i} <b>&</b>`,
      `2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
      `categories: [c${i % 3}]`,
      `Text with a [link](../p${i + 1}/) and <script>alert(${i})</script>.`,
    );
  // A link to another post through the build's link index, and a shortcode Herald does not know.
  files['posts/gen/refs.md'] = postFile(
    'Refs',
    '2024-02-01',
    '',
    'See [post one]({{< ref "p1" >}}). {{< no-such-shortcode >}}',
  );
  return contentStore(files);
}

async function build(postCompiler: PostCompiler) {
  const site = new MemoryBlobStore();
  const report = await buildSite({
    content: await content(),
    output: site,
    clock: fixedClock(new Date('2024-06-01T00:00:00Z')),
    log: silentLogger,
    compiler: postCompiler,
  });
  const files: Record<string, string | undefined> = {};
  for await (const info of site.list('')) files[info.key] = site.text(info.key);
  return { report, files };
}

describe('WorkerPostCompiler', () => {
  it('builds exactly what one thread builds, bad posts reported as PostErrors naming file and field', async () => {
    const one = await build(inThreadCompiler);
    const many = await build(compiler);
    expect(Object.keys(many.files).length).toBeGreaterThan(150);
    expect(many.files).toEqual(one.files);
    expect(many.report.failed.map((e) => e.message)).toEqual(one.report.failed.map((e) => e.message));
    expect(many.report.failed.length).toBeGreaterThan(0);
    for (const error of many.report.failed) expect(error).toBeInstanceOf(PostError);
    expect(many.report.warnings).toEqual(one.report.warnings);
    expect(many.report.warnings.map((w) => w.file)).toContain('posts/gen/refs.md');
    expect(many.files['posts/refs/index.html']).toContain('href="https://example.org/posts/p1/"');
  });

  it("renders a post's page in the thread and answers with its HTML only, as one thread renders it", async () => {
    const site = parseSiteConfig('title: T\nbaseUrl: https://example.org/\nauthor: A\n');
    const bytes = new TextEncoder().encode(
      postFile('A <b>', '2024-01-01', 'categories: [news]', 'Body *of* A.'),
    );
    const page: PostPageJob = {
      newer: { title: 'Newer & <next>', url: 'https://example.org/posts/b/' },
      terms: { categories: [{ name: 'News', slug: 'news' }], tags: [] },
    };
    const context = { site, links: [] };
    const [inWorker] = await compiler.render(context, [{ key: 'posts/a.md', bytes, page }]);
    const [here] = await inThreadCompiler.render(context, [{ key: 'posts/a.md', bytes }]);
    if (inWorker === undefined || !('page' in inWorker) || here === undefined || !('post' in here))
      throw new Error(`expected a page and a post, got ${JSON.stringify([inWorker, here])}`);
    expect(Object.keys(inWorker).sort()).toEqual(['page', 'source', 'warnings']);
    expect(inWorker.source).toBe('posts/a.md');
    // The page comes back as its UTF-8 bytes, moved between the threads rather than copied.
    expect(inWorker.page).toBeInstanceOf(Uint8Array);
    const html = typeof inWorker.page === 'string' ? inWorker.page : new TextDecoder().decode(inWorker.page);
    expect(html).toBe(renderPostPage(site, here.post, page));
    expect(html).toContain('Newer &amp; &lt;next&gt; →');
    expect(html).toContain('>News</a>');
  });

  it('rejects, rather than hangs, when a thread fails on something that is not a content error', async () => {
    const bytes = new TextEncoder().encode(postFile('A', '2024-01-01'));
    const broken = { timezone: 42 } as unknown as SiteConfig;
    await expect(
      compiler.render({ site: broken, links: [] }, [{ key: 'posts/a.md', bytes }]),
    ).rejects.toThrow(/post compiler thread failed/);
    // The threads keep serving after a failed request.
    const site = parseSiteConfig('title: T\nbaseUrl: https://example.org/\nauthor: A\n');
    const [result] = await compiler.render({ site, links: [] }, [{ key: 'posts/a.md', bytes }]);
    expect(result && 'post' in result && result.post.contentHtml).toBe('<p>Body of A.</p>');
  });

  it('stops a post that renders past the timeout: it fails naming the file, the others render, the build goes on', async () => {
    const site = parseSiteConfig('title: T\nbaseUrl: https://example.org/\nauthor: A\n');
    const timed = new WorkerPostCompiler(1, 300);
    try {
      const plain = (n: number) => ({
        key: `posts/p${n}.md`,
        bytes: new TextEncoder().encode(postFile(`P${n}`, '2024-01-01')),
      });
      // The slowest shape within POST_LIMITS (table rows at the markup budget): about 1 s here and
      // more on a loaded machine, far past 300 ms; a plain post takes a few milliseconds.
      const rows = '| x | y | z | w |\n'.repeat(Math.floor((POST_LIMITS.markup - 20) / 9));
      const slow = {
        key: 'posts/huge-table.md',
        bytes: new TextEncoder().encode(
          postFile('Huge', '2024-01-01', '', `| a | b | c | d |\n|---|---|---|---|\n${rows}`),
        ),
      };
      expect(bodyCost(`| a | b | c | d |\n|---|---|---|---|\n${rows}`).markup).toBeLessThanOrEqual(
        POST_LIMITS.markup,
      );
      const results = await timed.render({ site, links: [] }, [plain(1), slow, plain(2)]);
      expect(
        results.map((r) => ('post' in r ? r.post.title : 'error' in r ? r.error.message : r.page)),
      ).toEqual([
        'P1',
        'posts/huge-table.md: body: took longer than 0.3 s to render and was stopped, so that one post cannot hold up publishing; split it into smaller posts or simplify its markup',
        'P2',
      ]);
      expect(results[1] && 'error' in results[1] && results[1].error).toBeInstanceOf(PostError);
      // A new thread takes the stopped one's place.
      const [after] = await timed.render({ site, links: [] }, [plain(3)]);
      expect(after && 'post' in after && after.post.title).toBe('P3');
    } finally {
      await timed.close();
    }
  }, 60_000);

  it('times each post, not the request: many quick posts together may take longer than the timeout', async () => {
    const site = parseSiteConfig('title: T\nbaseUrl: https://example.org/\nauthor: A\n');
    const timed = new WorkerPostCompiler(1, 500);
    try {
      // Each about a four-hundredth of the slowest shape: a few milliseconds, a hundred times below
      // the timeout (a loaded machine slowed posts twelvefold here), and together well past it.
      const rows = '| x | y | z | w |\n'.repeat(Math.floor(POST_LIMITS.markup / 9 / 400));
      const files = Array.from({ length: 400 }, (_, n) => ({
        key: `posts/t${n}.md`,
        bytes: new TextEncoder().encode(
          postFile(`T${n}`, '2024-01-01', '', `| a | b | c | d |\n|---|---|---|---|\n${rows}`),
        ),
      }));
      const started = performance.now();
      const results = await timed.render({ site, links: [] }, files);
      expect(performance.now() - started).toBeGreaterThan(500);
      expect(
        results.map((r) => ('post' in r ? r.post.title : 'error' in r ? r.error.message : r.page)),
      ).toEqual(files.map((_, n) => `T${n}`));
    } finally {
      await timed.close();
    }
  }, 60_000);
});
