import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePost, renderPost } from '../../functions/core/posts/parse-post.ts';
import { RefIndex } from '../../functions/core/posts/ref-index.ts';
import { type RenderOptions, renderMarkdown } from '../../functions/core/posts/render-markdown.ts';
import { testSite } from '../helpers/site.ts';

const page = 'https://example.org/posts/hello/';

function render(body: string, options: RenderOptions = {}) {
  const warnings: string[] = [];
  const html = renderMarkdown(body, page, {
    source: 'posts/hello.md',
    warn: (w) => warnings.push(w),
    ...options,
  });
  return { html, warnings };
}

/** Text of the HTML outside <pre> and <code>, where no template delimiter may be left. */
function outsideCode(html: string): string {
  return html.replace(/<pre[\s\S]*?<\/pre>/g, '').replace(/<code[\s\S]*?<\/code>/g, '');
}

/** The text of the code blocks in some HTML, as a reader sees it. */
function codeText(html: string): string {
  return [...html.matchAll(/<pre[^>]*>([\s\S]*?)<\/pre>/g)]
    .map((match) =>
      (match[1] ?? '')
        .replace(/<[^>]+>/g, '')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&'),
    )
    .join('');
}

const DELIMITERS = /\{\{[<%]|[>%]\}\}|\{%|%\}|\{\{&lt;|&gt;\}\}/;

