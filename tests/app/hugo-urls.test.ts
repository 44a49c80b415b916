import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { publishChanges, publishDue } from '../../functions/app/publish-site.ts';
import { contentStore, memoryPublishDeps, postFile, SITE_YAML } from '../helpers/memory-content.ts';

// Hugo's aliases, url and expiryDate, through both publishing modes.

const NOW = new Date('2024-06-01T00:00:00Z');

async function setup(files: Record<string, string>) {
  let now = NOW;
  const warnings: { key: unknown; warning: unknown }[] = [];
  const deps = await memoryPublishDeps(files, {
    siteYaml: `${SITE_YAML}language: en-GB\n`,
    clock: { now: () => now },
    log: {
      ...silentLogger,
      warn: (_m, fields = {}) => warnings.push({ key: fields.key, warning: fields.warning }),
    },
  });
  return { deps, warnings, setNow: (at: Date) => (now = at) };
}

const ALIAS_PAGE =
  '<!DOCTYPE html><html lang="en-GB"><head><title>https://example.org/posts/a/</title><link rel="canonical" href="https://example.org/posts/a/"><meta name="robots" content="noindex"><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=https://example.org/posts/a/"></head></html>';

describe('aliases', () => {
  it('writes a redirect page at each old URL, as Hugo does, listed nowhere else', async () => {
    const { deps } = await setup({
      'posts/a.md': postFile('A', '2024-01-01', 'aliases: [/2019/old-a/, old-relative, /legacy.html]'),
    });
    await publishChanges(deps, []);
    expect(deps.output.text('2019/old-a/index.html')).toBe(ALIAS_PAGE);
    // Relative to the post's folder, as Hugo resolves it.
    expect(deps.output.text('posts/old-relative/index.html')).toBe(ALIAS_PAGE);
    expect(deps.output.text('legacy.html')).toBe(ALIAS_PAGE);
    for (const key of ['sitemap.xml', 'rss.xml', 'atom.xml', 'feed.json', 'index.html', 'feeds/index.html'])
      expect([key, deps.output.text(key)?.includes('old-a')]).toEqual([key, false]);
  });

  it('removes a redirect when the alias goes, and all of them when the post goes', async () => {
    const { deps } = await setup({ 'posts/a.md': postFile('A', '2024-01-01', 'aliases: [/x/, /y/]') });
    await publishChanges(deps, []);
    await deps.content.put('posts/a.md', postFile('A', '2024-01-01', 'aliases: [/y/]'));
    await publishChanges(deps, ['posts/a.md']);
    expect(deps.output.text('x/index.html')).toBeUndefined();
    expect(deps.output.text('y/index.html')).toBe(ALIAS_PAGE);
    await deps.content.delete('posts/a.md');
    await publishChanges(deps, ['posts/a.md']);
    expect(deps.output.text('y/index.html')).toBeUndefined();
  });

  it('lets a real post win over an alias, and the first file over another alias, naming both files', async () => {
    const files = {
      'posts/a.md': postFile('A', '2024-01-01', 'aliases: [/posts/b/, /shared/]'),
      'posts/b.md': postFile('B', '2024-01-02'),
      'posts/c.md': postFile('C', '2024-01-03', 'aliases: [/shared/]'),
    };
    const { deps, warnings } = await setup(files);
    await publishChanges(deps, []);
    expect(deps.output.text('posts/b/index.html')).toContain('<h1>B</h1>');
    expect(deps.output.text('shared/index.html')).toBe(ALIAS_PAGE);
    expect(warnings).toEqual([
      { key: 'posts/a.md', warning: 'aliases: /posts/b/ is the URL of posts/b.md; alias ignored' },
      { key: 'posts/c.md', warning: 'aliases: /shared/ is already an alias of posts/a.md; alias ignored' },
    ]);
    const built = new MemoryBlobStore();
    const report = await buildSite({
      content: await contentStore(files),
      output: built,
      clock: fixedClock(NOW),
      log: silentLogger,
    });
    expect(report.warnings).toEqual([
      { file: 'posts/a.md', warning: 'aliases: /posts/b/ is the URL of posts/b.md; alias ignored' },
      { file: 'posts/c.md', warning: 'aliases: /shared/ is already an alias of posts/a.md; alias ignored' },
    ]);
  });

  it('refuses aliases that would leave the site or overwrite its own files, publishing the post', async () => {
    const hostile = [
      '../../etc/passwd',
      '//evil.example/x',
      'javascript:alert(1)',
      'https://evil.example/a/',
      '/feeds/',
      '/',
      '/a\\b/',
      '/rss.xml',
    ];
    const { deps, warnings } = await setup({
      'posts/a.md': postFile(
        'A',
        '2024-01-01',
        `aliases: ${JSON.stringify([...hostile, 'https://example.org/kept/'])}`,
      ),
    });
    const report = await publishChanges(deps, []);
    expect(report.failed).toEqual([]);
    expect(deps.output.text('kept/index.html')).toBe(ALIAS_PAGE);
    expect(warnings.map((w) => w.warning)).toEqual([
      'aliases: "../../etc/passwd" climbs folders with . or ..; write the path from the site root; alias ignored',
      'aliases: "//evil.example/x" is not on this site (https://example.org/); alias ignored',
      'aliases: "javascript:alert(1)" is not on this site (https://example.org/); alias ignored',
      'aliases: "https://evil.example/a/" is not on this site (https://example.org/); alias ignored',
      'aliases: "/feeds/" is under /feeds, which Herald writes itself; alias ignored',
      `aliases: "/" is the site's home page; alias ignored`,
      'aliases: "/a\\\\b/" has a backslash or a control character; alias ignored',
      'aliases: "/rss.xml" is under /rss.xml, which Herald writes itself; alias ignored',
    ]);
    expect([...deps.output.objects.keys()].filter((k) => k.includes('evil') || k.includes('etc'))).toEqual(
      [],
    );
  });
});

