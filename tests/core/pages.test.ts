import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { withHeadingAnchors } from '../../functions/core/pages/heading-anchors.ts';
import { type PageEntry, pageKey, planPages, SITEMAP_SIZE } from '../../functions/core/pages/page-plan.ts';
import { opensWithImage } from '../../functions/core/pages/post-extras.ts';
import { postPage } from '../../functions/core/pages/templates.ts';
import { parsePost, renderPost } from '../../functions/core/posts/parse-post.ts';
import type { Post } from '../../functions/core/posts/post.ts';
import { bytes, testSite } from '../helpers/site.ts';

const site = testSite({ pageSize: 2, subscribeUrl: 'https://api.example.org/subscribe' });

function post(n: number, extra = ''): Post {
  const day = String(n).padStart(2, '0');
  return renderPost(
    parsePost(
      {
        key: `posts/p${n}.md`,
        bytes: bytes(`---\ntitle: "Post ${n} <b>&"\ndate: 2024-01-${day}\n${extra}\n---\nBody ${n}.\n`),
      },
      site,
    ),
  );
}

function entry(p: Post): PageEntry {
  return { ...p, hash: p.title };
}

/** Parses a page, failing on any HTML parse error. */
function parseStrict(htmlText: string): ReturnType<typeof parse> {
  const errors: string[] = [];
  const document = parse(htmlText, {
    onParseError: (e) => errors.push(`${e.code} at ${e.startLine}:${e.startCol}`),
  });
  expect(errors).toEqual([]);
  return document;
}

const posts = [5, 4, 3, 2, 1].map((n) => post(n, n % 2 ? 'categories: [Odd]' : ''));
const byKey = new Map(posts.map((p) => [p.source, p]));
const plan = planPages(site, posts.map(entry));
const page = (key: string): string => {
  const found = plan.find((p) => p.key === key);
  if (!found) throw new Error(`no page ${key} among ${plan.map((p) => p.key).join(', ')}`);
  return found.render(byKey);
};

describe('page plan', () => {
  it('has a page per post, home and category pages, stable archive pages, feeds, 404 and sitemap', () => {
    expect(plan.map((p) => p.key).sort()).toEqual(
      [
        '404.html',
        'categories/odd/index.html',
        'categories/odd/page/1/index.html',
        'categories/odd/page/2/index.html',
        'feeds/index.html',
        'index.html',
        'page/1/index.html',
        'page/2/index.html',
        'page/3/index.html',
        'posts/p1/index.html',
        'posts/p2/index.html',
        'posts/p3/index.html',
        'posts/p4/index.html',
        'posts/p5/index.html',
        'sitemap.xml',
        'sitemap-lists.xml',
        'sitemap-posts-1.xml',
      ].sort(),
    );
    expect(pageKey('/posts/a.html')).toBe('posts/a.html');
  });

  it('numbers archive pages from the oldest post, so a new post changes only the newest ones', () => {
    const withNew = planPages(site, [post(6), ...posts].map(entry));
    const inputs = (p: typeof plan) => new Map(p.map((x) => [x.key, JSON.stringify(x.inputs)]));
    const before = inputs(plan);
    const changed = [...inputs(withNew)]
      .filter(([key, value]) => before.get(key) !== value)
      .map(([key]) => key)
      .sort();
    expect(changed).toEqual([
      'feeds/index.html',
      'index.html',
      'page/3/index.html',
      'posts/p5/index.html',
      'posts/p6/index.html',
      'sitemap-lists.xml',
      'sitemap-posts-1.xml',
    ]);
  });

  it('writes nothing when pages are off', () => {
    expect(planPages(testSite({ pages: false }), posts.map(entry))).toEqual([]);
  });
});