describe('Hugo built-in shortcodes', () => {
  it('embeds YouTube in privacy-enhanced mode, with a link for e-mail clients that drop iframes', () => {
    const { html, warnings } = render(
      '{{< youtube ZJthWmvUzzc >}}\n\n{{< youtube id="w7Ft2ymGmfc" title="A talk" >}}',
    );
    expect(html).toContain('<iframe src="https://www.youtube-nocookie.com/embed/ZJthWmvUzzc"');
    expect(html).toContain('<a href="https://www.youtube.com/watch?v=ZJthWmvUzzc">Watch on YouTube</a>');
    expect(html).toContain('title="A talk"');
    expect(html).toContain('Watch “A talk” on YouTube');
    expect(html).not.toMatch(/<p><div/);
    expect(warnings).toEqual([]);
  });

  it('embeds Vimeo and links vimeo_simple, X, Instagram and gists without scripts', () => {
    const { html } = render(
      [
        '{{< vimeo 146022717 >}}',
        '{{< vimeo_simple 48912912 >}}',
        '{{< twitter_simple user="designreviewed" id="1085870671291310081" >}}',
        '{{< x user="SanDiegoZoo" id="1453110110599868418" >}}',
        '{{< tweet 877500564405444608 >}}',
        '{{< instagram BWNjjyYFxVx hidecaption >}}',
        '{{< gist spf13 7896402 "img.html" >}}',
      ].join('\n\n'),
    );
    expect(html).toContain('<iframe src="https://player.vimeo.com/video/146022717?dnt=1"');
    expect(html).toContain('<a href="https://vimeo.com/48912912">');
    expect(html).toContain(
      '<a href="https://x.com/designreviewed/status/1085870671291310081">A post by @designreviewed on X</a>',
    );
    expect(html).toContain('<a href="https://x.com/SanDiegoZoo/status/1453110110599868418">');
    expect(html).toContain('<a href="https://x.com/i/status/877500564405444608">');
    expect(html).toContain('<a href="https://www.instagram.com/p/BWNjjyYFxVx/">');
    expect(html).toContain(
      '<a href="https://gist.github.com/spf13/7896402">View the gist spf13/7896402 (img.html) on GitHub</a>',
    );
    expect(html).not.toMatch(/<script/);
  });

  it('renders highlight as a code block with its body intact, template code included', () => {
    const { html } = render(
      '{{< highlight html "linenos=table,hl_lines=2" >}}\n<section id="main">\n  <h1>{{ .Title }}</h1>\n</section>\n{{< /highlight >}}',
    );
    expect(html).toMatch(
      /^<pre class="highlight" style="[^"]+"><code class="language-html"><span class="hl-/,
    );
    expect(codeText(html)).toBe('<section id="main">\n  <h1>{{ .Title }}</h1>\n</section>\n');
  });

  it('renders figure as Hugo does: link, image, title and markdown caption with attribution', () => {
    const { html } = render(
      '{{< figure src="elephant.jpg" link="https://example.com/big.jpg" title="An elephant" caption="At *dusk*" attr="Jane" attrlink="https://jane.example/" width="600" >}}',
    );
    expect(html).toBe(
      '<figure><a href="https://example.com/big.jpg"><img src="https://example.org/posts/hello/elephant.jpg" alt="At dusk" width="600" /></a>' +
        '<figcaption><h4>An elephant</h4><p>At <em>dusk</em> <a href="https://jane.example/">Jane</a></p></figcaption></figure>',
    );
  });

  it('renders details with markdown inside, param from site.yaml params, and qr as a link', () => {
    const { html, warnings } = render(
      '{{< details summary="See **more**" open=true >}}\nHidden *text*.\n{{< /details >}}\n\nBy {{< param "author.name" >}}.\n\n{{< qr text="https://gohugo.io" />}}\n\n{{< param missing >}}',
      { params: { author: { name: 'Ann <Lee>' } } },
    );
    expect(html).toContain(
      '<details open><summary>See <strong>more</strong></summary><p>Hidden <em>text</em>.</p>\n</details>',
    );
    expect(html).toContain('<p>By Ann &lt;Lee&gt;.</p>');
    expect(html).toContain('<p><a href="https://gohugo.io/">https://gohugo.io</a></p>');
    expect(warnings).toEqual(['shortcode param "missing" is not a value in site.yaml params: removed']);
  });

  it('resolves ref and relref to other posts, keeping anchors', () => {
    const refs = new RefIndex([
      { source: 'posts/2023/other.md', url: 'https://example.org/posts/other/' },
      { source: 'posts/bundle/index.md', url: 'https://example.org/posts/bundle/' },
    ]);
    const { html, warnings } = render(
      '[a]({{< ref "other.md" >}}) [b]({{< relref "/posts/bundle" >}}) [c]({{< ref "posts/2023/other.md#part" >}}) [d]({{< ref "#top" >}})',
      { refs },
    );
    expect(html).toBe(
      '<p><a href="https://example.org/posts/other/">a</a> <a href="https://example.org/posts/bundle/">b</a> ' +
        '<a href="https://example.org/posts/other/#part">c</a> <a href="https://example.org/posts/hello/#top">d</a></p>',
    );
    expect(warnings).toEqual([]);
  });

  it.each([
    ['{{< ref "gone.md" >}}', '{{< ref "gone.md" >}}'],
    ['{{< relref "posts/gone#x" >}}', '{{< relref "posts/gone#x" >}}'],
    ['{% post_url 2023-01-01-gone %}', '{% post_url 2023-01-01-gone %}'],
  ])('makes a link to a missing post (%s) an error for the post, as Hugo does', (body, written) => {
    const refs = new RefIndex([{ source: 'posts/other.md', url: 'https://example.org/posts/other/' }]);
    expect(() => render(`[x](${body})`, { refs })).toThrow(
      `posts/hello.md: body: ${written} names no post (write its file path, e.g. "posts/other-post.md", or check that the post exists and is not a draft)`,
    );
  });
});

