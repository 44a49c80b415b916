import fc from 'fast-check';
import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { jsonFeedErrors, xmlWellFormed } from '../helpers/feed-checks.ts';
import { contentStore } from '../helpers/memory-content.ts';

// Strings from every plane, with the characters that break XML, HTML and JSON made common: markup,
// quotes, CDATA ends, NUL and other controls, lone surrogates, U+FFFE/U+FFFF, URL schemes.
const HOSTILE_PIECES = [
  '<',
  '>',
  '&',
  '"',
  "'",
  ']]>',
  '<![CDATA[',
  '\u0000',
  '\u0008',
  '\u000b',
  '\u001f',
  '\ud800',
  '\udc00',
  '\ufffe',
  '\uffff',
  '\u2028',
  '\n',
  '\r\n',
  '\t',
  '\\',
  'javascript:',
  'data:',
  '//',
  '/',
  '..',
  '#',
  '%00',
  '&#0;',
  '<script>',
  '</p>',
  '<div>',
  '*',
  '_',
  '[',
  '](',
  ')',
  '`',
  '{',
  '}',
  ':',
  '-',
  ' ',
];
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...HOSTILE_PIECES), maxLength: 12 }),
  fc.string({
    unit: fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.string({ unit: 'binary', maxLength: 3 })),
    maxLength: 20,
  }),
);

const hostilePost = fc.record({
  title: hostileString,
  slug: hostileString,
  description: hostileString,
  categories: fc.array(hostileString, { maxLength: 3 }),
  tags: fc.array(hostileString, { maxLength: 3 }),
  author: fc.record({ name: hostileString, email: hostileString, url: hostileString }),
  image: hostileString,
  body: hostileString,
});

type HostilePost = typeof hostilePost extends fc.Arbitrary<infer T> ? T : never;

// JSON front matter carries any string, lone surrogates and NUL included, as \u escapes.
function postFile(post: HostilePost, index: number): string {
  const { body, ...fields } = post;
  return `${JSON.stringify({ ...fields, date: `2024-01-${String(index + 10)}` })}\n${body}\n`;
}

describe('every output is well-formed for any post (property)', () => {
  it('random strings in every field: feeds parse, pages parse, JSON is valid, bad posts are reported', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostilePost, { minLength: 1, maxLength: 3 }), async (posts) => {
        const files = Object.fromEntries(posts.map((p, i) => [`posts/p${i}.md`, postFile(p, i)]));
        const content = await contentStore({
          ...files,
          'posts/plain.md': '---\ntitle: Plain\ndate: 2024-01-01\n---\nx\n',
        });
        const site = new MemoryBlobStore();
        const report = await buildSite({
          content,
          output: site,
          clock: fixedClock(new Date('2024-06-01Z')),
          log: silentLogger,
        });
        for (const error of report.failed) expect(error.message).toMatch(/^posts\/p\d\.md: [^:]+: /);
        expect(report.published + report.failed.length).toBe(posts.length + 1);
        for (const key of report.written) {
          const body = site.text(key) ?? '';
          if (key.endsWith('.xml')) expect([key, xmlWellFormed(body)]).toEqual([key, true]);
          if (key.endsWith('.json')) expect([key, jsonFeedErrors(body)]).toEqual([key, []]);
          if (key.endsWith('.html')) {
            const errors: string[] = [];
            parse(body, { onParseError: (e) => errors.push(e.code) });
            expect([key, errors]).toEqual([key, []]);
          }
          // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for NUL is the point.
          expect([key, /\u0000/.test(body)]).toEqual([key, false]);
        }
      }),
      // Bounded for CI (about 3 s here); HERALD_PROPERTY_RUNS=500 searches harder, HERALD_PROPERTY_SEED replays.
      {
        numRuns: Number(process.env.HERALD_PROPERTY_RUNS ?? 40),
        seed: Number(process.env.HERALD_PROPERTY_SEED ?? Date.now() % 2 ** 31),
      },
    );
  });
});
