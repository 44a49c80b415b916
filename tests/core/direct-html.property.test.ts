import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { texToMathml } from '../../functions/app/tex-to-mathml.ts';
import {
  type RenderOptions,
  renderMarkdown,
  renderMarkdownSanitised,
  renderPath,
} from '../../functions/core/posts/render-markdown.ts';
import { writeSyntheticPosts } from '../bench/synthetic-posts.ts';

// Bodies without raw HTML skip the sanitiser (functions/core/posts/direct-html.ts). That is safe only
// because the result is, byte for byte, what the sanitiser makes of the same body: these tests
// compare the two paths over generated markdown full of hostile strings, every real-world post
// under tests/, and the bench's posts, and check that the comparisons did take the direct path.

const page = 'https://example.org/blog/posts/hello/';
const withMath: RenderOptions = { math: texToMathml };

/** Both paths agree on `body`; returns which one renderMarkdown took. */
function agree(body: string, options: RenderOptions = {}): 'direct' | 'sanitiser' {
  expect(renderMarkdown(body, page, options)).toBe(renderMarkdownSanitised(body, page, options));
  return renderPath(body, options);
}

// URLs an attacker would try, in every spelling the sanitiser must catch, and ordinary ones.
const URLS = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'java\nscript:alert(1)',
  'java%09script:alert(1)',
  '&#106;avascript:alert(1)',
  '&#x6A;avascript&#58;alert(1)',
  'jav&#x09;ascript:alert(1)',
  'javascript&colon;alert(1)',
  '\u0001javascript:alert(1)',
  'vbscript:msgbox(1)',
  'VBScript:x',
  'data:text/html,<script>alert(1)</script>',
  'data:image/png;base64,iVBORw0KGgo=',
  'data:image/svg+xml,<svg onload=alert(1)>',
  'file:///etc/passwd',
  'ftp://example.org/x',
  '//evil.example/x',
  '\\\\evil.example\\x',
  '/\\evil.example',
  'http://[::1]/',
  'http://exa mple.org/',
  'http://%zz/',
  'https://x.example/a"b<c>d\'e&f',
  'https://x.example/<!--x-->',
  'java<!-- -->script:alert(1)',
  'mailto:a@example.org',
  'MAILTO:a@example.org?subject=<x>',
  'tel:+44 1865',
  'https://example.org/a b',
  'other/',
  '../img.png',
  '/root?q=1&r=2',
  '#part',
  '?only=query',
  '',
  ' ',
  '<>',
  '<javascript:alert(1)>',
  '%6a%61vascript:alert(1)',
  'https://例え.テスト/パス',
  'https://xn--r8jz45g.xn--zckzah/',
];

const TEXT = [
  'word',
  'two words',
  '<',
  '>',
  '&',
  '&amp;',
  '&#0;',
  '&#106;',
  '&nbsp;',
  '&copy;',
  '&bogus;',
  '"',
  "'",
  '`',
  '\\',
  '*',
  '_',
  '~~',
  '[',
  ']',
  '(',
  ')',
  '!',
  ':',
  '|',
  '--',
  '...',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '</p>',
  '<!-- c -->',
  ']]>',
  '\u0000',
  '\u0008',
  '\u000b',
  '\u000c',
  '\u001f',
  '\u007f',
  '\u00a0',
  '\u2028',
  '\ufeff',
  '\ud800',
  '\ufffe',
  '😀',
  'https://example.org/bare',
  'www.example.com',
  'http://x.example/"onmouseover="alert(1)',
  'mail@example.org',
  'javascript:alert(1)',
  'heraldcode0z',
  '{{< youtube x >}}',
  '$$x$$',
  '\\(a\\)',
  '\\[b\\]',
  '[^1]',
  '[^n]',
  '^[inline note]',
];

