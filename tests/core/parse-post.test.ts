import { describe, expect, it } from 'vitest';
import { PostError } from '../../functions/core/errors.ts';
import { parsePost, renderPost } from '../../functions/core/posts/parse-post.ts';
import { fixturePost } from '../helpers/fixtures.ts';
import { bytes, testSite } from '../helpers/site.ts';

const site = testSite();

function postError(source: { key: string; bytes: Uint8Array }): PostError {
  try {
    parsePost(source, site);
  } catch (error) {
    if (error instanceof PostError) return error;
    throw error;
  }
  throw new Error(`expected ${source.key} to fail`);
}

function post(frontMatter: string, body = 'Body text.\n', key = 'posts/test.md') {
  return parsePost({ key, bytes: bytes(`---\n${frontMatter}\n---\n\n${body}`) }, site);
}

describe('parsePost with front matter as authors write it', () => {
  it('uses every field of a Hugo-style post', () => {
    const parsed = renderPost(parsePost(fixturePost('hugo-quirks.md'), site));
    expect(parsed).toMatchObject({
      source: 'posts/hugo-quirks.md',
      title: 'What is X and Where Does X Get Its Data From?',
      slug: 'what-is-x-and-where-does-x-get-its-data-from',
      path: '/posts/what-is-x-and-where-does-x-get-its-data-from/',
      url: 'https://example.org/posts/what-is-x-and-where-does-x-get-its-data-from/',
      // June 28, 2023 in Europe/London (BST)
      published: '2023-06-28T00:00:00.000+01:00',
      updated: '2023-06-28T00:00:00.000+01:00',
      summary: 'One-sentence summary of the post.',
      categories: [{ name: 'How-to-tech', slug: 'how-to-tech' }],
      tags: [
        { name: 'X', slug: 'x' },
        { name: 'image generation', slug: 'image-generation' },
      ],
      authors: [{ name: 'Jane Doe' }],
      image: 'https://example.org/images/x.webp',
      draft: false,
    });
    expect(parsed.contentHtml).toContain(
      '<img src="https://example.org/posts/what-is-x-and-where-does-x-get-its-data-from/diagram.png" alt="diagram" />',
    );
  });

  it('reads CRLF line endings and a byte-order mark', () => {
    const parsed = renderPost(parsePost(fixturePost('crlf-bom.md'), site));
    expect(parsed.title).toBe('Windows Line Endings');
    expect(parsed.tags.map((t) => t.name)).toEqual(['shell', 'productivity']);
    expect(parsed.contentHtml).toBe('<p>First line<br />\nsecond line.</p>');
    expect(parsed.contentHtml).not.toContain('\r');
  });

  it('reads TOML front matter, zone-less datetimes in the site timezone', () => {
    const parsed = parsePost(fixturePost('toml.md'), site);
    expect(parsed.title).toBe('TOML Front Matter');
    expect(parsed.published).toBe('2023-09-14T08:30:00.000+01:00');
    expect(parsed.categories.map((c) => c.slug)).toEqual(['how-to-tech', 'cloud']);
    expect(parsed.authors).toEqual([{ name: 'Priya Raman', email: 'priya@example.org' }]);
    expect(parsed.slug).toBe('toml');
  });

  it('reads JSON front matter with braces inside strings', () => {
    const parsed = renderPost(parsePost(fixturePost('json.md'), site));
    expect(parsed.title).toBe('JSON {Front} Matter');
    expect(parsed.summary).toBe('Given summary.');
    expect(parsed.authors.map((a) => a.name)).toEqual(['Jane Doe', 'Sam Okafor']);
    expect(parsed.contentHtml).toBe('<p>Body of a JSON post.</p>');
  });

  it('removes characters XML forbids before parsing', () => {
    const parsed = renderPost(parsePost(fixturePost('word-processor.md'), site));
    expect(parsed.title).toBe('Pasted Title');
    expect(parsed.contentHtml).toBe('<p>Pasted text with controls and  noise.</p>');
  });

  it.each([
    ['categories: \'["How-to-tech", "Cloud"]\'', ['How-to-tech', 'Cloud']],
    ['categories: How-to-tech, Cloud', ['How-to-tech', 'Cloud']],
    ['categories: [How-to-tech, Cloud]', ['How-to-tech', 'Cloud']],
    ['categories:\n  - How-to-tech\n  - Cloud', ['How-to-tech', 'Cloud']],
    ["categories: \"['How-to-tech', 'Cloud']\"", ['How-to-tech', 'Cloud']],
    ['category: Solo', ['Solo']],
  ])('reads %s as a list', (field, names) => {
    expect(post(`title: T\ndate: 2024-01-01\n${field}`).categories.map((c) => c.name)).toEqual(names);
  });

  it('merges tags and keywords without duplicates', () => {
    const parsed = post('title: T\ndate: 2024-01-01\ntags: [a, b]\nkeywords: b, c');
    expect(parsed.tags.map((t) => t.slug)).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['author: Ann', [{ name: 'Ann' }]],
    ['author: [Ann, Bob]', [{ name: 'Ann' }, { name: 'Bob' }]],
    ['author:\n  name: Ann\n  email: ann@example.org', [{ name: 'Ann', email: 'ann@example.org' }]],
    ['authors:\n  - name: Ann\n    url: https://ann.example', [{ name: 'Ann', url: 'https://ann.example/' }]],
    ['weight: 3', [{ name: 'Editors', email: 'editors@example.org' }]],
  ])('reads %s as authors', (field, authors) => {
    expect(post(`title: T\ndate: 2024-01-01\n${field}`).authors).toEqual(authors);
  });

  it.each([
    ['date', 'date: 2024-03-01'],
    ['postdate', 'postdate: March 1, 2024'],
    ['publishDate', 'publishDate: 2024-03-01'],
    ['pubDate', 'pubDate: Fri, 01 Mar 2024 00:00:00 +0000'],
    ['published', 'published: 2024-03-01T00:00:00Z'],
    ['PostDate (any case)', 'PostDate: 2024-03-01'],
  ])('takes the date from %s', (_, field) => {
    expect(Date.parse(post(`title: T\n${field}`).published)).toBe(Date.parse('2024-03-01T00:00:00Z'));
  });

  it('uses the first date field found, and lastmod for updated', () => {
    const parsed = post(
      'title: T\ndate: 2024-03-01T00:00:00Z\npublished: 2020-01-01\nlastmod: 2024-04-01T00:00:00Z',
    );
    expect(parsed.published).toBe('2024-03-01T00:00:00.000Z');
    expect(parsed.updated).toBe('2024-04-01T00:00:00.000Z');
  });

  it('derives the slug from the file name, or the folder of a page bundle', () => {
    expect(post('title: T\ndate: 2024-01-01', 'x', 'posts/2024/My_Great Post.md').slug).toBe('my-great-post');
    expect(post('title: T\ndate: 2024-01-01', 'x', 'posts/bundle-post/index.md').slug).toBe('bundle-post');
  });

  it('expands the permalink pattern in the site timezone', () => {
    const dated = parsePost(
      { key: 'posts/a.md', bytes: bytes('---\ntitle: T\ndate: 2024-01-01T00:30:00Z\nslug: A Post\n---\nx') },
      testSite({ permalink: '/:year/:month/:day/:slug/', timezone: 'America/New_York' }),
    );
    expect(dated.path).toBe('/2023/12/31/a-post/');
  });

  it('derives a plain-text summary from the first paragraph', () => {
    const parsed = post(
      'title: T\ndate: 2024-01-01',
      '# Heading\n\nSome **bold** & <em>raw</em> text.\n\nSecond.',
    );
    expect(parsed.summary).toBe('Some bold & raw text.');
    const long = post('title: T\ndate: 2024-01-01', `${'word '.repeat(200)}\n`);
    expect(long.summary.length).toBeLessThanOrEqual(301);
    expect(long.summary.endsWith('…')).toBe(true);
  });

  it('takes the text before <!--more--> as the summary when no description is given', () => {
    const parsed = post(
      'title: T\ndate: 2024-01-01',
      'First *part*, {{< youtube abc >}}\n\nstill "summary".\n<!--more-->\nThe rest.',
    );
    expect(parsed.summary).toBe('First part, Watch on YouTube still “summary”.');
    expect(
      post('title: T\ndate: 2024-01-01\ndescription: Given.', 'Before.\n<!--more-->\nAfter.').summary,
    ).toBe('Given.');
    expect(post('title: T\ndate: 2024-01-01', '<!--more-->\nOnly after.').summary).toBe('Only after.');
  });

  it.each([
    ['image: /images/a.png', 'https://example.org/images/a.png'],
    ['image: https://cdn.example/a.png', 'https://cdn.example/a.png'],
    ['image: a.png', 'https://example.org/posts/test/a.png'],
    ['images: [/images/first.png, /images/second.png]', 'https://example.org/images/first.png'],
  ])('makes %s absolute', (field, url) => {
    expect(post(`title: T\ndate: 2024-01-01\n${field}`).image).toBe(url);
  });

  it.each([
    ['draft: true', true],
    ['draft: "yes"', true],
    ['draft: false', false],
    ['weight: 1', false],
  ])('reads %s as draft=%s', (field, draft) => {
    expect(post(`title: T\ndate: 2024-01-01\n${field}`).draft).toBe(draft);
  });
});