describe('shortcode syntax', () => {
  it('leaves shortcodes literal in code spans, fenced blocks and indented blocks', () => {
    const body = [
      'Write `{{< youtube id >}}` or ``{{% note %}}``.',
      '```go-html-template\n{{< youtube abc >}}\n{{% gist a b %}}\n{% highlight ruby %}\n```',
      '    {{< figure src="x" >}}',
    ].join('\n\n');
    const { html, warnings } = render(body);
    expect(html).toContain('<code>{{&lt; youtube id &gt;}}</code>');
    expect(html).toContain('<code>{{% note %}}</code>');
    expect(html).toContain('{{&lt; youtube abc &gt;}}\n{{% gist a b %}}\n{% highlight ruby %}');
    expect(html).toContain('<pre><code>{{&lt; figure src="x" &gt;}}\n</code></pre>');
    expect(warnings).toEqual([]);
  });

  it('shows the escaped form as the tag itself', () => {
    expect(render('Use {{</* youtube abc */>}} or {{%/* note */%}}.').html).toBe(
      '<p>Use {{&lt; youtube abc &gt;}} or {{% note %}}.</p>',
    );
  });

  it('accepts closing tags written {{</ name >}}, self-closing tags and nesting', () => {
    const { html } = render(
      '{{< details summary="Outer" >}}\n{{< details summary="Inner" >}}\nDeep {{< qr text="plain" />}}\n{{</ details >}}\n{{< /details >}}',
    );
    expect(html).toBe(
      '<details><summary>Outer</summary><details><summary>Inner</summary><p>Deep </p><p>plain</p><p></p>\n</details>\n</details>',
    );
  });

  it('removes unknown shortcodes, keeps a paired one’s inner text, and warns once per file', () => {
    const { html, warnings } = render(
      '{{< unknown a >}}\n\nOne {{% note %}}**bold** inner{{% /note %}} two {{% note %}}again{{% /note %}}\n\n{{< box >}}kept{{< /box >}}',
    );
    expect(html).toBe('<p>One <strong>bold</strong> inner two again</p>\n<p>kept</p>');
    expect(warnings).toEqual([
      'shortcode {{< unknown >}} is not built in and there is no shortcodes/unknown.html: removed',
      'shortcode {{% note %}} is not built in and there is no shortcodes/note.html: removed, its inner text kept',
      'shortcode {{< box >}} is not built in and there is no shortcodes/box.html: removed, its inner text kept',
    ]);
  });

  it('drops inline shortcodes with their template code', () => {
    const { html, warnings } = render(
      '{{< css.inline >}}\n<style>{{ .Title }}</style>\n{{</ css.inline >}}\n\nAfter.',
    );
    expect(html).toBe('<p>After.</p>');
    expect(warnings).toEqual([
      'inline shortcode {{< css.inline >}} is template code Herald does not run: removed',
    ]);
  });

  it('never leaves a delimiter from hostile or broken tags, and escapes hostile arguments', () => {
    const { html, warnings } = render(
      [
        'Broken {{< youtube abc',
        'Also {{% figure src="x.jpg"',
        '{{< figure src="javascript:alert(1)" link="javascript:alert(2)" alt="\\"><script>alert(3)</script>" >}}',
        '{{< youtube "abc\\" onload=\\"alert(1)" >}}',
        '{{< __proto__ x=1 >}}{{< constructor >}}{{< toString >}}',
        '{{< x user="<b>" id="12" >}}',
        '{{< /stray >}} text',
      ].join('\n\n'),
    );
    expect(outsideCode(html)).not.toMatch(DELIMITERS);
    expect(html).not.toMatch(/<script|javascript:|onload=/);
    expect(html).toContain('<a href="https://x.com/i/status/12">');
    expect(warnings).toContain('shortcode youtube has no usable video id: removed');
    expect(warnings).toContain('closing tag for "stray" has no opening tag: removed');
    expect(warnings.some((w) => w.includes('never closes'))).toBe(true);
  });

  it('expands every one of thousands of shortcodes in a long post', () => {
    const body = Array.from(
      { length: 2000 },
      (_, i) => `Para {{< qr text="t${i}" >}} and {{< unknown${i % 3} >}}`,
    ).join('\n\n');
    const { html, warnings } = render(body);
    expect(html.match(/<p>t\d+<\/p>/g)).toHaveLength(2000);
    expect(warnings).toHaveLength(3);
  });
});