const url = fc.constantFrom(...URLS);
const text = fc.oneof(
  fc.constantFrom(...TEXT),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const words = fc.array(text, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(' '));
const title = fc.oneof(
  fc.constant(''),
  words.map((t) => ` "${t.replace(/"/g, '')}"`),
  words.map((t) => ` '${t.replace(/'/g, '')}'`),
  fc.constant(' "a <b> & \'c\'"'),
);

const inline: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: words },
  words.map((t) => `*${t}*`),
  words.map((t) => `**${t}**`),
  words.map((t) => `~~${t}~~`),
  words.map((t) => `\`${t.replace(/`/g, '')}\``),
  fc.tuple(words, url, title).map(([t, u, tt]) => `[${t}](${u}${tt})`),
  fc.tuple(words, url, title).map(([t, u, tt]) => `[${t}](<${u}>${tt})`),
  fc.tuple(words, url, title).map(([t, u, tt]) => `![${t}](${u}${tt})`),
  fc.tuple(words, url).map(([t, u]) => `[![${t}](${u})](${u})`),
  fc.tuple(words, fc.constantFrom('ref', 'img', 'missing')).map(([t, r]) => `[${t}][${r}]`),
  fc.constantFrom('![pic][img]', '[ref]', '[ref][]'),
  url.map((u) => `<${u}>`),
  url.map((u) => ` ${u} `),
  fc.constantFrom('[^1]', '[^n]', '^[inline *note*]', '  \n', '\\\n', '\n'),
  fc.constantFrom('<b>bold</b>', '<span title="x">s</span>', '<a href="javascript:alert(1)">x</a>'),
);
const line = fc.array(inline, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));

const block: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: line },
  fc.tuple(fc.integer({ min: 1, max: 6 }), line).map(([n, l]) => `${'#'.repeat(n)} ${l.replace(/\n/g, ' ')}`),
  fc.tuple(line, fc.constantFrom('===', '---')).map(([l, u]) => `${l.replace(/\n/g, ' ')}\n${u}`),
  fc.array(line, { minLength: 1, maxLength: 3 }).map((items) => items.map((i) => `- ${i}`).join('\n')),
  fc
    .tuple(fc.integer({ min: 0, max: 12 }), fc.array(line, { minLength: 1, maxLength: 3 }))
    .map(([start, items]) => items.map((i, n) => `${start + n}. ${i}`).join('\n')),
  fc
    .array(line, { minLength: 1, maxLength: 2 })
    .map((items) => items.map((i) => `- ${i}\n\n  - nested ${i}`).join('\n')),
  line.map((l) => `> ${l}\n>\n> > ${l}`),
  fc
    .tuple(fc.constantFrom('', 'js', 'go', 'unknown-lang', 'js" onclick="x', '<x>', 'a&b'), words)
    .map(([lang, code]) => `\`\`\`${lang}\n${code}\n\`\`\``),
  words.map((w) => `    ${w.replace(/\n/g, ' ')}`),
  fc
    .tuple(fc.constantFrom('---', ':---', '---:', ':---:'), words, words)
    .map(
      ([align, a, b]) =>
        `| ${a.replace(/[|\n]/g, ' ')} | h |\n| ${align} | --- |\n| ${b.replace(/[|\n]/g, ' ')} | |`,
    ),
  fc.tuple(words, line).map(([t, d]) => `${t.replace(/\n/g, ' ')}\n: ${d.replace(/\n/g, ' ')}`),
  fc.constant('***'),
  fc.tuple(url, title).map(([u, t]) => `[ref]: ${u === '' ? '<>' : u.replace(/\s/g, '%20')}${t}`),
  fc.tuple(url, title).map(([u, t]) => `[img]: <${u}>${t}`),
  line.map((l) => `[^n]: ${l}`),
  line.map((l) => `[^1]: ${l}\n\n    more ${l}`),
  fc.constantFrom('$$\n\\frac{1}{2}\n$$', '<div>raw</div>', '<!-- comment -->', '<script>alert(1)</script>'),
  fc.constantFrom('{{< figure src="javascript:alert(1)" >}}', '{{% note %}}*x*{{% /note %}}'),
);
const body = fc.array(block, { minLength: 1, maxLength: 6 }).map((blocks) => blocks.join('\n\n'));