describe('front matter blocks read as gray-matter read them (the posts written for it keep their meaning)', () => {
  const parse = (text: string) => parsePost({ key: 'posts/test.md', bytes: bytes(text) }, site);
  const fields = 'title: T\ndate: 2024-01-02';

  it.each([
    ['---yaml', fields],
    ['---YAML', fields],
    ['---yml', fields],
    ['---  yaml ', fields],
    ['---json', '{"title": "T", "date": "2024-01-02"}'],
    ['---toml', 'title = "T"\ndate = 2024-01-02'],
  ])('reads the language named after the opening line: %s', (open, block) => {
    const parsed = parse(`${open}\n${block}\n---\nBody.\n`);
    expect([parsed.title, parsed.published]).toEqual(['T', '2024-01-02T00:00:00.000Z']);
  });

  it('ends the block at the first line that starts with the delimiter', () => {
    const parsed = parse(`---\n${fields}\n---later: ignored\nsummary: ignored too\n---\nBody.\n`);
    expect(parsed.summary).toBe('Body.');
  });

  it('reads a block of comments only, and four dashes, as no fields at all', () => {
    expect(postError({ key: 'posts/c.md', bytes: bytes('---\n# title: T\n  # x\n---\nBody.\n') }).field).toBe(
      'title',
    );
    expect(postError({ key: 'posts/d.md', bytes: bytes(`----\n${fields}\n---\nBody.\n`) }).field).toBe(
      'title',
    );
  });

  it('never runs front matter as code: ---js is refused, not evaluated', () => {
    const marker = '__heraldFrontMatterRan';
    for (const open of ['---js', '---javascript', '---JS', '---coffee', '---constructor', '---toString']) {
      const error = postError({
        key: 'posts/js.md',
        bytes: bytes(`${open}\n{ title: (globalThis.${marker} = 'yes') }\n---\nBody.\n`),
      });
      expect(error.field).toBe('front matter');
      expect(error.reason).toBe(
        `the opening --- is followed by "${open.slice(3)}", which is not a front matter language: put fields on the next line, in YAML, TOML or JSON`,
      );
    }
    expect(marker in globalThis).toBe(false);
  });

  it('names what follows the opening delimiter when it is a field written on the same line', () => {
    const error = postError({
      key: 'posts/same-line.md',
      bytes: bytes('---title: T\ndate: 2024-01-02\n---\nBody.\n'),
    });
    expect(error.reason).toMatch(/^the opening --- is followed by "title: T", which is not/);
  });
});

