import { describe, expect, it } from 'vitest';
import { PostError } from '../../functions/core/errors.ts';
import { renderFeeds } from '../../functions/core/feeds/render-feeds.ts';
import { parsePost, renderPost } from '../../functions/core/posts/parse-post.ts';
import { xmlWellFormed } from '../helpers/feed-checks.ts';
import { bytes, testSite } from '../helpers/site.ts';

const site = testSite();

function post(frontMatter: string, body = 'Body text.\n') {
  return parsePost({ key: 'posts/test.md', bytes: bytes(`---\n${frontMatter}\n---\n\n${body}`) }, site);
}

function failure(frontMatter: string): string {
  try {
    post(frontMatter);
  } catch (error) {
    if (error instanceof PostError) return error.message;
    throw error;
  }
  throw new Error('expected the post to fail');
}

describe('hostile values in a post (issue 16 probes)', () => {
  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'vbscript:msgbox(1)',
    'data:image/svg+xml,<svg/>',
    'file:///etc/passwd',
  ])('refuses image: %s, naming the field', (image) => {
    expect(failure(`title: T\ndate: 2024-01-01\nimage: ${JSON.stringify(image)}`)).toMatch(
      /^posts\/test\.md: image: ".+" is not an http\(s\), site-relative or page-relative URL$/,
    );
  });

  it('keeps a site-relative image and percent-encodes quotes and angle brackets in it', () => {
    expect(post("title: T\ndate: 2024-01-01\nimage: '/a\"<b>.png'").image).toBe(
      'https://example.org/a%22%3Cb%3E.png',
    );
  });

  it('drops a non-http author URL and percent-encodes one with quotes and <script>', () => {
    const people = (url: string) =>
      post(`title: T\ndate: 2024-01-01\nauthor:\n  name: A\n  url: '${url}'`).authors;
    expect(people('javascript:alert(1)')).toEqual([{ name: 'A' }]);
    expect(people('https://a.example/"><script>x</script>')).toEqual([
      { name: 'A', url: 'https://a.example/%22%3E%3Cscript%3Ex%3C/script%3E' },
    ]);
  });

  it('drops NUL and other forbidden characters that YAML, TOML and JSON escapes create', () => {
    const yaml = post('title: "a\\0b\\x0Bc"\ndate: 2024-01-01\ncategories: ["x\\0y"]\ndescription: "s\\0t"');
    expect([yaml.title, yaml.categories[0]?.name, yaml.summary]).toEqual(['abc', 'xy', 'st']);
    const json = parsePost(
      { key: 'posts/j.md', bytes: bytes('{"title": "a\\u0000b\\ud800", "date": "2024-01-01"}\nBody') },
      site,
    );
    expect(json.title).toBe('ab');
    const toml = parsePost(
      { key: 'posts/t.md', bytes: bytes('+++\ntitle = "a\\u0000b"\ndate = 2024-01-01\n+++\nBody') },
      site,
    );
    expect(toml.title).toBe('ab');
  });

  it.each([
    ['date: 0000-01-01', 'date: "0000-01-01" is in the year 0; dates must fall in the years 1000 to 9999'],
    ['date: 0999-12-31', 'date: "0999-12-31" is in the year 999; dates must fall in the years 1000 to 9999'],
    [
      'date: 2024-01-01\nlastmod: 0001-01-01',
      'lastmod: "0001-01-01" is in the year 1; dates must fall in the years 1000 to 9999',
    ],
    [
      'date: "+010000-01-01T00:00:00Z"',
      'date: "+010000-01-01T00:00:00Z" is in the year 10000; dates must fall in the years 1000 to 9999',
    ],
  ])('refuses %s', (field, reason) => {
    expect(failure(`title: T\n${field}`)).toBe(`posts/test.md: ${reason}`);
  });

  it('writes well-formed feeds for a category, tag, title and author full of markup', () => {
    const parsed = renderPost(
      post(
        'title: "<b>&amp; ]]> \\"q\\""\ndate: 2024-01-01\ncategories: ["a<b", "c&d\\"e"]\ntags: ["]]>"]\n' +
          'author:\n  name: "<script>"\n  url: "https://a.example/?q=<x>"\nimage: "https://cdn.example/a.png?x=<svg/>"',
      ),
    );
    for (const file of renderFeeds(site, { kind: 'site' }, [parsed])) {
      if (file.key.endsWith('.xml')) expect([file.key, xmlWellFormed(file.body)]).toEqual([file.key, true]);
      else expect(() => JSON.parse(file.body)).not.toThrow();
    }
  });
});
