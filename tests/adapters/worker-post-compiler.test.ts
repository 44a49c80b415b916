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
});