describe('parsePost errors name the file, the field and the reason', () => {
  it.each([
    ['bad-yaml.md', 'front matter', /Nested mappings|mapping/],
    ['bad-date.md', 'postdate', /"Jnue 32, 2023" is not a date/],
    ['missing-title.md', 'title', /is missing \(found "titel"; did you mean "title"\?\)/],
    ['missing-date.md', 'date', /is missing/],
    ['utf16.md', 'file', /UTF-16/],
  ])('%s', (name, field, reason) => {
    const error = postError(fixturePost(name));
    expect(error.file).toBe(`posts/${name}`);
    expect(error.field).toBe(field);
    expect(error.reason).toMatch(reason);
    expect(error.message).toBe(`posts/${name}: ${field}: ${error.reason}`);
  });

  it('rejects a post over 1 MB', () => {
    const error = postError({ key: 'posts/huge.md', bytes: new Uint8Array(1024 * 1024 + 1).fill(97) });
    expect([error.field, error.reason]).toEqual(['file', 'is 1.0 MB; a post may be at most 1 MB']);
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(postError({ key: 'posts/latin1.md', bytes: new Uint8Array([0x2d, 0xe9, 0x2d]) }).reason).toMatch(
      /not UTF-8/,
    );
  });

  it('rejects an unreadable lastmod and a draft flag that is not a boolean', () => {
    expect(
      postError({ key: 'posts/a.md', bytes: bytes('---\ntitle: T\ndate: 2024-01-01\nlastmod: soon\n---\n') })
        .field,
    ).toBe('lastmod');
    expect(
      postError({ key: 'posts/a.md', bytes: bytes('---\ntitle: T\ndate: 2024-01-01\ndraft: maybe\n---\n') })
        .field,
    ).toBe('draft');
  });
});