describe("Hugo's example content", () => {
  it('redirects its relative alias beside the post, as hugo 0.1xx writes it, and gets tag and series pages', async () => {
    const fixture = readFileSync(
      new URL('../fixtures/hugo-basic-example/markdown-syntax.md', import.meta.url),
      'utf8',
    );
    const { deps } = await setup({ 'posts/markdown-syntax.md': fixture });
    const report = await publishChanges(deps, []);
    expect(report.failed).toEqual([]);
    // hugo puts content/post/markdown-syntax.md's alias "migrate-from-jekyl" at /post/migrate-from-jekyl/.
    expect(deps.output.text('posts/migrate-from-jekyl/index.html')).toContain(
      '<meta http-equiv="refresh" content="0; url=https://example.org/posts/markdown-syntax/">',
    );
    for (const folder of [
      'tags/markdown/',
      'tags/css/',
      'tags/html/',
      'series/themes-guide/',
      'categories/syntax/',
    ])
      expect([
        folder,
        deps.output.text(`${folder}index.html`) !== undefined,
        deps.output.text(`${folder}atom.xml`) !== undefined,
      ]).toEqual([folder, true, true]);
    expect(deps.output.text('series/themes-guide/index.html')).toContain('<h1>Themes Guide</h1>');
  });
});

describe('url in front matter', () => {
  it('sets the permalink, and two posts with one url follow the ownership rule', async () => {
    const { deps } = await setup({
      'posts/a.md': postFile('A', '2024-01-01', 'url: /about/me'),
      'posts/b.md': postFile('B', '2024-01-02', 'url: https://example.org/about/me/'),
    });
    const report = await publishChanges(deps, []);
    expect(deps.output.text('about/me/index.html')).toContain('<h1>A</h1>');
    expect(report.failed.map((e) => e.message)).toEqual([
      'posts/b.md: slug: /about/me/ is already the URL of posts/a.md',
    ]);
  });

  it('is an error naming the field when it would leave the site', async () => {
    const { deps } = await setup({
      'posts/a.md': postFile('A', '2024-01-01', 'url: https://evil.example/a/'),
    });
    const report = await publishChanges(deps, []);
    expect(report.failed.map((e) => e.message)).toEqual([
      'posts/a.md: url: "https://evil.example/a/" is not on this site (https://example.org/)',
    ]);
  });
});