describe('site shortcodes', () => {
  const templates = new Map([
    ['note', '<aside class="note {{ .Get "kind" }}"><strong>{{ .Get 0 }}</strong>{{ .Inner }}</aside>'],
    ['md', '{{- .Inner | markdownify -}}'],
    ['logic', '{{ with .Get "x" }}<b>{{ . }}</b>{{ end }}<i>fixed</i>'],
  ]);

  it('fill .Get by name and position, escaping values, and .Inner as HTML', () => {
    const { html } = render('{{< note "Tip <1>" kind="warn\\"x" >}}Use <em>this</em>.{{< /note >}}', {
      templates,
    });
    expect(html).toBe(
      '<aside class="note warn&quot;x"><strong>Tip &lt;1&gt;</strong>Use <em>this</em>.</aside>',
    );
  });

  it('render markdown through markdownify, and warn of template logic Herald does not run', () => {
    const { html, warnings } = render('{{< md >}}Some **bold**{{< /md >}}\n\n{{< logic x="1" >}}', {
      templates,
    });
    expect(html).toContain('Some <strong>bold</strong>');
    expect(html).toContain('<i>fixed</i>');
    expect(html).not.toContain('{{');
    expect(warnings).toEqual([
      'site shortcode logic uses {{ with .Get "x" }}, which Herald does not support: left out',
    ]);
  });
});

describe('Jekyll Liquid tags', () => {
  it('highlights, keeps raw text, links posts and removes other tags with a warning', () => {
    const refs = new RefIndex([
      { source: 'posts/2010-07-21-name.md', url: 'https://example.org/posts/name/' },
    ]);
    const { html, warnings } = render(
      [
        '{% highlight ruby linenos %}\ndef foo\n  puts "{{ x }}"\nend\n{% endhighlight %}',
        '{% raw %}Hugo writes {{< youtube id >}} and {{ .Title }}{% endraw %}',
        '[a]({% post_url 2010-07-21-name %}) [b]({% link _posts/2010-07-21-name.md %})',
        '{% include footer.html %}{% comment %}secret{% endcomment %}{% if x %}shown{% endif %}',
      ].join('\n\n'),
      { refs },
    );
    expect(html).toContain(
      '<code class="language-ruby">def foo\n  puts &quot;{{ x }}&quot;\nend\n</code></pre>',
    );
    expect(html).toContain('Hugo writes {{&lt; youtube id &gt;}} and {{ .Title }}');
    expect(html).toContain(
      '<a href="https://example.org/posts/name/">a</a> <a href="https://example.org/posts/name/">b</a>',
    );
    expect(html).toContain('<p>shown</p>');
    expect(html).not.toContain('secret');
    expect(warnings).toEqual([
      'Liquid tag {% include %} is not supported: removed',
      'Liquid tag {% if %} is not supported: removed, its inner text kept',
    ]);
  });
});

describe('real Hugo content (gohugoio/hugoBasicExample)', () => {
  const site = testSite();
  const fixture = (name: string) =>
    readFileSync(new URL(`../fixtures/hugo-basic-example/${name}`, import.meta.url));

  it.each(['rich-content.md', 'markdown-syntax.md', 'math-typesetting.md'])(
    '%s renders with no shortcode delimiter outside code',
    (name) => {
      const warnings: string[] = [];
      const post = renderPost(parsePost({ key: `posts/${name}`, bytes: fixture(name) }, site), {
        site,
        warn: (w) => warnings.push(w),
      });
      expect(outsideCode(post.contentHtml)).not.toMatch(DELIMITERS);
      expect(post.summary).not.toMatch(DELIMITERS);
      if (name === 'rich-content.md') {
        expect(post.contentHtml).toContain('https://www.youtube-nocookie.com/embed/ZJthWmvUzzc');
        expect(post.contentHtml).toContain('https://x.com/designreviewed/status/1085870671291310081');
        expect(post.contentHtml).toContain('https://vimeo.com/48912912');
        expect(warnings).toEqual([]);
      }
      if (name === 'markdown-syntax.md') {
        expect(post.contentHtml).toContain(
          '<code class="language-html"><span class="hl-oper" style="color:#0550ae">&lt;!</span>',
        );
        expect(codeText(post.contentHtml)).toContain('<!doctype html>\n<html lang="en">');
      }
      if (name === 'math-typesetting.md') {
        // The fenced Go template stays as written; the inline shortcodes carrying KaTeX scripts go.
        expect(codeText(post.contentHtml)).toContain('{{ if or .Params.math .Site.Params.math }}');
        expect(post.contentHtml).not.toContain('katex.min.js');
        expect(warnings).toEqual([
          'inline shortcode {{< math.inline >}} is template code Herald does not run: removed',
        ]);
      }
    },
  );
});
