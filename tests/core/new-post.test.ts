import { describe, expect, it } from 'vitest';
import { DEFAULT_STYLE, newPost, type PostStyle, postStyleOf } from '../../functions/core/posts/new-post.ts';
import { parsePost } from '../../functions/core/posts/parse-post.ts';
import { fixturePost } from '../helpers/fixtures.ts';
import { bytes, testSite } from '../helpers/site.ts';

const site = testSite({ timezone: 'America/New_York' });
// 02:30 UTC on 1 January is still 31 December in New York: the date and the year folder follow the site.
const NOW = new Date('2025-01-01T02:30:45.678Z');

function roundTrip(style: PostStyle, title: string, slug?: string) {
  const post = newPost({ title, now: NOW, site, style, ...(slug === undefined ? {} : { slug }) });
  return { ...post, parsed: parsePost({ key: post.key, bytes: bytes(post.text) }, site) };
}

describe('newPost', () => {
  it('writes a YAML draft dated now in the site timezone, with its slug', () => {
    const { key, text, parsed } = roundTrip(DEFAULT_STYLE, 'Hello, World');
    expect(key).toBe('posts/hello-world.md');
    expect(text).toBe(
      '---\ntitle: "Hello, World"\ndate: 2024-12-31T21:30:45-05:00\nslug: hello-world\ndraft: true\n---\n\n',
    );
    expect(parsed).toMatchObject({ title: 'Hello, World', slug: 'hello-world', draft: true });
    expect(parsed.published).toBe('2024-12-31T21:30:45.000-05:00');
  });

  it.each(['yaml', 'toml', 'json'] as const)('survives hostile titles in %s front matter', (format) => {
    const style: PostStyle = { ...DEFAULT_STYLE, format, dateField: 'postdate', categories: true };
    for (const title of [
      'Quotes "inside" and \'out\'',
      'Colon: then # hash and [brackets] {braces}',
      'Back\\slash and a tab\there',
      '--- not a delimiter +++',
      'Ünïcödé 🚀 emoji',
      'true',
      '2024',
      'null',
      `lone surrogate \uD800 dropped`,
    ]) {
      const { parsed } = roundTrip(style, title);
      expect(parsed.title).toBe(title.replace('\uD800', '').replace(/\s+/g, ' '));
      expect(parsed.draft).toBe(true);
      expect(parsed.categories).toEqual([]);
      expect(parsed.published).toBe('2024-12-31T21:30:45.000-05:00');
    }
  });

  it('puts the post where the site keeps its posts', () => {
    expect(newPost({ title: 'A b', now: NOW, site, style: { ...DEFAULT_STYLE, layout: 'year' } }).key).toBe(
      'posts/2024/a-b.md',
    );
    expect(
      newPost({
        title: 'A b',
        now: NOW,
        site,
        style: { ...DEFAULT_STYLE, layout: 'bundle', extension: '.markdown' },
      }).key,
    ).toBe('posts/a-b/index.markdown');
  });

  it('takes a slug, and refuses a title with nothing to make a URL from', () => {
    expect(roundTrip(DEFAULT_STYLE, '!!!', 'My Slug').key).toBe('posts/my-slug.md');
    expect(() => newPost({ title: '!!! ???', now: NOW, site, style: DEFAULT_STYLE })).toThrow(RangeError);
  });
});

describe('postStyleOf', () => {
  const text = (key: string) => new TextDecoder().decode(fixturePost(key).bytes);

  it('follows the majority of the posts', () => {
    expect(
      postStyleOf([
        { key: 'posts/2023/a.md', text: text('hugo-quirks.md') },
        { key: 'posts/2023/b.md', text: text('hugo-quirks.md') },
        { key: 'posts/c.md', text: text('toml.md') },
      ]),
    ).toEqual({ format: 'yaml', dateField: 'postdate', layout: 'year', extension: '.md', categories: true });
    expect(
      postStyleOf([
        { key: 'posts/a/index.md', text: text('toml.md') },
        { key: 'posts/b/index.md', text: text('toml.md') },
      ]),
    ).toMatchObject({ format: 'toml', layout: 'bundle' });
  });

  it('falls back to defaults without posts, and ignores posts it cannot read', () => {
    expect(postStyleOf([])).toEqual(DEFAULT_STYLE);
    expect(postStyleOf([{ key: 'posts/x.md', text: text('bad-yaml.md') }])).toMatchObject({
      dateField: 'date',
      categories: false,
    });
  });
});
