import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  atomRuleViolations,
  atomSchemaErrors,
  jsonFeedErrors,
  rssRuleViolations,
} from '../helpers/feed-checks.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { brokenLinks, fileOf } from '../helpers/site-links.ts';

// A real theme's demo content (page bundles with images, translations, a bundle of translations
// only, _index.md) built by the CLI as an author runs it.

const HERALD = fileURLToPath(new URL('../../functions/cli/herald.mjs', import.meta.url));
const BASE = 'https://example.com/';
const out = join(mkdtempSync(join(tmpdir(), 'herald-stack-')), 'public');
let result: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  const args = [
    'build',
    '--content',
    fixturePath('hugo-theme-stack'),
    '--out',
    out,
    '--now',
    '2025-01-01T00:00:00Z',
  ];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [HERALD, ...args]);
    result = { code: 0, stdout, stderr };
  } catch (error) {
    result = error as typeof result;
  }
}, 60_000);

describe('herald build of Hugo Theme Stack’s example content', () => {
  it('exits 0 with the English posts, reading file names as Hugo does with the theme’s languages', () => {
    expect(result.code).toBe(0);
    // 5 English posts, and one each in Chinese and Arabic.
    expect(result.stdout).toContain('Published 7 posts');
    expect(result.stdout).toContain('(0 draft, 0 scheduled, 0 failed)');
    const notices = result.stderr.split('\n').filter((line) => line.includes('notice:'));
    expect(notices).toEqual([
      // zh-tw is none of the theme's languages: a second index file, which Hugo reads as a resource.
      expect.stringContaining('1 markdown file in page bundles left out: posts/chinese-test/index.zh-tw.md'),
    ]);
    const feed = JSON.parse(readFileSync(join(out, 'feed.json'), 'utf8')) as { items: { title: string }[] };
    expect(feed.items.map((i) => i.title)).toEqual([
      // ja is none of the theme's languages either: Hugo 0.111 publishes index.ja.md as the English
      // page of its bundle (the first index file by name), and so does Herald.
      'Japanese Test',
      'Rich Content',
      'Placeholder Text',
      'Math Typesetting',
      'Emoji Support',
    ]);
  });

  it('publishes each bundle’s image under its post, with its size in the enclosure', () => {
    const photo = 'posts/emoji-support/the-creative-exchange-d2zvqp3fpro-unsplash.jpg';
    const bytes = readFileSync(fixturePath(`hugo-theme-stack/${photo}`));
    expect(readFileSync(join(out, photo))).toEqual(bytes);
    expect(readFileSync(join(out, 'rss.xml'), 'utf8')).toContain(
      `<enclosure length="${bytes.byteLength}" type="image/jpeg" url="${BASE}${photo}"/>`,
    );
    // The bundle whose post is index.ja.md publishes its image under that post's URL.
    expect(readFileSync(join(out, 'posts/test-chinese/helena-hertz-wWZzXlDpMog-unsplash.jpg'))).toEqual(
      readFileSync(fixturePath('hugo-theme-stack/posts/chinese-test/helena-hertz-wWZzXlDpMog-unsplash.jpg')),
    );
  });

  it('publishes the theme’s other languages under /zh-cn/ and /ar/, with their titles and feeds', () => {
    const zh = JSON.parse(readFileSync(join(out, 'zh-cn/feed.json'), 'utf8')) as {
      title: string;
      language: string;
      items: { url: string }[];
    };
    expect([zh.title, zh.language, zh.items.map((i) => i.url)]).toEqual([
      '演示站点',
      'zh-cn',
      [`${BASE}zh-cn/posts/test-chinese/`],
    ]);
    expect(readFileSync(join(out, 'ar/atom.xml'), 'utf8')).toContain('xml:lang="ar"');
    expect(readFileSync(join(out, 'ar/posts/placeholder-text/index.html'), 'utf8')).toContain(
      '<html lang="ar">',
    );
    // Each language's post has the bundle's files beside it, as Hugo publishes them.
    expect(
      readFileSync(join(out, 'ar/posts/placeholder-text/matt-le-SJSpo9hQf7s-unsplash.jpg')).byteLength,
    ).toBe(
      readFileSync(fixturePath('hugo-theme-stack/posts/placeholder-text/matt-le-SJSpo9hQf7s-unsplash.jpg'))
        .byteLength,
    );
  });

  it('links each post and its translations both ways (hreflang), as Hugo pairs their files', () => {
    const alternates = (key: string) =>
      [
        ...readFileSync(join(out, key), 'utf8').matchAll(
          /<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">/g,
        ),
      ].map((m) => `${m[1]} ${m[2]}`);
    const placeholder = [
      `en-us ${BASE}posts/placeholder-text/`,
      `ar ${BASE}ar/posts/placeholder-text/`,
      `x-default ${BASE}posts/placeholder-text/`,
    ];
    expect(alternates('posts/placeholder-text/index.html')).toEqual(placeholder);
    expect(alternates('ar/posts/placeholder-text/index.html')).toEqual(placeholder);
    // The site's post of chinese-test is index.ja.md (ja is no language of the site), which hugo
    // 0.111.3 pairs with no index.zh-cn.md: neither links the other.
    expect(alternates('posts/test-chinese/index.html')).toEqual([]);
    expect(alternates('zh-cn/posts/test-chinese/index.html')).toEqual([]);
  });

  it('names every language’s sitemaps in the root sitemap, in the languages’ order, as Hugo', () => {
    const locs = (file: string) =>
      [...readFileSync(join(out, file), 'utf8').matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1] ?? '');
    const root = locs('sitemap.xml');
    expect(root).toEqual([
      `${BASE}sitemap-lists.xml`,
      `${BASE}sitemap-posts-1.xml`,
      `${BASE}zh-cn/sitemap-lists.xml`,
      `${BASE}zh-cn/sitemap-posts-1.xml`,
      `${BASE}ar/sitemap-lists.xml`,
      `${BASE}ar/sitemap-posts-1.xml`,
    ]);
    // Each is a sitemap of pages the build wrote (an index may not name another index).
    for (const url of root) {
      const file = url.slice(BASE.length);
      expect(readFileSync(join(out, file), 'utf8')).toContain('<urlset');
      for (const page of locs(file))
        expect([page, existsSync(join(out, fileOf(page, BASE)))]).toEqual([page, true]);
    }
  });

  it('writes every language’s feeds valid under the project’s validators', async () => {
    for (const folder of ['', 'zh-cn/', 'ar/', 'zh-cn/categories/test/']) {
      const read = (file: string) => readFileSync(join(out, `${folder}${file}`), 'utf8');
      expect([folder, rssRuleViolations(read('rss.xml'), `${BASE}${folder}rss.xml`)]).toEqual([folder, []]);
      expect([folder, atomRuleViolations(read('atom.xml'), `${BASE}${folder}atom.xml`)]).toEqual([
        folder,
        [],
      ]);
      expect([folder, await atomSchemaErrors(read('atom.xml'))]).toEqual([folder, []]);
      expect([folder, jsonFeedErrors(read('feed.json'))]).toEqual([folder, []]);
    }
  });

  it('describes the category Test with its _index.md', () => {
    expect(readFileSync(join(out, 'categories/test/index.html'), 'utf8')).toContain(
      '<h1>Test</h1>\n<p>This is an example category</p>',
    );
  });

  it('leaves no link, image or feed item pointing at a file it did not write', () => {
    expect(brokenLinks(out, BASE)).toEqual([]);
  });
});