describe('pages', () => {
  it('are valid HTML with landmarks, a canonical URL and feed autodiscovery', () => {
    for (const key of [
      'index.html',
      'posts/p3/index.html',
      'page/1/index.html',
      'feeds/index.html',
      '404.html',
      'categories/odd/index.html',
    ]) {
      const text = page(key);
      parseStrict(text);
      expect(text).toMatch(/<main id="content">/);
      expect(text).toMatch(/<header class="site">/);
      expect(text).toContain(
        '<link rel="alternate" type="application/rss+xml" title="Field Notes" href="https://example.org/rss.xml">',
      );
      expect(text).toContain('<link rel="alternate" type="application/atom+xml"');
      expect(text).toContain('<link rel="alternate" type="application/feed+json"');
    }
    expect(page('posts/p3/index.html')).toContain(
      '<link rel="canonical" href="https://example.org/posts/p3/">',
    );
    expect(page('categories/odd/index.html')).toContain('href="https://example.org/categories/odd/rss.xml"');
  });

  it('show a post with its date, author, categories, body and neighbours; titles as plain text', () => {
    const text = page('posts/p3/index.html');
    expect(text).toContain('<h1>Post 3 &lt;b&gt;&amp;</h1>');
    expect(text).toContain('<time datetime="2024-01-03T00:00:00.000Z">January 3, 2024</time>');
    expect(text).toContain('Editors');
    expect(text).toContain('<a href="https://example.org/categories/odd/">Odd</a>');
    expect(text).toContain('<p>Body 3.</p>');
    expect(text).toContain('<a rel="prev" href="https://example.org/posts/p2/">← Post 2 &lt;b&gt;&amp;</a>');
    expect(text).toContain('<a rel="next" href="https://example.org/posts/p4/">Post 4 &lt;b&gt;&amp; →</a>');
    expect(text).toContain('<meta property="og:type" content="article">');
    expect(text).toContain('<meta name="description" content="Body 3.">');
  });

  it('list newest first with summaries, and link to older pages', () => {
    const home = page('index.html');
    expect(home.indexOf('Post 5')).toBeLessThan(home.indexOf('Post 4'));
    expect(home).not.toContain('Post 3');
    expect(home).toContain('<a rel="next" href="https://example.org/page/2/">Older posts →</a>');
    expect(page('page/1/index.html')).toContain('Post 1');
    expect(page('page/3/index.html')).toContain(
      '<a rel="prev" href="https://example.org/">← Newest posts</a>',
    );
  });

  it('carry the subscribe form only when a subscribe URL is configured', () => {
    expect(page('index.html')).toContain(
      '<form class="subscribe" method="post" action="https://api.example.org/subscribe">',
    );
    const without =
      planPages(testSite(), posts.map(entry))
        .find((p) => p.key === 'index.html')
        ?.render(byKey) ?? '';
    expect(without).not.toContain('<form');
  });

  it("subscribe a category page's readers to that category only", () => {
    const form = (key: string) => /<form class="subscribe"[\s\S]*?<\/form>/.exec(page(key))?.[0] ?? '';
    expect(form('categories/odd/index.html')).toContain(
      '<input type="hidden" name="categories" value="Odd">',
    );
    expect(form('categories/odd/page/1/index.html')).toContain('name="categories" value="Odd"');
    expect(form('categories/odd/index.html')).toContain('Get new posts in Odd by e-mail');
    expect(form('index.html')).not.toContain('name="categories"');
  });

  it('list every post in a sitemap of posts, the lists in another, both named in sitemap.xml', () => {
    const xml = page('sitemap-posts-1.xml');
    for (const n of [1, 2, 3, 4, 5]) expect(xml).toContain(`<loc>https://example.org/posts/p${n}/</loc>`);
    expect(page('sitemap-lists.xml')).toContain('<loc>https://example.org/categories/odd/</loc>');
    expect(page('sitemap.xml')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' +
        '  <sitemap><loc>https://example.org/sitemap-lists.xml</loc></sitemap>\n' +
        '  <sitemap><loc>https://example.org/sitemap-posts-1.xml</loc></sitemap>\n</sitemapindex>\n',
    );
    expect(page('page/2/index.html')).toContain('<h1>Field Notes: page 2</h1>');
  });

  it('split posts over sitemaps of a fixed size, numbered from the oldest post', () => {
    const many = Array.from({ length: SITEMAP_SIZE + 1 }, (_, i) => ({
      ...entry(posts[0] as Post),
      source: `posts/m${i}.md`,
      path: `/posts/m${i}/`,
      url: `https://example.org/posts/m${i}/`,
    }));
    const keys = planPages(site, many).map((p) => p.key);
    expect(keys).toContain('sitemap-posts-2.xml');
    expect(keys).not.toContain('sitemap-posts-3.xml');
    const second = planPages(site, many).find((p) => p.key === 'sitemap-posts-2.xml');
    // The newest post alone: the oldest thousand fill the first.
    expect(second?.render(byKey).match(/<url>/g)).toHaveLength(1);
    expect(second?.render(byKey)).toContain('posts/m0/');
  });
});

describe('heading anchors on post pages', () => {
  it('adds a # link to headings with ids, and nothing to the body feeds carry', () => {
    expect(
      withHeadingAnchors('<h2 id="a-b">A <em>b</em></h2><p>x</p><h3 class="k" id="c">C</h3><h4>no id</h4>'),
    ).toBe(
      '<h2 id="a-b">A <em>b</em> <a class="anchor" href="#a-b" aria-label="Link to this section">#</a></h2><p>x</p>' +
        '<h3 class="k" id="c">C <a class="anchor" href="#c" aria-label="Link to this section">#</a></h3><h4>no id</h4>',
    );
  });
});

describe('post page extras', () => {
  const site = testSite();
  const page = (frontMatter: string, body: string) =>
    postPage(
      site,
      renderPost(
        parsePost(
          {
            key: 'posts/p.md',
            bytes: bytes(`---\ntitle: P\ndate: 2024-01-01\n${frontMatter}\n---\n${body}\n`),
          },
          site,
        ),
      ),
      undefined,
      undefined,
    );

  it('shows the reading time (213 words a minute, as Hugo), the tags and series, linked to their pages', () => {
    const html = page('tags: [Go, "a<b"]\nseries: [Learning Go]', 'word '.repeat(214));
    expect(html).toContain(' · 2 min read');
    expect(html).toContain(
      '<p class="tags">Tags: <a href="https://example.org/tags/go/">Go</a>, <a href="https://example.org/tags/alessb/">a&lt;b</a></p>',
    );
    expect(html).toContain(
      '<p class="series">Series: <a href="https://example.org/series/learning-go/">Learning Go</a></p>',
    );
    expect(page('', 'Short.')).toContain(' · 1 min read');
  });

  it('shows the cover image once when the body opens with it', () => {
    expect(
      page('image: /images/c.png', '![Cover](/images/c.png)\n\nText.').match(/images\/c\.png/g),
    ).toHaveLength(2);
    expect(
      page('image: /images/c.png', 'Text first.\n\n![Cover](/images/c.png)').match(
        /<img src="https:\/\/example\.org\/images\/c\.png"/g,
      ),
    ).toHaveLength(2);
    expect(
      opensWithImage(
        '<p><img src="https://x.example/a.png?w=1&amp;h=2" alt="" /></p>',
        'https://x.example/a.png?w=1&h=2',
      ),
    ).toBe(true);
  });
});
