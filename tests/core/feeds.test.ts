import { readFileSync } from 'node:fs';
import { extractFromJson, extractFromXml } from '@extractus/feed-extractor';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { texToMathml } from '../../functions/app/tex-to-mathml.ts';
import { type OutputFile, renderFeeds } from '../../functions/core/feeds/render-feeds.ts';
import { parsePost, renderPost } from '../../functions/core/posts/parse-post.ts';
import type { Post } from '../../functions/core/posts/post.ts';
import { catalogue } from '../../functions/core/site/catalogue.ts';
import { planFeeds } from '../../functions/core/site/feed-plan.ts';
import { stripXmlForbidden } from '../../functions/core/text/xml-safe.ts';
import {
  atomRuleViolations,
  atomSchemaErrors,
  jsonFeedErrors,
  rssRuleViolations,
  xmlWellFormed,
} from '../helpers/feed-checks.ts';
import { loadGoldenSite } from '../helpers/golden-site.ts';
import { bytes, testSite } from '../helpers/site.ts';

const NOW = new Date('2024-06-01T00:00:00Z');
const { site, posts, imageSizes } = loadGoldenSite();
const allFeeds = (published: Post[]): OutputFile[] =>
  planFeeds(site, published).flatMap((feed) => renderFeeds(site, feed.scope, feed.posts, imageSizes));
const published = catalogue(posts, NOW).published;
const files = new Map(allFeeds(published).map((f) => [f.key, f]));
const body = (key: string): string => {
  const file = files.get(key);
  if (!file) throw new Error(`no ${key} among ${[...files.keys()].join(', ')}`);
  return file.body;
};

