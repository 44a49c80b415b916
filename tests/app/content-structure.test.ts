import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import {
  type PublishDeps,
  publishChanges,
  publishDue,
  rebuildSite,
} from '../../functions/app/publish-site.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { contentStore, postFile, SITE_YAML } from '../helpers/memory-content.ts';

// Hugo's content structure: page bundles and their resources, translations, headless bundles.

const NOW = new Date('2024-06-01T00:00:00Z');
const PHOTO = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5, 6]);
const PDF = new TextEncoder().encode('%PDF-1.4 tiny');

const gallery = {
  'posts/Image Gallery/index.md': postFile(
    'Image Gallery',
    '2024-05-01',
    'image: photo.png',
    '![A photo](photo.png) and [the notes](files/notes.pdf).',
  ),
  'posts/Image Gallery/photo.png': PHOTO,
  'posts/Image Gallery/files/notes.pdf': PDF,
  'posts/Image Gallery/index.ja.md': postFile('ギャラリー', '2024-05-01', '', '日本語'),
  'posts/shortcodes/index.md': postFile('Shortcodes', '2024-05-02'),
  'posts/shortcodes/index.zh.md': postFile('短代码', '2024-05-02'),
  'posts/hello.md': postFile('Hello', '2024-05-03'),
  'posts/hello.pt-br.md': postFile('Olá', '2024-05-03'),
  'posts/node.js.md': postFile('Node', '2024-05-04'),
};

/** The site of these tests names the languages of its translations, as a Hugo site's config does. */
const LANGUAGES_YAML = `${SITE_YAML}languages:\n  en: { languageName: English }\n  ja: {}\n  zh: {}\n  zh-cn: {}\n  pt-br: {}\n`;

async function setup(files: Record<string, string | Uint8Array>, siteYaml = LANGUAGES_YAML) {
  const logged: { message: string; fields: Record<string, unknown> }[] = [];
  const log = {
    ...silentLogger,
    info: (message: string, fields: Record<string, unknown> = {}) => logged.push({ message, fields }),
  };
  const deps: PublishDeps & { content: MemoryBlobStore; output: MemoryBlobStore } = {
    content: await contentStore(files, siteYaml),
    output: new MemoryBlobStore(),
    state: new MemoryBlobStore(),
    clock: fixedClock(NOW),
    log,
  };
  return { deps, logged };
}

function feedItems(store: MemoryBlobStore): { title: string; url: string; content_html: string }[] {
  return JSON.parse(store.text('feed.json') ?? '{"items":[]}').items;
}

