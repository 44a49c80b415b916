import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import type { Logger } from '../../functions/ports/logger.ts';
import { contentStore, postFile, SITE_YAML } from '../helpers/memory-content.ts';

const NOW = new Date('2024-06-01T00:00:00Z');

async function build(
  content: MemoryBlobStore,
  now = NOW,
  site = new MemoryBlobStore(),
  log: Logger = silentLogger,
) {
  const report = await buildSite({ content, output: site, clock: fixedClock(now), log });
  return { report, site };
}

function itemTitles(site: MemoryBlobStore, key = 'feed.json'): string[] {
  return JSON.parse(site.text(key) ?? '{"items":[]}').items.map((i: { title: string }) => i.title);
}

describe('buildSite', () => {
  it('publishes the good posts and reports each bad one as file, field and reason', async () => {
    const warnings: Record<string, unknown>[] = [];
    const log: Logger = { ...silentLogger, warn: (_m, fields = {}) => warnings.push(fields) };
    const content = await contentStore({
      'posts/good.md': postFile('Good', '2024-01-01'),
      'posts/bad-date.md': postFile('Bad', 'someday'),
      'posts/notes.txt': 'not a post',
    });
    const { report, site } = await build(content, NOW, new MemoryBlobStore(), log);
    expect(report.published).toBe(1);
    expect(report.failed.map((e) => e.message)).toEqual([
      'posts/bad-date.md: date: "someday" is not a date (try 2023-06-28 or June 28, 2023)',
    ]);
    expect(warnings).toEqual([
      { key: 'posts/bad-date.md', field: 'date', reason: expect.stringContaining('someday') },
    ]);
    expect(itemTitles(site)).toEqual(['Good']);
  });

  it('leaves out drafts, and scheduled posts until their date has passed', async () => {
    const content = await contentStore({
      'posts/a.md': postFile('Past', '2024-01-01'),
      'posts/b.md': postFile('Draft', '2024-01-02', 'draft: true'),
      'posts/c.md': postFile('Future', '2024-07-01T09:00:00Z'),
    });
    const before = await build(content);
    expect([before.report.published, before.report.drafts, before.report.scheduled]).toEqual([1, 1, 1]);
    expect(itemTitles(before.site)).toEqual(['Past']);
    const after = await build(content, new Date('2024-07-01T09:00:00Z'));
    expect(itemTitles(after.site)).toEqual(['Future', 'Past']);
  });

  it('refuses a second post with the same URL, naming both files', async () => {
    const content = await contentStore({
      'posts/a.md': postFile('First', '2024-01-01', 'slug: same thing'),
      'posts/b.md': postFile('Second', '2024-01-02', 'slug: Same Thing'),
    });
    const { report, site } = await build(content);
    expect(report.failed.map((e) => e.message)).toEqual([
      'posts/b.md: slug: /posts/same-thing/ is already the URL of posts/a.md',
    ]);
    expect(itemTitles(site)).toEqual(['First']);
  });

  it('writes feeds with media types and a short cache lifetime, and copies static files', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const content = await contentStore({
      'posts/a.md': postFile('A', '2024-01-01', 'image: /images/a.png\ncategories: [News]'),
      'static/images/a.png': png,
    });
    const { site, report } = await build(content);
    expect(site.objects.get('rss.xml')?.options).toEqual({
      contentType: 'application/rss+xml; charset=utf-8',
      cacheControl: 'public, max-age=300',
    });
    expect(site.objects.get('categories/news/feed.json')?.options.contentType).toBe(
      'application/feed+json; charset=utf-8',
    );
    expect(site.objects.get('images/a.png')?.body).toEqual(png);
    expect(site.objects.get('images/a.png')?.options.contentType).toBe('image/png');
    expect(site.text('rss.xml')).toContain(
      '<enclosure length="7" type="image/png" url="https://example.org/images/a.png"/>',
    );
    expect(report.written).toContain('categories/news/atom.xml');
  });

  it('removes the feeds of a category that no longer has posts', async () => {
    const content = await contentStore({ 'posts/a.md': postFile('A', '2024-01-01', 'categories: [Old]') });
    const { site } = await build(content);
    expect(site.objects.has('categories/old/rss.xml')).toBe(true);
    await content.put('posts/a.md', postFile('A', '2024-01-01', 'categories: [New]'));
    await build(content, NOW, site);
    expect([...site.objects.keys()].filter((k) => /^categories\/.*(xml|json)$/.test(k)).sort()).toEqual([
      'categories/new/atom.xml',
      'categories/new/feed.json',
      'categories/new/rss.xml',
    ]);
  });

  it('removes the pages of posts and categories that are gone', async () => {
    const content = await contentStore({
      'posts/a.md': postFile('A', '2024-01-01', 'categories: [Old]'),
      'posts/b.md': postFile('B', '2024-01-02'),
    });
    const { site } = await build(content);
    expect(site.objects.has('posts/a/index.html')).toBe(true);
    expect(site.objects.has('categories/old/index.html')).toBe(true);
    await content.delete('posts/a.md');
    await build(content, NOW, site);
    expect(site.objects.has('posts/a/index.html')).toBe(false);
    expect(site.objects.has('categories/old/index.html')).toBe(false);
    expect(site.objects.has('posts/b/index.html')).toBe(true);
  });

  it('writes no pages when site.yaml turns them off', async () => {
    const content = await contentStore(
      { 'posts/a.md': postFile('A', '2024-01-01') },
      `${SITE_YAML}pages: false\n`,
    );
    const { site } = await build(content);
    expect([...site.objects.keys()].filter((k) => k.endsWith('.html') || k === 'sitemap.xml')).toEqual([]);
    expect(site.objects.has('rss.xml')).toBe(true);
  });

  it('limits each feed to feedLimit items, newest first', async () => {
    const files: Record<string, string> = {};
    for (let day = 1; day <= 9; day++) files[`posts/p${day}.md`] = postFile(`Post ${day}`, `2024-01-0${day}`);
    const content = await contentStore(
      files,
      'title: T\nbaseUrl: https://example.org/\nauthor: A\nfeedLimit: 3\n',
    );
    expect(itemTitles((await build(content)).site)).toEqual(['Post 9', 'Post 8', 'Post 7']);
  });

  it('fails with a ConfigError when site.yaml is missing or invalid', async () => {
    const empty = new MemoryBlobStore();
    await expect(build(empty)).rejects.toThrow(ConfigError);
    await expect(build(await contentStore({}, 'title: T\nauthor: A\n'))).rejects.toThrow(
      'site.yaml: baseUrl: is required',
    );
  });

  it('expands site shortcodes and links between posts, and reports each removed shortcode once', async () => {
    const logged: Record<string, unknown>[] = [];
    const log: Logger = {
      ...silentLogger,
      warn: (message, fields = {}) => logged.push({ message, ...fields }),
    };
    const content = await contentStore({
      'shortcodes/note.html': '<aside class="note">{{ .Get 0 }}: {{ .Inner | markdownify }}</aside>',
      'posts/first.md': postFile('First', '2024-01-01'),
      'posts/second.md': postFile(
        'Second',
        '2024-01-02',
        '',
        '{{< note "Tip" >}}read the [first]({{< ref "first.md" >}}){{< /note >}}\n\n{{< mystery >}} {{< mystery >}}',
      ),
    });
    const { report, site } = await build(content, NOW, new MemoryBlobStore(), log);
    const items = JSON.parse(site.text('feed.json') ?? '{}').items as {
      title: string;
      content_html: string;
    }[];
    expect(items.find((i) => i.title === 'Second')?.content_html).toBe(
      '<aside class="note">Tip: read the <a href="https://example.org/posts/first/">first</a></aside>',
    );
    const warning =
      'shortcode {{< mystery >}} is not built in and there is no shortcodes/mystery.html: removed';
    expect(report.warnings).toEqual([{ file: 'posts/second.md', warning }]);
    expect(logged).toEqual([{ message: 'post published with a change', key: 'posts/second.md', warning }]);
  });
});