describe('feeds of the golden site', () => {
  it('writes site-wide, per-category and per-tag feeds in three formats with their media types', () => {
    expect([...files.keys()].sort()).toEqual([
      'atom.xml',
      'categories/how-to-tech/atom.xml',
      'categories/how-to-tech/feed.json',
      'categories/how-to-tech/rss.xml',
      'categories/security/atom.xml',
      'categories/security/feed.json',
      'categories/security/rss.xml',
      'feed.json',
      'rss.xml',
      'tags/intro/atom.xml',
      'tags/intro/feed.json',
      'tags/intro/rss.xml',
    ]);
    expect(files.get('rss.xml')?.contentType).toBe('application/rss+xml; charset=utf-8');
    expect(files.get('atom.xml')?.contentType).toBe('application/atom+xml; charset=utf-8');
    expect(files.get('feed.json')?.contentType).toBe('application/feed+json; charset=utf-8');
  });

  it('matches the golden files byte for byte', async () => {
    for (const [key, file] of files) await expect(file.body).toMatchFileSnapshot(`__golden__/${key}`);
  });

  it('is well-formed XML', () => {
    for (const [key, file] of files)
      if (key.endsWith('.xml')) expect([key, xmlWellFormed(file.body)]).toEqual([key, true]);
  });

  it('passes the RFC 4287 schema (libxml2 RELAX NG)', async () => {
    const atoms = [...files].filter(([key]) => key.endsWith('atom.xml')).map(([, f]) => f.body);
    expect(await atomSchemaErrors(...atoms)).toEqual([]);
  });

  it('has a schema check that fails an entry without an id, naming the element', async () => {
    const atom = body('atom.xml');
    // The first <id> is the feed's; the second, the first entry's.
    const entryId = atom.indexOf('<id>', atom.indexOf('<entry>'));
    const broken = atom.slice(0, entryId) + atom.slice(atom.indexOf('</id>', entryId) + '</id>'.length);
    expect(broken).not.toBe(atom);
    const errors = await atomSchemaErrors(atom, broken);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.startsWith('atom-1.xml'))).toBe(true);
    expect(errors.join('\n')).toMatch(/id/);
  });

  it('passes the W3C validator rules for RSS and Atom', () => {
    expect(rssRuleViolations(body('rss.xml'), 'https://golden.example/blog/rss.xml')).toEqual([]);
    expect(
      rssRuleViolations(
        body('categories/security/rss.xml'),
        'https://golden.example/blog/categories/security/rss.xml',
      ),
    ).toEqual([]);
    expect(atomRuleViolations(body('atom.xml'), 'https://golden.example/blog/atom.xml')).toEqual([]);
  });

  it('passes the JSON Feed 1.1 schema', () => {
    for (const [key, file] of files)
      if (key.endsWith('.json')) expect([key, jsonFeedErrors(file.body)]).toEqual([key, []]);
  });

  it('gives Atom plain-text titles and summaries that parsers read back exactly as typed', async () => {
    const feed = await new Parser().parseString(body('atom.xml'));
    expect(feed.items.map((i) => i.title)).toEqual([
      'Fourth Post',
      'Third, in TOML',
      'Tags <b> & Ampersands',
    ]);
    expect(feed.items[0]?.summary).toBe('The newest post.');
    const extracted = extractFromXml(body('atom.xml'));
    expect(extracted.entries?.map((e) => e.title)).toEqual([
      'Fourth Post',
      'Third, in TOML',
      'Tags <b> & Ampersands',
    ]);
    expect(body('atom.xml')).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">');
    expect(body('atom.xml')).toContain(
      '<category term="How-to-tech" scheme="https://golden.example/blog/categories/"/>',
    );
  });

  it('reads back exactly with rss-parser: titles as typed, newest first, limited', async () => {
    const feed = await new Parser().parseString(body('rss.xml'));
    expect(feed.title).toBe('Golden & <Sample> Site');
    expect(feed.items.map((i) => i.title)).toEqual([
      'Fourth Post',
      'Third, in TOML',
      'Tags <b> & Ampersands',
    ]);
    const second = feed.items[2];
    expect(second?.link).toBe('https://golden.example/blog/posts/second-post/');
    expect(second?.categories).toEqual(['How-to-tech', 'Security']);
    expect(second?.['content:encoded']).toContain(
      'href="https://golden.example/blog/posts/second-post/notes/"',
    );
    expect(second?.['content:encoded']).toContain('Body with a ]]&gt; sequence');
    expect(new Date(second?.pubDate ?? '').toISOString()).toBe('2024-02-03T00:00:00.000Z');
  });

  it('reads back with @extractus/feed-extractor in all three formats', () => {
    const rss = extractFromXml(body('rss.xml'));
    const atom = extractFromXml(body('atom.xml'));
    const json = extractFromJson(body('feed.json'));
    for (const feed of [rss, atom, json]) {
      expect(feed.entries?.map((e) => e.title)).toEqual([
        'Fourth Post',
        'Third, in TOML',
        'Tags <b> & Ampersands',
      ]);
      expect(feed.entries?.map((e) => e.link)).toEqual([
        'https://golden.example/blog/posts/fourth/',
        'https://golden.example/blog/posts/third/',
        'https://golden.example/blog/posts/second-post/',
      ]);
    }
  });

  it('gives JSON Feed 1.1 authors, language, summary, image, tags and date_published', () => {
    const feed = JSON.parse(body('feed.json'));
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.language).toBe('en-GB');
    expect(feed.authors).toEqual([{ name: 'Golden Editors' }]);
    const third = feed.items[1];
    expect(third).toMatchObject({
      summary: 'Summary given in the front matter.',
      image: 'https://cdn.example/pic.jpg',
      date_published: '2024-03-01T09:00:00.000Z',
    });
    expect(feed.items[2].tags).toEqual(['How-to-tech', 'Security']);
    expect(feed.items[2].authors).toEqual([{ name: 'Ann Writer' }]);
  });

  it('makes an image Herald publishes an RSS enclosure with its real size', () => {
    const category = body('categories/how-to-tech/rss.xml');
    expect(category).toContain(
      `<enclosure length="${imageSizes.get('https://golden.example/blog/images/diagram.png')}" type="image/png" url="https://golden.example/blog/images/diagram.png"/>`,
    );
    // An image elsewhere has no known length: no enclosure, which the validator would reject.
    expect(body('rss.xml')).not.toContain('cdn.example/pic.jpg"');
  });

  it('uses the newest updated date of its items, not the clock', () => {
    expect(body('atom.xml')).toContain('<updated>2024-03-31T23:00:00.000Z</updated>');
    expect(body('categories/how-to-tech/rss.xml')).toContain(
      '<lastBuildDate>Mon, 05 Feb 2024 12:00:00 GMT</lastBuildDate>',
    );
  });
});