describe('parsePost reports everything an author should fix', () => {
  it('names every problem of a post at once, the first as field and reason', () => {
    const error = postError({
      key: 'posts/a.md',
      bytes: bytes('---\ntitel: T\npostdate: Jnue 32, 2023\nlastmod: soon\ndraft: maybe\n---\nBody\n'),
    });
    expect(error.problems.map((p) => p.field)).toEqual(['title', 'postdate', 'lastmod', 'draft']);
    expect(error.problems[0]).toEqual({
      field: 'title',
      reason: 'is missing (found "titel"; did you mean "title"?)',
    });
    expect(error.field).toBe('title');
    expect(error.message).toBe(
      'posts/a.md: title: is missing (found "titel"; did you mean "title"?); ' +
        'also postdate: "Jnue 32, 2023" is not a date (try 2023-06-28 or June 28, 2023); ' +
        'also lastmod: "soon" is not a date (try 2023-06-28 or June 28, 2023); ' +
        'also draft: "maybe" is not true or false',
    );
  });

  it('keeps a single problem as it was: one field, one reason', () => {
    const error = postError({ key: 'posts/a.md', bytes: bytes('---\ntitle: T\n---\nBody\n') });
    expect(error.problems).toEqual([{ field: 'date', reason: error.reason }]);
    expect(error.reason).not.toContain('also');
  });

  it('tells of fields that look misspelt, and publishes the post without them', () => {
    const typos: unknown[] = [];
    const parsed = parsePost(
      {
        key: 'posts/a.md',
        bytes: bytes(
          '---\ntitle: T\ndate: 2024-01-01\ncategoires: [Go]\ntgas: [x]\ndescriptoin: S\nDraft: false\nweight: 3\nlayout: post\nfoo: bar\nTITEL: x\n---\nBody\n',
        ),
      },
      site,
      (typo) => typos.push(typo),
    );
    expect(typos).toEqual([
      { field: 'categoires', meant: 'categories' },
      { field: 'tgas', meant: 'tags' },
      { field: 'descriptoin', meant: 'description' },
      { field: 'TITEL', meant: 'title' },
    ]);
    expect(parsed.categories).toEqual([]);
    expect(parsed.summary).toBe('Body');
  });

  it('finds no typos in a real Hugo post', () => {
    const typos: unknown[] = [];
    parsePost(fixturePost('hugo-quirks.md'), site, (typo) => typos.push(typo));
    expect(typos).toEqual([]);
  });
});

describe('parsePost for a local preview', () => {
  const preview = { drafts: true, future: true, now: '2024-06-01T00:00:00Z' };
  it('shows a draft as published and marked, and marks a scheduled post', () => {
    const previewSite = { ...site, preview };
    const read = (front: string) =>
      parsePost({ key: 'posts/p.md', bytes: bytes(`---\n${front}\n---\nBody\n`) }, previewSite);
    expect(read('title: Plan\ndate: 2024-01-01\ndraft: true')).toMatchObject({
      title: '[Draft] Plan',
      draft: false,
    });
    expect(read('title: Soon\ndate: 2024-07-01')).toMatchObject({ title: '[Scheduled] Soon', draft: false });
    expect(read('title: Old\ndate: 2024-01-01')).toMatchObject({ title: 'Old', draft: false });
    const draftsOnly = { ...site, preview: { ...preview, future: false } };
    expect(
      parsePost({ key: 'posts/p.md', bytes: bytes('---\ntitle: Soon\ndate: 2024-07-01\n---\n') }, draftsOnly)
        .title,
    ).toBe('Soon');
  });
});