/** The bundle files published in the site's own language (other languages' are under /<code>/). */
function resourceKeys(store: MemoryBlobStore): string[] {
  return [...store.objects.keys()]
    .filter((k) => /\.(png|pdf)$/.test(k) && !/^(ja|zh|zh-cn|pt-br)\//.test(k))
    .sort();
}

describe('page bundles', () => {
  it('publishes every file beside index.md under the post URL, with its media type, in a build', async () => {
    const { deps } = await setup(gallery);
    const report = await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(report.failed).toEqual([]);
    expect(resourceKeys(deps.output)).toEqual([
      'posts/image-gallery/files/notes.pdf',
      'posts/image-gallery/photo.png',
    ]);
    expect(deps.output.objects.get('posts/image-gallery/photo.png')?.options?.contentType).toBe('image/png');
    expect(deps.output.objects.get('posts/image-gallery/files/notes.pdf')?.options?.contentType).toBe(
      'application/pdf',
    );
    const gallery0 = feedItems(deps.output).find((i) => i.title === 'Image Gallery');
    expect(gallery0?.content_html).toContain('src="https://example.org/posts/image-gallery/photo.png"');
    expect(gallery0?.content_html).toContain(
      'href="https://example.org/posts/image-gallery/files/notes.pdf"',
    );
    // The post's image is a resource: its enclosure has its length.
    expect(deps.output.text('rss.xml')).toContain(
      `<enclosure length="${PHOTO.byteLength}" type="image/png" url="https://example.org/posts/image-gallery/photo.png"/>`,
    );
  });

  it('publishes a resource on upload, moves resources with the URL, and removes them with the post', async () => {
    const { deps } = await setup(gallery);
    await publishChanges(deps, []);
    expect(resourceKeys(deps.output)).toContain('posts/image-gallery/photo.png');

    await deps.content.put('posts/Image Gallery/second.png', PHOTO);
    await publishChanges(deps, ['posts/Image Gallery/second.png']);
    expect(resourceKeys(deps.output)).toContain('posts/image-gallery/second.png');

    await deps.content.put(
      'posts/Image Gallery/index.md',
      postFile('Image Gallery', '2024-05-01', 'slug: photos\nimage: photo.png'),
    );
    await publishChanges(deps, ['posts/Image Gallery/index.md']);
    expect(resourceKeys(deps.output)).toEqual([
      'posts/photos/files/notes.pdf',
      'posts/photos/photo.png',
      'posts/photos/second.png',
    ]);
    expect(deps.output.text('rss.xml')).toContain(
      `<enclosure length="${PHOTO.byteLength}" type="image/png" url="https://example.org/posts/photos/photo.png"/>`,
    );

    await deps.content.delete('posts/Image Gallery/second.png');
    await publishChanges(deps, ['posts/Image Gallery/second.png']);
    expect(resourceKeys(deps.output)).not.toContain('posts/photos/second.png');

    await deps.content.delete('posts/Image Gallery/index.md');
    await publishChanges(deps, ['posts/Image Gallery/index.md']);
    expect(resourceKeys(deps.output)).toEqual([]);
  });

  it('keeps the last good version’s resources when an edit fails, and publishes none for a draft', async () => {
    const { deps } = await setup(gallery);
    await publishChanges(deps, []);
    await deps.content.put('posts/Image Gallery/index.md', '---\ntitle: Broken\ndate: never\n---\n');
    const failed = await publishChanges(deps, ['posts/Image Gallery/index.md']);
    expect(failed.failed.map((e) => e.field)).toEqual(['date']);
    expect(resourceKeys(deps.output)).toContain('posts/image-gallery/photo.png');

    await deps.content.put('posts/Image Gallery/index.md', postFile('Gallery', '2024-05-01', 'draft: true'));
    await publishChanges(deps, ['posts/Image Gallery/index.md']);
    expect(resourceKeys(deps.output)).toEqual([]);
    // A resource uploaded to a draft's bundle waits for the post.
    await deps.content.put('posts/Image Gallery/late.png', PHOTO);
    await publishChanges(deps, ['posts/Image Gallery/late.png']);
    expect(resourceKeys(deps.output)).toEqual([]);
  });

  it('never lets a bundle file replace a page: HTML files are not resources (Hugo reads them as pages)', async () => {
    const { deps } = await setup({
      'posts/x/index.md': postFile('X', '2024-05-01'),
      'posts/x/index.html': '<p>not the page</p>',
      'posts/x/frame.htm': '<p>framed</p>',
    });
    await publishChanges(deps, []);
    await publishChanges(deps, ['posts/x/index.html', 'posts/x/frame.htm']);
    expect(deps.output.text('posts/x/index.html')).toContain('<h1>X</h1>');
    expect(deps.output.text('posts/x/frame.htm')).toBeUndefined();
  });

  it('gives a resource to the nearest bundle above it, and to none beside a single-file post', async () => {
    const { deps } = await setup({
      'posts/outer/index.md': postFile('Outer', '2024-05-01'),
      'posts/outer/a.png': PHOTO,
      'posts/outer/inner/index.md': postFile('Inner', '2024-05-02'),
      'posts/outer/inner/b.png': PHOTO,
      'posts/single.md': postFile('Single', '2024-05-03'),
      'posts/c.png': PHOTO,
    });
    await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(resourceKeys(deps.output)).toEqual(['posts/inner/b.png', 'posts/outer/a.png']);
  });

  it('publishes a scheduled bundle’s resources on its date, not before', async () => {
    const { deps } = await setup({
      'posts/soon/index.md': postFile('Soon', '2024-06-02'),
      'posts/soon/a.png': PHOTO,
    });
    await publishChanges(deps, []);
    expect(resourceKeys(deps.output)).toEqual([]);
    deps.clock = fixedClock(new Date('2024-06-03T00:00:00Z'));
    await publishDue(deps);
    expect(resourceKeys(deps.output)).toEqual(['posts/soon/a.png']);
  });

  it('moves resources on a rebuild when the permalink changes, leaving nothing behind', async () => {
    const { deps } = await setup(gallery);
    await publishChanges(deps, []);
    await deps.content.put('site.yaml', `${SITE_YAML}permalink: /:year/:slug/\n`);
    await rebuildSite(deps);
    expect(resourceKeys(deps.output)).toEqual([
      '2024/image-gallery/files/notes.pdf',
      '2024/image-gallery/photo.png',
    ]);
  });
});

/** The JSON feed's items of one language's folder (`ja/`), or the site's own (``). */
function feedOf(store: MemoryBlobStore, folder: string): { title: string; url: string }[] {
  return JSON.parse(store.text(`${folder}feed.json`) ?? '{"items":[]}').items;
}

describe('translations', () => {
  it('never take the post’s URL or count as a conflict, and are published under /<code>/', async () => {
    const { deps, logged } = await setup(gallery);
    const report = await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(report.failed).toEqual([]);
    expect(feedItems(deps.output).map((i) => [i.title, i.url])).toEqual([
      ['Node', 'https://example.org/posts/node-js/'],
      ['Hello', 'https://example.org/posts/hello/'],
      ['Shortcodes', 'https://example.org/posts/shortcodes/'],
      ['Image Gallery', 'https://example.org/posts/image-gallery/'],
    ]);
    expect(feedOf(deps.output, 'ja/').map((i) => [i.title, i.url])).toEqual([
      ['ギャラリー', 'https://example.org/ja/posts/image-gallery/'],
    ]);
    expect(feedOf(deps.output, 'zh/').map((i) => i.url)).toEqual([
      'https://example.org/zh/posts/shortcodes/',
    ]);
    expect(feedOf(deps.output, 'pt-br/').map((i) => i.url)).toEqual([
      'https://example.org/pt-br/posts/hello/',
    ]);
    // Each language's feeds and pages say their language; a bundle's files go with each language's post.
    expect(JSON.parse(deps.output.text('ja/feed.json') ?? '{}').language).toBe('ja');
    expect(deps.output.text('ja/atom.xml')).toContain('xml:lang="ja"');
    expect(deps.output.text('ja/rss.xml')).toContain('<language>ja</language>');
    expect(deps.output.text('ja/posts/image-gallery/index.html')).toContain('<html lang="ja">');
    expect(deps.output.text('ja/index.html')).toContain(
      '<link rel="canonical" href="https://example.org/ja/">',
    );
    expect(deps.output.objects.has('ja/posts/image-gallery/photo.png')).toBe(true);
    expect(deps.output.objects.has('ja/sitemap.xml')).toBe(true);
    // Every language's home page names the others' (and x-default, the site's own) as alternates,
    // and every page links to each language's home in its own name.
    for (const home of ['index.html', 'ja/index.html'])
      expect([
        home,
        deps.output.text(home)?.match(/<link rel="alternate" hreflang="[^"]+" href="[^"]+">/g),
      ]).toEqual([
        home,
        [
          '<link rel="alternate" hreflang="en" href="https://example.org/">',
          '<link rel="alternate" hreflang="ja" href="https://example.org/ja/">',
          '<link rel="alternate" hreflang="pt-br" href="https://example.org/pt-br/">',
          '<link rel="alternate" hreflang="zh" href="https://example.org/zh/">',
          '<link rel="alternate" hreflang="zh-cn" href="https://example.org/zh-cn/">',
          '<link rel="alternate" hreflang="x-default" href="https://example.org/">',
        ],
      ]);
    expect(deps.output.text('ja/posts/image-gallery/index.html')).toContain(
      '<li><a href="https://example.org/" hreflang="en" lang="en">English</a></li><li><a href="https://example.org/ja/" hreflang="ja" lang="ja" aria-current="true">ja</a></li>',
    );
    // Nothing is left out, so there is nothing to tell.
    expect(report.notices).toEqual([]);
    expect(report.published).toBe(7);
    expect(report.written).toContain('ja/posts/image-gallery/index.html');
    expect(logged.filter((l) => l.message === 'translations left out')).toEqual([]);
  });

  it('are published, moved and removed on upload, as a full build writes them', async () => {
    const { deps } = await setup({ 'posts/hello.md': postFile('Hello', '2024-05-03') });
    await publishChanges(deps, []);
    await deps.content.put('posts/hello.ja.md', postFile('こんにちは', '2024-05-03', 'slug: konnichiwa'));
    await deps.content.put('posts/hello.zh.md', postFile('你好', '2024-05-03'));
    const report = await publishChanges(deps, ['posts/hello.ja.md', 'posts/hello.zh.md']);
    expect(report.failed).toEqual([]);
    expect(feedItems(deps.output).map((i) => i.title)).toEqual(['Hello']);
    expect(feedOf(deps.output, 'ja/').map((i) => i.url)).toEqual([
      'https://example.org/ja/posts/konnichiwa/',
    ]);
    expect(feedOf(deps.output, 'zh/').map((i) => i.title)).toEqual(['你好']);
    expect(report.pages).toContain('ja/posts/konnichiwa/index.html');
    expect(report.regenerated).toContain('ja/');

    await deps.content.delete('posts/hello.ja.md');
    await publishChanges(deps, ['posts/hello.ja.md']);
    expect(feedOf(deps.output, 'ja/')).toEqual([]);
    expect(deps.output.text('ja/posts/konnichiwa/index.html')).toBeUndefined();
    expect(feedOf(deps.output, 'zh/').map((i) => i.title)).toEqual(['你好']);

    const full = new MemoryBlobStore();
    await buildSite({ ...deps, output: full, clock: fixedClock(NOW) });
    for (const key of [
      'feed.json',
      'zh/feed.json',
      'zh/atom.xml',
      'zh/posts/hello/index.html',
      'ja/feed.json',
    ])
      expect([key, deps.output.text(key)]).toEqual([key, full.text(key)]);
  });

  it('own their folder: a post of the site’s language cannot take a URL under /<code>/', async () => {
    const { deps } = await setup({
      'posts/a.md': postFile('A', '2024-05-01', 'url: /ja/about/'),
      'posts/b.md': postFile('B', '2024-05-02', 'aliases: [/ja/old/]'),
      'posts/b.ja.md': postFile('B ja', '2024-05-02', 'url: /about/'),
    });
    const report = await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(report.failed.map((e) => [e.file, e.field, e.reason])).toEqual([
      ['posts/a.md', 'url', '"/ja/about/" is under /ja, the folder of the site\'s ja pages'],
    ]);
    expect(report.warnings.map((w) => w.warning)).toEqual([
      expect.stringContaining('"/ja/old/" is under /ja, the folder of the site\'s ja pages'),
    ]);
    // Inside its own language, a path is under that language's folder.
    expect(feedOf(deps.output, 'ja/').map((i) => i.url)).toEqual(['https://example.org/ja/about/']);
  });

  it('of a disabled language are left out with one notice per run, as Hugo’s disabled', async () => {
    const { deps, logged } = await setup(
      {
        'posts/hello.md': postFile('Hello', '2024-05-03'),
        'posts/hello.ja.md': postFile('こんにちは', '2024-05-03'),
      },
      `${SITE_YAML}languages:\n  ja: { disabled: true }\n`,
    );
    const report = await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(report.notices).toEqual([
      '1 translation (ja) left out: posts/hello.ja.md; their languages are disabled in site.yaml languages',
    ]);
    expect(deps.output.text('ja/feed.json')).toBeUndefined();
    await publishChanges(deps, ['posts/hello.ja.md']);
    expect(logged.filter((l) => l.message === 'translations left out')).toHaveLength(2);
    expect(feedItems(deps.output).map((i) => i.title)).toEqual(['Hello']);
  });

  it('make the site’s language the post on a site in another language', async () => {
    const { deps } = await setup(
      {
        'posts/shortcodes/index.zh.md': postFile('短代码', '2024-05-02'),
        'posts/shortcodes/index.en.md': postFile('Shortcodes', '2024-05-02'),
      },
      `${SITE_YAML}language: zh-CN\nlanguages:\n  en: {}\n`,
    );
    const report = await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(report.failed).toEqual([]);
    const urls = feedItems(deps.output).map((i) => i.url);
    expect(urls).toEqual(['https://example.org/posts/shortcodes/']);
    expect(feedItems(deps.output)[0]?.title).toBe('短代码');
    expect(feedOf(deps.output, 'en/').map((i) => [i.title, i.url])).toEqual([
      ['Shortcodes', 'https://example.org/en/posts/shortcodes/'],
    ]);
  });

  it('of a bundle with no post in the site’s language publish in their languages only', async () => {
    const { deps } = await setup({
      'posts/chinese-test/index.zh-cn.md': postFile('中文', '2024-05-01'),
      'posts/chinese-test/a.png': PHOTO,
    });
    const report = await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(report.published).toBe(1);
    expect(feedItems(deps.output)).toEqual([]);
    expect(resourceKeys(deps.output)).toEqual([]);
    expect(feedOf(deps.output, 'zh-cn/').map((i) => i.url)).toEqual([
      'https://example.org/zh-cn/posts/chinese-test/',
    ]);
    expect(deps.output.objects.has('zh-cn/posts/chinese-test/a.png')).toBe(true);
  });
});

/** A page's `hreflang` alternates, as `code url` lines. */
function alternates(store: MemoryBlobStore, key: string): string[] {
  const page = store.text(key);
  if (page === undefined) throw new Error(`${key} was not written`);
  return [...page.matchAll(/<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">/g)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
}

/** Every object of a store, for comparing a site with another. */
function everything(store: MemoryBlobStore): Record<string, string> {
  return Object.fromEntries(
    [...store.objects].map(([key, object]) => [key, Buffer.from(object.body).toString('base64')]),
  );
}

describe('a post’s page and its translations', () => {
  const HELLO = [
    'en https://example.org/posts/hello/',
    'ja https://example.org/ja/posts/konnichiwa/',
    'x-default https://example.org/posts/hello/',
  ];

  it('link each other (hreflang), both ways, as Hugo pairs them, in a build', async () => {
    const { deps } = await setup({
      'posts/hello.md': postFile('Hello', '2024-05-03'),
      'posts/hello.ja.md': postFile('こんにちは', '2024-05-03', 'slug: konnichiwa'),
      'posts/hello.zh.md': postFile('你好', '2024-05-03', 'draft: true'),
      'posts/hello.pt-br.md': postFile('Olá', '2030-05-03'),
      'posts/b/index.md': postFile('B', '2024-05-02'),
      'posts/b/index.zh-cn.md': postFile('B 中文', '2024-05-02'),
      'posts/b/index.pt-br.markdown': '---\ntitle: [broken\n---\n',
      'posts/c/index.it.md': postFile('C', '2024-05-01'),
      'posts/c/index.ja.md': postFile('C ja', '2024-05-01'),
      'posts/alone.md': postFile('Alone', '2024-05-01'),
    });
    const report = await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(report.failed.map((e) => e.file)).toEqual(['posts/b/index.pt-br.markdown']);
    // A draft, a scheduled and a broken translation are not published: not linked.
    expect(alternates(deps.output, 'posts/hello/index.html')).toEqual(HELLO);
    expect(alternates(deps.output, 'ja/posts/konnichiwa/index.html')).toEqual(HELLO);
    const b = [
      'en https://example.org/posts/b/',
      'zh-cn https://example.org/zh-cn/posts/b/',
      'x-default https://example.org/posts/b/',
    ];
    expect(alternates(deps.output, 'posts/b/index.html')).toEqual(b);
    expect(alternates(deps.output, 'zh-cn/posts/b/index.html')).toEqual(b);
    // As hugo 0.111.3: index.it.md (no configured language) is the bundle's post, named index.it,
    // and no translation of index.ja.md; a post alone has no alternates.
    expect(alternates(deps.output, 'posts/c/index.html')).toEqual([]);
    expect(alternates(deps.output, 'ja/posts/c/index.html')).toEqual([]);
    expect(alternates(deps.output, 'posts/alone/index.html')).toEqual([]);
    // Without translations a language has no x-default of its own: the site's is the page's own.
    expect(alternates(deps.output, 'zh-cn/posts/b/index.html').at(-1)).toBe(
      'x-default https://example.org/posts/b/',
    );
  });

  it('are linked and unlinked on upload from either side, as a full build and a rebuild write them', async () => {
    const { deps } = await setup({
      'posts/hello.md': postFile('Hello', '2024-05-03'),
      'posts/other.md': postFile('Other', '2024-05-01'),
    });
    await publishChanges(deps, []);
    expect(alternates(deps.output, 'posts/hello/index.html')).toEqual([]);
    const same = async (step: string) => {
      const full = new MemoryBlobStore();
      await buildSite({ ...deps, output: full, clock: fixedClock(NOW) });
      expect({ step, files: everything(deps.output) }).toEqual({ step, files: everything(full) });
    };

    // The translation arrives: the English page, which did not change, links it.
    await deps.content.put('posts/hello.ja.md', postFile('こんにちは', '2024-05-03', 'slug: konnichiwa'));
    await publishChanges(deps, ['posts/hello.ja.md']);
    expect(alternates(deps.output, 'posts/hello/index.html')).toEqual(HELLO);
    expect(alternates(deps.output, 'ja/posts/konnichiwa/index.html')).toEqual(HELLO);
    await same('added');

    // A broken upload keeps the last good version published, and linked.
    await deps.content.put('posts/hello.ja.md', '---\ntitle: [broken\n---\n');
    await publishChanges(deps, ['posts/hello.ja.md']);
    expect(alternates(deps.output, 'posts/hello/index.html')).toEqual(HELLO);

    // The translation moves: the English page follows.
    await deps.content.put('posts/hello.ja.md', postFile('こんにちは', '2024-05-03', 'slug: yaa'));
    await publishChanges(deps, ['posts/hello.ja.md']);
    expect(alternates(deps.output, 'posts/hello/index.html')[1]).toBe('ja https://example.org/ja/posts/yaa/');
    await same('moved');

    // The English post moves: its translation's page follows.
    await deps.content.put('posts/hello.md', postFile('Hello', '2024-05-03', 'slug: hi'));
    await publishChanges(deps, ['posts/hello.md']);
    expect(alternates(deps.output, 'ja/posts/yaa/index.html')[0]).toBe('en https://example.org/posts/hi/');
    await same('post moved');

    // A draft is no translation to link; deleted, the other side loses its alternates.
    await deps.content.put('posts/hello.ja.md', postFile('こんにちは', '2024-05-03', 'draft: true'));
    await publishChanges(deps, ['posts/hello.ja.md']);
    expect(alternates(deps.output, 'posts/hi/index.html')).toEqual([]);
    await deps.content.put('posts/hello.ja.md', postFile('こんにちは', '2024-05-03'));
    await publishChanges(deps, ['posts/hello.ja.md']);
    await deps.content.delete('posts/hello.md');
    await publishChanges(deps, ['posts/hello.md']);
    expect(alternates(deps.output, 'ja/posts/hello/index.html')).toEqual([]);
    await same('deleted');

    // A scheduled translation is linked from the tick that publishes it.
    await deps.content.put('posts/hello.md', postFile('Hello', '2024-05-03'));
    await deps.content.put('posts/hello.ja.md', postFile('こんにちは', '2024-06-03'));
    await publishChanges(deps, ['posts/hello.md', 'posts/hello.ja.md']);
    expect(alternates(deps.output, 'posts/hello/index.html')).toEqual([]);
    const later = new Date('2024-06-04T00:00:00Z');
    const tick = { ...deps, clock: fixedClock(later) };
    await publishDue(tick);
    expect(alternates(deps.output, 'posts/hello/index.html')).toContain(
      'ja https://example.org/ja/posts/hello/',
    );
    const full = new MemoryBlobStore();
    await buildSite({ ...deps, output: full, clock: fixedClock(later) });
    expect(everything(deps.output)).toEqual(everything(full));
    // A rebuild writes the same site.
    const rebuilt = { ...tick, output: new MemoryBlobStore(), state: new MemoryBlobStore() };
    await rebuildSite(rebuilt);
    expect(everything(rebuilt.output)).toEqual(everything(full));
  });
});

describe('a language taken out of languages', () => {
  it('leaves the site with the rebuild, its static files and the site’s own pages aside', async () => {
    const { deps } = await setup({
      ...gallery,
      'posts/hello.ja.md': postFile('こんにちは', '2024-05-03'),
      'posts/own.md': postFile('Own', '2024-05-05', 'url: /ja/own/'),
      'static/ja/keep.txt': 'a static file in the folder',
    });
    // `url: /ja/own/` is under ja's folder while ja is a language: an error until it is not.
    await publishChanges(deps, []);
    const state = deps.state as MemoryBlobStore;
    expect(deps.output.objects.has('ja/posts/image-gallery/photo.png')).toBe(true);
    expect(deps.output.objects.has('ja/rss.xml')).toBe(true);
    expect([...state.objects.keys()].some((k) => k.startsWith('languages/ja/'))).toBe(true);

    await deps.content.put('site.yaml', LANGUAGES_YAML.replace('  ja: {}\n', ''));
    const report = await publishChanges(deps, ['site.yaml']);
    expect(report.rebuilt).toBe(true);
    expect(report.pages).toContain('ja/rss.xml');
    const left = [...deps.output.objects.keys()].filter((k) => k.startsWith('ja/')).sort();
    expect(left).toEqual(['ja/keep.txt', 'ja/own/index.html']);
    expect([...state.objects.keys()].filter((k) => k.startsWith('languages/ja/'))).toEqual([]);
    // The other languages keep theirs; the site is what a build from nothing writes.
    expect(deps.output.objects.has('zh/posts/shortcodes/index.html')).toBe(true);
    const full = new MemoryBlobStore();
    await buildSite({ ...deps, output: full, clock: fixedClock(NOW) });
    expect(everything(deps.output)).toEqual(everything(full));
  });
});

describe('a language taken out of languages, in herald build', () => {
  it('leaves the output folder with its pages and feeds; a build from nothing writes the same', async () => {
    const { deps } = await setup({
      ...gallery,
      'posts/hello.ja.md': postFile('こんにちは', '2024-05-03', 'categories: \'["Notes"]\''),
      'static/ja/keep.txt': 'a static file in the folder',
      'static/ja/feed.json': '{"a": "static file named like a feed"}',
    });
    await buildSite(deps);
    expect(deps.output.objects.has('ja/rss.xml')).toBe(true);
    expect(deps.output.objects.has('ja/categories/notes/atom.xml')).toBe(true);

    await deps.content.put('site.yaml', LANGUAGES_YAML.replace('  ja: {}\n', ''));
    await buildSite(deps);
    const feeds = [...deps.output.objects.keys()].filter((k) =>
      /^ja\/.*(rss\.xml|atom\.xml|feed\.json)$/.test(k),
    );
    expect(feeds).toEqual(['ja/feed.json']);
    const full = new MemoryBlobStore();
    await buildSite({ ...deps, output: full });
    const pagesAndFeeds = (store: MemoryBlobStore) =>
      [...store.objects.keys()].filter((k) => /\.(html|xml|json)$/.test(k)).sort();
    expect(pagesAndFeeds(deps.output)).toEqual(pagesAndFeeds(full));
  });
});

describe('another language’s feeds', () => {
  it('have enclosures for static images as the site’s own do, kept up to date on upload', async () => {
    const { deps } = await setup({
      'posts/hello.md': postFile('Hello', '2024-05-03', 'image: /images/cover.png'),
      'posts/hello.ja.md': postFile('こんにちは', '2024-05-03', 'image: /images/cover.png'),
      'static/images/cover.png': PHOTO,
    });
    await publishChanges(deps, []);
    const enclosure = (folder: string) =>
      deps.output.text(`${folder}rss.xml`)?.match(/<enclosure [^>]+>/)?.[0];
    const expected = '<enclosure length="10" type="image/png" url="https://example.org/images/cover.png"/>';
    expect(enclosure('')).toBe(expected);
    expect(enclosure('ja/')).toBe(expected);
    // The file is published once, at the root: never under /ja/.
    expect(deps.output.objects.has('ja/images/cover.png')).toBe(false);

    await deps.content.put('static/images/cover.png', new Uint8Array(25));
    await publishChanges(deps, ['static/images/cover.png']);
    expect(enclosure('ja/')).toContain('length="25"');
    const full = new MemoryBlobStore();
    await buildSite({ ...deps, output: full, clock: fixedClock(NOW) });
    expect(everything(deps.output)).toEqual(everything(full));

    // Another language's run never removes a static file published in its folder.
    await deps.content.put('static/ja/images/cover.png', PHOTO);
    await publishChanges(deps, ['static/ja/images/cover.png']);
    await deps.content.delete('static/images/cover.png');
    await publishChanges(deps, ['static/images/cover.png']);
    expect(deps.output.objects.has('ja/images/cover.png')).toBe(true);
    expect(enclosure('ja/')).toBeUndefined();
  });
});

describe('the root sitemap of a multi-language site', () => {
  it('names every language’s sitemaps, kept up to date on upload as a build writes it', async () => {
    const { deps } = await setup({ 'posts/hello.md': postFile('Hello', '2024-05-03') });
    await publishChanges(deps, []);
    const locs = (store: MemoryBlobStore, key: string) =>
      [...(store.text(key) ?? '').matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    const lists = ['ja', 'pt-br', 'zh', 'zh-cn'].map(
      (code) => `https://example.org/${code}/sitemap-lists.xml`,
    );
    expect(locs(deps.output, 'sitemap.xml')).toEqual([
      'https://example.org/sitemap-lists.xml',
      'https://example.org/sitemap-posts-1.xml',
      ...lists,
    ]);
    await deps.content.put('posts/hello.ja.md', postFile('こんにちは', '2024-05-03'));
    await publishChanges(deps, ['posts/hello.ja.md']);
    expect(locs(deps.output, 'sitemap.xml')).toContain('https://example.org/ja/sitemap-posts-1.xml');
    expect(locs(deps.output, 'ja/sitemap-posts-1.xml')).toEqual(['https://example.org/ja/posts/hello/']);
    const full = new MemoryBlobStore();
    await buildSite({ ...deps, output: full, clock: fixedClock(NOW) });
    expect(deps.output.text('sitemap.xml')).toBe(full.text('sitemap.xml'));
    await deps.content.delete('posts/hello.ja.md');
    await publishChanges(deps, ['posts/hello.ja.md']);
    expect(locs(deps.output, 'sitemap.xml')).not.toContain('https://example.org/ja/sitemap-posts-1.xml');
  });
});

describe('language suffixes the site does not configure, and markdown in bundles', () => {
  it('are part of the name, as in Hugo: post.it.md is a post of its own', async () => {
    const { deps, logged } = await setup(
      {
        'posts/post.it.md': postFile('Post', '2024-05-01'),
        'posts/notes.me.md': postFile('Notes', '2024-05-02'),
        'posts/only/index.ja.md': postFile('テスト', '2024-05-03'),
        'posts/only/a.png': PHOTO,
      },
      SITE_YAML,
    );
    const report = await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(report.failed).toEqual([]);
    expect(report.notices).toEqual([]);
    expect(feedItems(deps.output).map((i) => i.url)).toEqual([
      'https://example.org/posts/only/',
      'https://example.org/posts/notes-me/',
      'https://example.org/posts/post-it/',
    ]);
    // Hugo publishes a bundle whose only index file has an unconfigured suffix, with its files.
    expect(resourceKeys(deps.output)).toEqual(['posts/only/a.png']);
    expect(logged.filter((l) => l.message === 'translations left out')).toEqual([]);
  });

  it('leaves a bundle’s other markdown out as its resources, in builds and on upload', async () => {
    const files = {
      'posts/a/index.md': postFile('A', '2024-05-01'),
      'posts/a/index.fr.md': postFile('A en français', '2024-05-01'),
      'posts/a/notes.md': postFile('Notes', '2024-05-02'),
      'posts/a/deep/more.md': postFile('More', '2024-05-03'),
      'posts/b.md': postFile('B', '2024-05-04'),
    };
    const { deps, logged } = await setup(files, SITE_YAML);
    const report = await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(report.failed).toEqual([]);
    expect(feedItems(deps.output).map((i) => i.title)).toEqual(['B', 'A']);
    expect(report.notices).toEqual([
      '3 markdown files in page bundles left out: posts/a/deep/more.md, posts/a/index.fr.md, posts/a/notes.md; a page bundle has one post, its index file, and Hugo reads other markdown in it as resources, not pages (to publish index.<code>.md as a translation, name its language in site.yaml languages)',
    ]);
    expect(logged.filter((l) => l.message === 'markdown in bundles left out')).toHaveLength(1);

    // On upload: the bundle's index file decides for every markdown file below it.
    const { deps: live } = await setup({ 'posts/b.md': files['posts/b.md'] }, SITE_YAML);
    await publishChanges(live, []);
    await live.content.put('posts/a/notes.md', files['posts/a/notes.md']);
    await live.content.put('posts/a/deep/more.md', files['posts/a/deep/more.md']);
    await publishChanges(live, ['posts/a/notes.md', 'posts/a/deep/more.md']);
    expect(feedItems(live.output).map((i) => i.title)).toEqual(['B', 'More', 'Notes']);
    await live.content.put('posts/a/index.md', files['posts/a/index.md']);
    await publishChanges(live, ['posts/a/index.md']);
    expect(feedItems(live.output).map((i) => i.title)).toEqual(['B', 'A']);
    expect(live.output.text('posts/notes/index.html')).toBeUndefined();
    // A markdown file uploaded into the bundle stays its resource.
    await live.content.put('posts/a/index.fr.md', files['posts/a/index.fr.md']);
    await publishChanges(live, ['posts/a/index.fr.md']);
    expect(feedItems(live.output).map((i) => i.title)).toEqual(['B', 'A']);
    // Without index.md, index.fr.md (fr is no language here) is the bundle's post, as Hugo picks it.
    await live.content.delete('posts/a/index.md');
    await publishChanges(live, ['posts/a/index.md']);
    expect(feedItems(live.output).map((i) => i.title)).toEqual(['B', 'A en français']);
    // Without any index file the folder is no bundle: its markdown files are posts again.
    await live.content.delete('posts/a/index.fr.md');
    await publishChanges(live, ['posts/a/index.fr.md']);
    expect(feedItems(live.output).map((i) => i.title)).toEqual(['B', 'More', 'Notes']);
    // And a full build agrees with every step.
    const full = new MemoryBlobStore();
    await buildSite({ ...live, output: full, clock: fixedClock(NOW) });
    expect(feedItems(full)).toEqual(feedItems(live.output));
  });
});

describe('headless bundles and _index.md', () => {
  it('are neither posts nor errors nor drafts, whatever their front matter', async () => {
    const { deps } = await setup({
      'posts/_index.md': '---\ntitle: Posts\n---\nAll posts.\n',
      'posts/widgets/index.md': '---\nheadless: true\n---\n',
      'posts/widgets/a.png': PHOTO,
      'posts/hidden/index.md': '---\ntitle: Hidden\nbuild:\n  render: never\n  list: never\n---\n',
      'posts/old/index.md': '+++\ntitle = "Old"\n[_build]\nlist = false\n+++\n',
      'posts/hello.md': postFile('Hello', '2024-05-03'),
    });
    const report = await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(report.failed).toEqual([]);
    expect([report.published, report.drafts]).toEqual([1, 0]);
    expect(resourceKeys(deps.output)).toEqual([]);
    const published = await publishChanges(deps, ['posts/widgets/index.md', 'posts/hidden/index.md']);
    expect(published.failed).toEqual([]);
  });

  it('still publishes a post whose build options render and list it', async () => {
    const { deps } = await setup({
      'posts/shown.md': postFile('Shown', '2024-05-03', 'build:\n  render: always\n  list: always'),
    });
    const report = await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(report.published).toBe(1);
  });
});

describe('a category’s _index.md', () => {
  const files = {
    'posts/hello.md': postFile('Hello', '2024-05-03', 'categories: [Field Notes]'),
    'categories/Field Notes/_index.md':
      '---\ntitle: Notes from the field\ndescription: Short <reports> & sketches.\n---\nBody text.\n',
    'categories/other/_index.md': '+++\ntitle = "Other"\nslug = "elsewhere"\n+++\n',
  };

  it('gives the category’s pages their heading and text, and its feeds their description', async () => {
    const { deps } = await setup(files);
    const report = await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(report.failed).toEqual([]);
    const page = deps.output.text('categories/field-notes/index.html') ?? '';
    expect(page).toContain('<h1>Notes from the field</h1>\n<p>Short &lt;reports&gt; &amp; sketches.</p>');
    expect(page).toContain('<meta name="description" content="Short &lt;reports&gt; &amp; sketches.">');
    expect(JSON.parse(deps.output.text('categories/field-notes/feed.json') ?? '{}').description).toBe(
      'Short <reports> & sketches.',
    );
    // A category without one keeps Herald's wording.
    await deps.content.delete('categories/Field Notes/_index.md');
    await buildSite({ ...deps, clock: fixedClock(NOW) });
    expect(deps.output.text('categories/field-notes/index.html')).toContain(
      '<h1>Field Notes</h1>\n<p class="meta feeds">',
    );
  });

  it('takes effect on upload, as configuration does', async () => {
    const { deps } = await setup(files);
    await publishChanges(deps, []);
    await deps.content.put('categories/Field Notes/_index.md', '---\ntitle: Renamed\n---\n');
    const report = await publishChanges(deps, ['categories/Field Notes/_index.md']);
    expect(report.rebuilt).toBe(true);
    expect(deps.output.text('categories/field-notes/index.html')).toContain('<h1>Renamed</h1>');
  });

  it('names the file when its front matter cannot be read', async () => {
    const { deps } = await setup({ ...files, 'categories/bad/_index.md': '---\ntitle: [unclosed\n---\n' });
    await expect(buildSite({ ...deps, clock: fixedClock(NOW) })).rejects.toMatchObject({
      name: 'ConfigError',
      file: 'categories/bad/_index.md',
      field: 'front matter',
    });
  });
});

describe('a real theme’s content uploaded file by file', () => {
  it('publishes what herald build writes, in any upload order (Hugo Theme Stack’s example)', async () => {
    const root = fixturePath('hugo-theme-stack');
    const files = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name !== 'README.md')
      .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'));
    const full = await contentStore({});
    for (const key of files) await full.put(key, readFileSync(join(root, key)));
    const built = new MemoryBlobStore();
    await buildSite({ content: full, output: built, clock: fixedClock(NOW), log: silentLogger });

    // site.yaml first (the first run builds from it), then the rest in reverse order: resources
    // before their index.md, translations before the post.
    const { deps } = await setup({ 'site.yaml': readFileSync(join(root, 'site.yaml'), 'utf8') });
    await publishChanges(deps, []);
    for (const key of files
      .filter((k) => k !== 'site.yaml')
      .sort()
      .reverse()) {
      await deps.content.put(key, readFileSync(join(root, key)));
      await publishChanges(deps, [key]);
    }
    const everything = (store: MemoryBlobStore) =>
      Object.fromEntries(
        [...store.objects].map(([key, object]) => [key, Buffer.from(object.body).toString('base64')]),
      );
    expect(everything(deps.output)).toEqual(everything(built));
    expect(Object.keys(everything(built))).toContain(
      'posts/placeholder-text/matt-le-SJSpo9hQf7s-unsplash.jpg',
    );
  });
});