describe('feed output', () => {
  it('is byte-identical whatever the order posts arrive in', () => {
    const reversed = catalogue([...posts].reverse(), NOW).published;
    const again = allFeeds(reversed);
    expect(again.map((f) => f.body)).toEqual([...files.values()].map((f) => f.body));
  });

  it('stays valid XML when a title carries characters XML forbids', () => {
    const dirty = testSite({ title: 'Bad\u0001 Site\uFFFE' });
    const post = renderPost(
      parsePost(
        { key: 'posts/a.md', bytes: bytes('---\ntitle: "A\\u0008 B"\ndate: 2024-01-01\n---\nx\u000b') },
        dirty,
      ),
    );
    for (const file of renderFeeds(dirty, { kind: 'site' }, [post])) {
      expect(stripXmlForbidden(file.body)).toBe(file.body);
      if (file.key.endsWith('.xml')) expect(xmlWellFormed(file.body)).toBe(true);
    }
  });

  it('writes a valid feed for a site with no posts yet', async () => {
    const empty = renderFeeds(testSite(), { kind: 'site' }, []);
    expect(await atomSchemaErrors(empty[1]?.body ?? '')).toEqual([]);
    expect(jsonFeedErrors(empty[2]?.body ?? '')).toEqual([]);
    expect(xmlWellFormed(empty[0]?.body ?? '')).toBe(true);
  });

  it('stays valid with real Hugo content: embeds, highlighted code, MathML, footnotes, definition and task lists', async () => {
    const hugo = testSite({ baseUrl: 'https://hugo.example/' });
    const fixture = (name: string) =>
      readFileSync(new URL(`../fixtures/hugo-basic-example/${name}`, import.meta.url));
    const rich = ['rich-content.md', 'markdown-syntax.md', 'math-typesetting.md'].map((name) =>
      renderPost(parsePost({ key: `posts/${name}`, bytes: fixture(name) }, hugo), {
        site: hugo,
        math: texToMathml,
      }),
    );
    const extras = renderPost(
      parsePost(
        {
          key: 'posts/extras.md',
          bytes: bytes(
            '---\ntitle: Extras\ndate: 2024-01-01\n---\nA note.[^1] ~~Old~~ -- "quoted"\n\nTerm\n: Meaning\n\n- [x] done\n- [ ] open\n\n{{< x user="a" id="1" >}}\n\n[^1]: The note.\n',
          ),
        },
        hugo,
      ),
      { site: hugo },
    );
    expect(extras.contentHtml).toContain('<dl>');
    const feeds = renderFeeds(hugo, { kind: 'site' }, [...rich, extras]);
    const [rss, atom, json] = feeds.map((f) => f.body);
    expect(rssRuleViolations(rss ?? '', 'https://hugo.example/rss.xml')).toEqual([]);
    expect(atomRuleViolations(atom ?? '', 'https://hugo.example/atom.xml')).toEqual([]);
    expect(await atomSchemaErrors(atom ?? '')).toEqual([]);
    expect(jsonFeedErrors(json ?? '')).toEqual([]);
    expect(atom).toContain('youtube-nocookie.com/embed/ZJthWmvUzzc');
    expect(atom).toContain('fnref:1');
    expect(atom).toContain('<math display="block"');
    expect(atom).toContain('class="hl-kwd"');
  });
});