describe('rendering without the sanitiser', () => {
  it('writes the same bytes as the sanitiser for generated markdown full of hostile strings', () => {
    const paths = { direct: 0, sanitiser: 0 };
    fc.assert(
      fc.property(body, fc.boolean(), (markdown, math) => {
        paths[agree(markdown, math ? withMath : {})]++;
      }),
      { numRuns: Number(process.env.HERALD_PROPERTY_RUNS ?? 300) },
    );
    // Both paths must have been compared, the direct one often.
    expect(paths.direct).toBeGreaterThan(paths.sanitiser / 4);
    expect(paths.sanitiser).toBeGreaterThan(0);
  });

  const repo = fileURLToPath(new URL('../..', import.meta.url));
  const markdownFiles = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return markdownFiles(path);
      return entry.name.endsWith('.md') ? [path] : [];
    });

  it('writes the same bytes for every real-world post under tests/', () => {
    const files = markdownFiles(join(repo, 'tests'));
    expect(files.length).toBeGreaterThan(20);
    let direct = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const options of [{}, withMath]) {
        const bodyOnly = text.replace(/^---\n[\s\S]*?\n---\n/, '');
        for (const markdown of [text, bodyOnly]) {
          try {
            if (agree(markdown, options) === 'direct') direct++;
          } catch (error) {
            throw new Error(`${relative(repo, file)}: the two paths differ`, { cause: error });
          }
        }
      }
    }
    expect(direct).toBeGreaterThan(files.length);
  });

  const bench = mkdtempSync(join(tmpdir(), 'herald-direct-'));
  afterAll(() => rmSync(bench, { recursive: true, force: true }));

  it("writes the same bytes for the bench's generated posts, all of them without the sanitiser", () => {
    writeSyntheticPosts(bench, 40);
    for (const name of readdirSync(bench)) {
      const markdown = readFileSync(join(bench, name), 'utf8').replace(/^---\n[\s\S]*?\n---\n/, '');
      expect(agree(markdown, withMath)).toBe('direct');
    }
  });

  it.each([
    ['an inline link', '[x](javascript:alert(1))'],
    ['an inline link in upper case with a tab', '[x](JaVa\tScRiPt:alert(1))'],
    ['an entity-encoded scheme', '[x](&#106;avascript&#58;alert(1))'],
    ['a reference link', '[x][r]\n\n[r]: javascript:alert(1)'],
    ['a reference image', '![x][r]\n\n[r]: data:text/html;base64,PHNjcmlwdD4='],
    ['an image', '![x](vbscript:msgbox(1) "t")'],
    ['a data: image', '![x](data:image/png;base64,iVBORw0KGgo=)'],
    ['an autolink', '<javascript:alert(1)>'],
    ['a file: autolink', '<file:///etc/passwd>'],
    ['a linkified URL', 'see javascript:alert(1) and ftp://example.org/x'],
    ['a control character in the scheme', '[x](\u0001javascript:alert(1))'],
    ['`<` in a link title', '[x](/a "<script>alert(1)</script>")'],
    ['quotes in a link title', `[x](/a 'say "hi" & <b>')`],
    ['a protocol-relative URL', '[x](//evil.example/x)'],
  ])('drops the URL of %s on both paths, and keeps no active markup', (_what, markdown) => {
    const html = renderMarkdown(markdown, page);
    expect(html).toBe(renderMarkdownSanitised(markdown, page));
    expect(html).not.toMatch(/(?:href|src)="(?!https?:|mailto:|tel:)/);
    expect(html).not.toMatch(/<script|\son\w+=/i);
  });

  it('takes the sanitiser for raw HTML, shortcode HTML and formulas', () => {
    expect(renderPath('a <b>b</b>')).toBe('sanitiser');
    expect(renderPath('<div>\nx\n</div>')).toBe('sanitiser');
    expect(renderPath('{{< figure src="x.png" >}}')).toBe('sanitiser');
    expect(renderPath('{{% param "x" %}}', { params: { x: '<i>y</i>' } })).toBe('sanitiser');
    expect(renderPath('$$x^2$$', withMath)).toBe('sanitiser');
    expect(renderPath('- [x] done')).toBe('sanitiser');
    // Without math on, `$$` is text: nothing needs the sanitiser.
    expect(renderPath('$$x^2$$')).toBe('direct');
  });
});
