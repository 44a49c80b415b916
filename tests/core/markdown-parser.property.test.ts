import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { createMarkdownParser } from '../../functions/core/posts/markdown-parser.ts';
import { markdownDocument } from '../helpers/markdown-arbitrary.ts';

// The parser runs markdown-it's linkify rule only on paragraphs whose text holds a link (see
// linkifyWhereTextLinks): it must find exactly the links the rule finds when run on every paragraph.

const parser = createMarkdownParser();
// The same parser with markdown-it's own linkify rule back in place (rules are shared functions).
const reference = createMarkdownParser();
const plain = new MarkdownIt().core.ruler;
const linkify = plain.__rules__[plain.__find__('linkify')]?.fn;
if (linkify === undefined) throw new Error('markdown-it has no core linkify rule');
reference.core.ruler.at('linkify', linkify);
const math = (tex: string, display: boolean) => `[${display}:${tex}]`;

describe('markdown parser: linkify', () => {
  it('links what markdown-it links, and only that', () => {
    const cases: [string, string][] = [
      [
        'see https://example.com/x now',
        '<p>see <a href="https://example.com/x">https://example.com/x</a> now</p>\n',
      ],
      [
        '[a](https://x.org/) and https://y.org/',
        '<p><a href="https://x.org/">a</a> and <a href="https://y.org/">https://y.org/</a></p>\n',
      ],
      ['mail a@example.org', '<p>mail <a href="mailto:a@example.org">a@example.org</a></p>\n'],
      ['[a](https://x.org/) plain words', '<p><a href="https://x.org/">a</a> plain words</p>\n'],
      // The text holds a link but the paragraph's source does not (an escaped colon): markdown-it
      // links nothing, because it tests the source first.
      ['http\\://x.com', '<p>http://x.com</p>\n'],
      ['`https://x.org/` code', '<p><code>https://x.org/</code> code</p>\n'],
    ];
    for (const [markdown, html] of cases) {
      expect(reference.render(markdown)).toBe(html);
      expect(parser.render(markdown)).toBe(html);
    }
  });

  it('renders generated markdown exactly as with the rule run on every paragraph', () => {
    fc.assert(
      fc.property(markdownDocument, fc.boolean(), (markdown, withMath) => {
        const env = () => (withMath ? { math } : {});
        expect(parser.render(markdown, env())).toBe(reference.render(markdown, env()));
      }),
      { numRuns: Number(process.env.HERALD_PROPERTY_RUNS ?? 300) },
    );
  });
});
