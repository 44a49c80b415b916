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
import { markdownDocument } from '../helpers/markdown-arbitrary.ts';

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

describe('rendering without the sanitiser', () => {
  it('writes the same bytes as the sanitiser for generated markdown full of hostile strings', () => {
    const paths = { direct: 0, sanitiser: 0 };
    fc.assert(
      fc.property(markdownDocument, fc.boolean(), (markdown, math) => {
        paths[agree(markdown, math ? withMath : {})]++;
      }),
      { numRuns: Number(process.env.HERALD_PROPERTY_RUNS ?? 200) },
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
    // The task-list plugin's checkboxes are raw HTML of two fixed forms, written directly.
    expect(renderPath('- [x] done\n- [ ] open')).toBe('direct');
    expect(renderPath('- [x] done <input type="checkbox">')).toBe('sanitiser');
    // Without math on, `$$` is text: nothing needs the sanitiser.
    expect(renderPath('$$x^2$$')).toBe('direct');
  });
});
