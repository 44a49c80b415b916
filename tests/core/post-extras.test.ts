import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readingMinutes, wordCount } from '../../functions/core/pages/post-extras.ts';
import { htmlToPlainText } from '../../functions/core/text/html-text.ts';

/** The definition the one-pass count must keep: words of the plain text. */
function wordsOfText(html: string): number {
  return htmlToPlainText(html)
    .split(/\s+/)
    .filter((w) => w !== '').length;
}

const pieces = fc.constantFrom(
  'word',
  ' ',
  '\n',
  '\u00a0',
  '\u3000',
  '<p>',
  '</p>',
  '<br>',
  '<BR />',
  '<br/>',
  '<a href="x y">',
  '<',
  '>',
  '&nbsp;',
  '&#32;',
  '&#x20;',
  '&amp;',
  '&bogus;',
  '&',
  ';',
  '&#9;',
  '&#xD800;',
  'é',
);

describe('reading time', () => {
  it('counts the words of the text a page shows, tags and entities decoded', () => {
    // Tags join the text around them, as the plain text view does: "three</p><p>four" is one word.
    expect(wordCount('<p>one two<br>three</p> <p>four&nbsp;five&amp;six</p>')).toBe(5);
    expect(wordCount('a<b>b</b>c')).toBe(1);
    expect(wordCount('1 < 2 and 3 > 2')).toBe(wordsOfText('1 < 2 and 3 > 2'));
  });

  it('agrees with the plain text view on any mix of tags, entities and spaces', () => {
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
        const html = parts.join('');
        expect(wordCount(html)).toBe(wordsOfText(html));
      }),
      { numRuns: 2000 },
    );
  });

  it('rounds minutes up at 213 words a minute, at least one', () => {
    expect(readingMinutes('')).toBe(1);
    expect(readingMinutes('w '.repeat(214))).toBe(2);
  });
});
