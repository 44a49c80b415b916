import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileDigest } from '../../functions/app/hash-of.ts';
import { readPosts, renderOne } from '../../functions/app/read-posts.ts';
import { parseSiteConfig } from '../../functions/core/config/site-config.ts';
import { bodyStart, splitFrontMatter } from '../../functions/core/posts/front-matter.ts';
import type { PostFile, RenderContext } from '../../functions/ports/post-compiler.ts';
import { contentStore, postFile } from '../helpers/memory-content.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/posts');
const site = parseSiteConfig('title: T\nbaseUrl: https://example.org/\nauthor: A\ntimezone: Europe/Paris\n');
const context: RenderContext = { site, links: [] };
const encode = (text: string) => new TextEncoder().encode(text);

/** Real fixtures (BOM and CRLF, TOML, JSON, Hugo quirks, bad ones) and front matter edge cases. */
function files(): Record<string, Uint8Array> {
  const all: Record<string, Uint8Array> = {};
  for (const name of readdirSync(FIXTURES)) all[`posts/${name}`] = readFileSync(join(FIXTURES, name));
  Object.assign(all, {
    'posts/no-front-matter.md': encode('Just *text*, no front matter.\n'),
    'posts/json-crlf.md': encode('{"title": "J", "date": "2024-01-02"}\r\n\r\nBody with {braces}.\r\n'),
    'posts/json-tight.md': encode('{"title": "J", "date": "2024-01-02"}Body right after.\n'),
    'posts/toml-crlf.md': encode('+++\r\ntitle = "T"\r\ndate = 2024-01-02\r\n+++\r\nBody *T*.\r\n'),
    'posts/closing-spaces.md': encode('---\ntitle: S\ndate: 2024-01-02\n---  \t\n---\nA rule above.\n'),
    'posts/empty-body.md': encode('---\ntitle: E\ndate: 2024-01-02\n---'),
    'posts/math.md': encode(postFile('M', '2024-01-02', 'math: true', 'Sum $$x^2$$ and <b>bold</b>.')),
    'posts/headless.md': encode('---\ntitle: H\nheadless: true\n---\nResource text.\n'),
  });
  return all;
}

describe('bodyStart', () => {
  it('finds the body exactly where splitFrontMatter does, for every kind of front matter', () => {
    for (const [key, bytes] of Object.entries(files())) {
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
      } catch {
        continue; // not UTF-8: parsePost refuses it before splitting
      }
      let body: string | undefined;
      try {
        body = splitFrontMatter(text).body;
      } catch {
        body = undefined;
      }
      // A post whose front matter does not parse fails before its body is wanted; otherwise the
      // split must agree to the character.
      if (body !== undefined) expect(text.slice(bodyStart(text)), key).toBe(body);
    }
  });

  it('refuses front matter that is never closed, as splitFrontMatter does', () => {
    expect(() => bodyStart('---\ntitle: x\nno end')).toThrow('front matter opened with --- is never closed');
    expect(() => bodyStart('{"title": "x"')).toThrow('JSON front matter has no closing }');
  });
});

describe('rendering a post parsed before in the same build', () => {
  it('gives exactly what parsing it afresh gives, post and page, for every fixture', async () => {
    const store = await contentStore(files());
    const keys = Object.keys(files());
    const read = await readPosts(store, keys, site);
    let reused = 0;
    for (const result of read) {
      if (!('post' in result)) continue;
      const bytes = (await store.get(result.post.source)) as Uint8Array;
      const plain: PostFile = { key: result.post.source, bytes };
      const known: PostFile = { ...plain, parsed: { meta: result.post, digest: result.digest } };
      expect(renderOne(known, context), result.post.source).toEqual(renderOne(plain, context));
      const page = { terms: { categories: [], tags: [] } };
      expect(renderOne({ ...known, page }, context)).toEqual(renderOne({ ...plain, page }, context));
      reused++;
    }
    expect(reused).toBeGreaterThan(8);
  });

  it('reads only the body when the bytes are the ones parsed: the metadata handed over is used', () => {
    const bytes = encode(postFile('Title', '2024-01-02', '', 'The *body*.'));
    const parsed = parsedOf('posts/t.md', bytes);
    const reused = renderOne(
      { key: 'posts/t.md', bytes, parsed: { ...parsed, meta: { ...parsed.meta, title: 'Kept' } } },
      context,
    );
    expect(reused).toMatchObject({ post: { title: 'Kept', contentHtml: '<p>The <em>body</em>.</p>' } });
  });

  it('parses a file again when its bytes changed since: the new front matter wins, or its error', () => {
    const before = encode(postFile('Before', '2024-01-02', 'categories: [a]', 'Old body.'));
    const parsedBefore = parsedOf('posts/p.md', before);
    const after = encode(postFile('After <i>', '2024-03-04', 'categories: [b]', 'New *body*.'));
    const changed = renderOne({ key: 'posts/p.md', bytes: after, parsed: parsedBefore }, context);
    expect(changed).toEqual(renderOne({ key: 'posts/p.md', bytes: after }, context));
    expect(changed).toMatchObject({ post: { title: 'After <i>', contentHtml: '<p>New <em>body</em>.</p>' } });

    // Now broken: the error names the file and field, as a fresh parse does.
    const broken = encode('---\ntitle: [unclosed\ndate: 2024-01-02\n---\nBody.\n');
    const failed = renderOne({ key: 'posts/p.md', bytes: broken, parsed: parsedBefore }, context);
    expect('error' in failed && failed.error.message).toMatch(/^posts\/p\.md: front matter: /);

    // Hostile bytes that are no longer UTF-8, with a digest forged to match: refused, not rendered.
    const notText = new Uint8Array([0x2d, 0x2d, 0x2d, 0x0a, 0xff, 0xfe, 0x0a]);
    const forged = { ...parsedBefore, digest: fileDigest(notText) };
    const refused = renderOne({ key: 'posts/p.md', bytes: notText, parsed: forged }, context);
    expect('error' in refused && refused.error.message).toBe(
      'posts/p.md: file: is not UTF-8 text; save it as UTF-8',
    );
  });

  it('still sanitises a body whose metadata was parsed before', () => {
    const bytes = encode(
      postFile('X', '2024-01-02', '', '<script>alert(1)</script><a href="javascript:x">y</a>'),
    );
    const parsed = parsedOf('posts/x.md', bytes);
    const result = renderOne({ key: 'posts/x.md', bytes, parsed }, context);
    expect(result).toMatchObject({ post: { contentHtml: '<a>y</a>' } });
  });
});

/** Metadata and digest of one file, as a build hands them on after reading it (without `math`). */
function parsedOf(key: string, bytes: Uint8Array): NonNullable<PostFile['parsed']> {
  const result = renderOne({ key, bytes }, context);
  if (!('post' in result)) throw new Error(`fixture ${key} does not parse`);
  const { contentHtml: _html, ...meta } = result.post;
  return { meta, digest: fileDigest(bytes) };
}