describe('expiryDate', () => {
  it('takes a post out of feeds, pages and the sitemap at its expiry, on the tick', async () => {
    const { deps, setNow } = await setup({
      'posts/a.md': postFile('A', '2024-01-01'),
      'posts/b.md': postFile('B', '2024-01-02', 'expiryDate: 2024-06-02T12:00:00Z'),
      'posts/c.md': postFile('C', '2024-01-03', 'unpublishdate: 2024-05-01'),
    });
    await publishChanges(deps, []);
    const titles = () =>
      JSON.parse(deps.output.text('feed.json') ?? '{}').items.map((i: { title: string }) => i.title);
    expect(titles()).toEqual(['B', 'A']);
    expect(deps.output.text('posts/c/index.html')).toBeUndefined();
    expect(deps.output.text('posts/b/index.html')).toContain('<h1>B</h1>');
    setNow(new Date('2024-06-02T12:00:00Z'));
    await publishDue(deps);
    expect(titles()).toEqual(['A']);
    expect(deps.output.text('posts/b/index.html')).toBeUndefined();
    expect(deps.output.text('sitemap-posts-1.xml')).not.toContain('/posts/b/');
    const built = new MemoryBlobStore();
    await buildSite({
      content: deps.content,
      output: built,
      clock: fixedClock(new Date('2024-06-02T12:00:00Z')),
      log: silentLogger,
    });
    expect(built.text('feed.json')).toBe(deps.output.text('feed.json'));
  });
});

describe('expiryDate of an old post', () => {
  it('takes it off the site at its expiry even when no feed holds it any more', async () => {
    // feedLimit 2 keeps only the newest few posts in the index head: the expiring post, the oldest,
    // is beyond them, yet its page, its list rows and its bundle's files must go at its expiry.
    const files: Record<string, string> = {
      'posts/old/index.md': postFile('Old', '2023-01-01', 'expiryDate: 2024-06-03T00:00:00Z'),
      'posts/old/photo.png': 'png bytes',
    };
    for (let i = 1; i <= 9; i++) files[`posts/n${i}.md`] = postFile(`N${i}`, `2024-02-0${i}`);
    const { deps, setNow } = await setup(files);
    await deps.content.put('site.yaml', `${SITE_YAML}language: en-GB\nfeedLimit: 2\npageSize: 2\n`);
    await publishChanges(deps, []);
    expect(deps.output.text('posts/old/index.html')).toContain('<h1>Old</h1>');
    expect(deps.output.text('posts/old/photo.png')).toBe('png bytes');
    // An unrelated upload in between, so the old post is known only from the index.
    setNow(new Date('2024-06-02T00:00:00Z'));
    await deps.content.put('posts/n1.md', postFile('N1 edited', '2024-02-01'));
    await publishChanges(deps, ['posts/n1.md']);
    setNow(new Date('2024-06-03T00:00:01Z'));
    await publishDue(deps);
    expect(deps.output.text('posts/old/index.html')).toBeUndefined();
    expect(deps.output.text('posts/old/photo.png')).toBeUndefined();
    const built = new MemoryBlobStore();
    await buildSite({
      content: deps.content,
      output: built,
      clock: fixedClock(new Date('2024-06-03T00:00:01Z')),
      log: silentLogger,
    });
    expect([...deps.output.objects.keys()].sort()).toEqual([...built.objects.keys()].sort());
    for (const key of built.objects.keys())
      expect([key, deps.output.text(key)]).toEqual([key, built.text(key)]);
  });

  it('learns the expiries an index written before they were kept did not record', async () => {
    const files: Record<string, string> = {
      'posts/old.md': postFile('Old', '2023-01-01', 'expiryDate: 2024-06-03T00:00:00Z'),
    };
    for (let i = 1; i <= 6; i++) files[`posts/n${i}.md`] = postFile(`N${i}`, `2024-02-0${i}`);
    const { deps, setNow } = await setup(files);
    await deps.content.put('site.yaml', `${SITE_YAML}language: en-GB\nfeedLimit: 2\n`);
    await publishChanges(deps, []);
    // The head as the previous release wrote it: no expiries.
    const head = JSON.parse(deps.state.text('index.json') ?? '{}');
    expect(head.expiries).toEqual({ 'posts/old.md': '2024-06-03T00:00:00.000Z' });
    delete head.expiries;
    await deps.state.put('index.json', JSON.stringify(head));
    setNow(new Date('2024-06-04T00:00:00Z'));
    await publishDue(deps);
    expect(deps.output.text('posts/old/index.html')).toBeUndefined();
    expect(JSON.parse(deps.state.text('index.json') ?? '{}').expiries).toEqual({});
  });
});