describe('buildSite with real Hugo content (gohugoio/hugoBasicExample)', () => {
  it('builds with no failed post, _index.md left out, and no shortcode delimiter outside code', async () => {
    const folder = new URL('../fixtures/hugo-basic-example/', import.meta.url);
    const files: Record<string, Uint8Array> = {};
    for (const name of ['_index.md', 'rich-content.md', 'markdown-syntax.md', 'math-typesetting.md'])
      files[`posts/${name}`] = readFileSync(new URL(name, folder));
    const content = await contentStore(files, `${SITE_YAML}math: true\n`);
    const { report, site } = await build(content);
    expect(report.failed).toEqual([]);
    expect(report.published).toBe(3);
    expect(report.warnings.map((w) => w.warning)).toEqual([
      'inline shortcode {{< math.inline >}} is template code Herald does not run: removed',
    ]);
    for (const [key, blob] of site.objects) {
      if (!/\.(xml|json|html)$/.test(key)) continue;
      const text = new TextDecoder()
        .decode(blob.body)
        .replace(/<pre[\s\S]*?<\/pre>|<code[\s\S]*?<\/code>/g, '')
        .replace(/&lt;pre[\s\S]*?&lt;\/pre&gt;|&lt;code[\s\S]*?&lt;\/code&gt;/g, '');
      expect([key, /\{\{[<%]|[>%]\}\}|\{\{&lt;|&gt;\}\}/.test(text)]).toEqual([key, false]);
    }
    expect(site.text('posts/rich-content/index.html')).toContain('youtube-nocookie.com/embed/ZJthWmvUzzc');
    expect(site.text('posts/math-typesetting/index.html')).toContain('<math display="block"');
  });
});
