import { describe, expect, it } from 'vitest';
import { texToMathml } from '../../functions/app/tex-to-mathml.ts';
import { renderMarkdown } from '../../functions/core/posts/render-markdown.ts';

const page = 'https://example.org/blog/posts/hello/';

describe('renderMarkdown', () => {
  it('treats a backslash at line end as a hard break (CommonMark)', () => {
    expect(renderMarkdown('one\\\ntwo', page)).toBe('<p>one<br />\ntwo</p>');
  });

  it('makes href, src, srcset and poster absolute against the page URL', () => {
    const html = renderMarkdown(
      '[a](other/) [b](/root) [c](#part) [d](//cdn.example/x) ![e](../img.png)\n\n' +
        '<img src="x.png" srcset="a.png 1x, /b.png 2x"><video src="v.mp4" poster="p.jpg"></video>',
      page,
    );
    expect(html).toContain('href="https://example.org/blog/posts/hello/other/"');
    expect(html).toContain('href="https://example.org/root"');
    expect(html).toContain('href="https://example.org/blog/posts/hello/#part"');
    expect(html).toContain('href="https://cdn.example/x"');
    expect(html).toContain('src="https://example.org/blog/posts/img.png"');
    expect(html).toContain(
      'srcset="https://example.org/blog/posts/hello/a.png 1x, https://example.org/b.png 2x"',
    );
    expect(html).toContain('poster="https://example.org/blog/posts/hello/p.jpg"');
    expect(html).not.toMatch(/(href|src|poster)="(?!https?:)/);
  });

  it('removes scripts, event handlers and javascript: URLs but keeps the text', () => {
    const html = renderMarkdown(
      '<p onclick="x()">kept</p><script>alert(1)</script><a href="javascript:alert(1)">link</a>' +
        '<img src=x onerror="alert(1)"><iframe src="https://evil.example/"></iframe><style>p{}</style>',
      page,
    );
    expect(html).toContain('kept');
    expect(html).toContain('link');
    expect(html).not.toMatch(/script|onclick|onerror|javascript:|evil\.example|<style/);
  });

  it('adds rel="noopener noreferrer" to links that open a new tab', () => {
    expect(renderMarkdown('<a href="https://x.example/" target="_blank" rel="opener">x</a>', page)).toBe(
      '<p><a href="https://x.example/" target="_blank" rel="noopener noreferrer">x</a></p>',
    );
  });

  it('keeps embeds from known video hosts', () => {
    expect(renderMarkdown('<iframe src="https://www.youtube.com/embed/abc"></iframe>', page)).toContain(
      '<iframe src="https://www.youtube.com/embed/abc">',
    );
  });

  it('keeps mailto links and tables', () => {
    const html = renderMarkdown('[mail](mailto:a@example.org)\n\n| a |\n|---|\n| 1 |', page);
    expect(html).toContain('href="mailto:a@example.org"');
    expect(html).toContain('<table>');
  });

  it("gives headings Hugo's ids (github style), numbering repeats", () => {
    const html = renderMarkdown(
      '## Hello, World!\n\n## Hello, World!\n\n### Ünïcode_name 2 `code`\n\n## !!!',
      page,
    );
    expect(html).toBe(
      '<h2 id="hello-world">Hello, World!</h2>\n<h2 id="hello-world-1">Hello, World!</h2>\n' +
        '<h3 id="ünïcode_name-2-code">Ünïcode_name 2 <code>code</code></h3>\n<h2 id="heading">!!!</h2>',
    );
  });

  it('numbers repeated heading ids past ones already taken, and in one pass over thousands of headings', () => {
    // A heading written as "h-1" takes that id: the next repeat of "h" skips it, as Hugo does.
    expect(renderMarkdown('# h\n\n# h\n\n# h-1\n\n# h\n\n# h-1', page)).toBe(
      '<h1 id="h">h</h1>\n<h1 id="h-1">h</h1>\n<h1 id="h-1-1">h-1</h1>\n<h1 id="h-2">h</h1>\n<h1 id="h-1-2">h-1</h1>',
    );
    const many = renderMarkdown('# h\n'.repeat(5000), page);
    expect(many.match(/<h1 id="h-4999">/g)).toHaveLength(1);
    expect(new Set(many.match(/id="[^"]+"/g)).size).toBe(5000);
  });

  it("renders footnotes with Goldmark's ids, definition lists, task lists and strikethrough", () => {
    const html = renderMarkdown(
      'A note.[^n] ~~old~~\n\nTerm\n: Meaning\n\n- [x] done\n- [ ] open\n\n[^n]: The *note*.',
      page,
    );
    expect(html).toContain(
      '<sup class="footnote-ref"><a href="https://example.org/blog/posts/hello/#fn:1" id="fnref:1">1</a></sup> <del>old</del>',
    );
    expect(html).toContain(
      '<li id="fn:1" class="footnote-item"><p>The <em>note</em>. <a href="https://example.org/blog/posts/hello/#fnref:1"',
    );
    expect(html).toContain('<dl>\n<dt>Term</dt>\n<dd>Meaning</dd>\n</dl>');
    expect(html).toContain('<input class="task-list-item-checkbox" checked disabled type="checkbox" /> done');
    expect(html).toContain('<input class="task-list-item-checkbox" disabled type="checkbox" /> open');
  });

  it("sets quotes, dashes and ellipses as Goldmark's typographer does, but not in code", () => {
    expect(renderMarkdown('"Hi" it\'s -- then --- so... (c) `"a" -- b`', page)).toBe(
      '<p>“Hi” it’s – then — so… (c) <code>"a" -- b</code></p>',
    );
  });

  it('highlights fenced code with inline colours that survive without a stylesheet', () => {
    const html = renderMarkdown(
      '```go\nfunc main() { return "x" }\n```\n\n```unknown-lang\nplain <b>\n```',
      page,
    );
    expect(html).toContain(
      '<pre class="highlight" style="background:#f6f8fa;color:#1f2328"><code class="language-go"><span class="hl-kwd" style="color:#cf222e">func</span>',
    );
    expect(html).toContain('<span class="hl-str" style="color:#0a3069">&quot;x&quot;</span>');
    expect(html).toContain('<pre><code class="language-unknown-lang">plain &lt;b&gt;\n</code></pre>');
  });

  it('keeps hostile code and language names inert in highlighted blocks', () => {
    const html = renderMarkdown(
      '```js" onmouseover="alert(1)\n</code></pre><script>alert(2)</script>\n```\n\n```html\n<img src=x onerror=alert(3)>\n```\n\n' +
        'heraldcode0z <p style="color:red">styled</p>',
      page,
    );
    expect(html).not.toMatch(/<script|<img|onmouseover="|style="color:red"/);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('heraldcode0z');
  });

  it('renders $$…$$, \\[…\\] and \\(…\\) to MathML when math is enabled, TeX kept whole', () => {
    const warnings: string[] = [];
    const html = renderMarkdown(
      'Inline \\(a_1 * b_2\\) and $$x^2$$.\n\n$$\n\\frac{1}{2}\n$$\n\n\\[ \\href{javascript:alert(1)}{y} \\]\n\n\\(\\frac{\\)',
      page,
      { math: texToMathml, warn: (w) => warnings.push(w) },
    );
    expect(html).toContain('Inline <math><semantics><mrow><msub><mi>a</mi><mn>1</mn></msub>');
    expect(html).toContain('<annotation encoding="application/x-tex">a_1 * b_2</annotation>');
    expect(html).toContain(
      '<math display="block" class="tml-display"><semantics><mfrac><mn>1</mn><mn>2</mn></mfrac>',
    );
    expect(html).not.toMatch(/href=|<a |<em>|style=/);
    expect(html).toContain('<code class="language-tex">\\frac{</code>');
    expect(warnings).toEqual([
      'formula "\\href{javascript:alert(1)}{y}" is not valid TeX (Unsupported function name: \\href at position 1: ): shown as written',
      expect.stringMatching(/^formula "\\frac\{" is not valid TeX \(.+\): shown as written$/),
    ]);
  });

  it('leaves math delimiters to CommonMark when math is off', () => {
    expect(renderMarkdown('\\(a_1\\) $$x$$', page)).toBe('<p>(a_1) $$x$$</p>');
  });
});
