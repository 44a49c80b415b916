import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PostError } from '../../functions/core/errors.ts';
import { parsePost } from '../../functions/core/posts/parse-post.ts';
import { bodyCost, POST_LIMITS } from '../../functions/core/posts/post-limits.ts';
import { bytes, testSite } from '../helpers/site.ts';

const site = testSite();

function failure(text: string): string {
  try {
    parsePost({ key: 'posts/worst.md', bytes: bytes(text) }, site);
  } catch (error) {
    if (error instanceof PostError) return error.message;
    throw error;
  }
  throw new Error('expected the post to be refused');
}

const HEAD = '---\ntitle: Worst\ndate: 2024-01-01\n';

describe('the worst posts from the issue 16 probes are refused with a clear error', () => {
  it('2,000 categories (a 19 KB post that wrote 6,499 objects)', () => {
    const names = Array.from({ length: 2000 }, (_, i) => `c${i}`);
    const text = `${HEAD}categories: [${names.join(', ')}]\n---\nBody\n`;
    expect(text.length).toBeLessThan(20_000);
    expect(failure(text)).toBe(
      'posts/worst.md: categories: 2000 given; a post may have at most 50 (each one adds feeds and pages to publish)',
    );
  });

  it('51 tags counting keywords', () => {
    const tags = Array.from({ length: 30 }, (_, i) => `t${i}`).join(', ');
    const keywords = Array.from({ length: 21 }, (_, i) => `k${i}`).join(', ');
    expect(failure(`${HEAD}tags: [${tags}]\nkeywords: [${keywords}]\n---\nBody\n`)).toMatch(
      /^posts\/worst\.md: tags: 51 given; a post may have at most 50/,
    );
  });

  it('a title of 501 characters', () => {
    expect(failure(`---\ntitle: ${'x'.repeat(501)}\ndate: 2024-01-01\n---\n`)).toBe(
      'posts/worst.md: title: is 501 characters long; a title may have at most 500',
    );
  });

  it('an 808 KB markdown table (15 s and 1.09 GB before)', () => {
    const table = `| a | b | c | d |\n|---|---|---|---|\n${'| x | y | z | w |\n'.repeat((808 * 1024) / 18)}`;
    expect(failure(`${HEAD}---\n${table}`)).toMatch(
      /^posts\/worst\.md: body: has too much markup to render in time \(\d+ lines and marks outside code blocks; at most 25000\): split the post, or link to large tables as files$/,
    );
  });

  it('900 KB of nested <div> (25-33 s before)', () => {
    const half = (900 * 1024) / 11;
    // Every tag is a mark, so the budget refuses this first; a small nest one level too deep is
    // refused for its depth alone.
    expect(failure(`${HEAD}---\n${'<div>'.repeat(half)}x${'</div>'.repeat(half)}\n`)).toMatch(
      /^posts\/worst\.md: body: has too much markup to render in time/,
    );
    const deep = POST_LIMITS.htmlDepth + 1;
    expect(failure(`${HEAD}---\n${'<div>'.repeat(deep)}x${'</div>'.repeat(deep)}\n`)).toBe(
      'posts/worst.md: body: has HTML elements nested 101 deep; at most 100 are allowed',
    );
  });

  it('accepts exactly 50 categories, a 500-character title and a body at the depth limit', () => {
    const names = Array.from({ length: 50 }, (_, i) => `c${i}`).join(', ');
    const depth = POST_LIMITS.htmlDepth;
    const post = parsePost(
      {
        key: 'posts/edge.md',
        bytes: bytes(
          `---\ntitle: ${'x'.repeat(500)}\ndate: 2024-01-01\ncategories: [${names}]\n---\n${'<div>'.repeat(depth)}x${'</div>'.repeat(depth)}\n`,
        ),
      },
      site,
    );
    expect(post.categories).toHaveLength(50);
  });
});

describe('bodyCost', () => {
  it('counts lines and element-starting marks, not code inside fences', () => {
    expect(bodyCost('plain line\n\nsecond *em* [a](b)\n')).toEqual({ markup: 5, htmlDepth: 0 });
    const code = `\`\`\`\n${'<div> | * [x]\n'.repeat(1000)}\`\`\`\nafter\n`;
    expect(bodyCost(code)).toEqual({ markup: 2, htmlDepth: 0 });
  });

  it('a fence closes only with the same character, at least as long', () => {
    expect(bodyCost('````\n```\n<div><div>\n````\n<div>\n').htmlDepth).toBe(1);
    expect(bodyCost('~~~\n```\n<div><div>\n~~~\n').htmlDepth).toBe(0);
  });

  it('measures raw HTML depth, ignoring void and self-closed elements and stray closing tags', () => {
    expect(bodyCost('<div><p><br><img src=x><span/>x</p></div>').htmlDepth).toBe(2);
    expect(bodyCost('</div></div><div>x</div>').htmlDepth).toBe(1);
  });

  it('gives what measuring line by line with patterns gives, on any text', () => {
    // The measure as first written: clear, but it split lines and ran patterns on each.
    const VOID = new Set('area base br col embed hr img input link meta param source track wbr'.split(' '));
    const byLines = (body: string) => {
      let markup = 0;
      let depth = 0;
      let deepest = 0;
      let fence: string | undefined;
      for (const line of body.split('\n')) {
        const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
        if (fence !== undefined) {
          if (opener !== undefined && opener[0] === fence[0] && opener.length >= fence.length)
            fence = undefined;
          continue;
        }
        if (opener !== undefined) {
          fence = opener;
          markup++;
          continue;
        }
        if (line.trim() === '') continue;
        markup += 1 + (line.match(/[<[*_|`!:@~]/g)?.length ?? 0);
        for (const [, closing, name = '', selfClosing] of line.matchAll(
          /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*?(\/?)>/g,
        )) {
          if (selfClosing === '/' || VOID.has(name.toLowerCase())) continue;
          depth = closing === '/' ? Math.max(0, depth - 1) : depth + 1;
          deepest = Math.max(deepest, depth);
        }
      }
      return { markup, htmlDepth: deepest };
    };
    const piece = fc.constantFrom(
      '\n',
      '\r\n',
      ' ',
      '   ',
      '    ',
      '\t',
      '\u00a0',
      '\u2003',
      '\ufeff',
      '\u2028',
      '\v',
      'x',
      'word',
      '`',
      '```',
      '````',
      '~~~',
      '~~',
      '<div>',
      '</div>',
      '<br>',
      '<img src=x>',
      '<span/>',
      '<P>',
      '<a-b c="d">',
      '<',
      '>',
      '*',
      '_',
      '[',
      ']',
      '|',
      '!',
      ':',
      '@',
      '~',
      'é',
      '😀',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
        const body = pieces.join('');
        expect(bodyCost(body)).toEqual(byLines(body));
      }),
      { numRuns: 3000 },
    );
  });
});
