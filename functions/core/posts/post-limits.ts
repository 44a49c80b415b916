/**
 * Limits on what one post may ask of the publish function. A post's cost is mostly the number of
 * HTML elements its body becomes (markdown-it and sanitize-html spend tens of microseconds on each),
 * and the number of feeds and pages its categories and tags add; without limits a 19 KB post with
 * 2,000 categories wrote 6,499 objects, and 1 MB of table rows, list items or nested `<div>`s took
 * 7 to 46 seconds to render. Within these limits a post renders in a few seconds at most
 * (`npm run bench` measures the worst shapes).
 */
export const POST_LIMITS = {
  /** Categories per post, and tags per post (each category gets its own feeds and pages). */
  terms: 50,
  /** Characters in a title. */
  titleChars: 500,
  /** Markup marks in the body outside fenced code: lines plus characters that start elements. */
  markup: 25_000,
  /** Depth of raw HTML elements nested in the body (sanitize-html slows down with depth). */
  htmlDepth: 100,
} as const;

/** What rendering a body will cost, measured on the markdown without rendering it. */
export interface BodyCost {
  /** Lines and element-starting characters outside fenced code blocks. */
  markup: number;
  /** Deepest nesting of raw HTML elements. */
  htmlDepth: number;
}

// Elements that never take a closing tag, so they add no depth.
const VOID_ELEMENTS = new Set(
  'area base br col embed hr img input link meta param source track wbr'.split(' '),
);
// Characters with which markdown starts an element (emphasis, links, images, code, tables, raw
// HTML, autolinks' "://", e-mail autolinks' "@", strikethrough).
const MARKUP_CHARACTER = /[<[*_|`!:@~]/g;
const LESS_THAN = 60;
const SPACE = 32;
const BACKTICK = 96;
const TILDE = 126;
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*?(\/?)>/g;

/**
 * Measures a body's rendering cost in one pass over the text. Every post is measured when it is
 * parsed, so lines are walked in place and the marks found by one search over the whole body,
 * instead of splitting lines and matching patterns on each (that was 8% of a feeds-only build).
 * @param body - markdown as written
 */
export function bodyCost(body: string): BodyCost {
  let markup = 0;
  let depth = 0;
  let deepest = 0;
  // The open fence's character and length; 0 outside fenced code.
  let fenceChar = 0;
  let fenceLength = 0;
  const marks = new RegExp(MARKUP_CHARACTER);
  const nextMark = (): number => (marks.test(body) ? marks.lastIndex - 1 : body.length);
  let mark = nextMark();
  for (let start = 0; start <= body.length; ) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    const opener = fenceAt(body, start, end);
    let counted = false;
    if (fenceChar !== 0) {
      // Code is one element however long; only the closing fence matters.
      if (opener.char === fenceChar && opener.length >= fenceLength) fenceChar = 0;
    } else if (opener.char !== 0) {
      fenceChar = opener.char;
      fenceLength = opener.length;
      markup++;
    } else counted = !isBlank(body, start, end);
    let tags = false;
    // Marks on lines not counted (code, fences) are passed over.
    for (; mark < end; mark = nextMark())
      if (counted) {
        markup++;
        if (body.charCodeAt(mark) === LESS_THAN) tags = true;
      }
    if (counted) markup++;
    if (tags)
      for (const [, closing, name = '', selfClosing] of body.slice(start, end).matchAll(TAG)) {
        if (selfClosing === '/' || VOID_ELEMENTS.has(name.toLowerCase())) continue;
        depth = closing === '/' ? Math.max(0, depth - 1) : depth + 1;
        deepest = Math.max(deepest, depth);
      }
    start = end + 1;
  }
  return { markup, htmlDepth: deepest };
}

const NO_FENCE = { char: 0, length: 0 };

/** A code fence opening the line (up to three spaces, then three or more ` or ~), or none. */
function fenceAt(text: string, start: number, end: number): { char: number; length: number } {
  let i = start;
  while (i < end && i - start < 3 && text.charCodeAt(i) === SPACE) i++;
  const char = text.charCodeAt(i);
  if (i >= end || (char !== BACKTICK && char !== TILDE)) return NO_FENCE;
  let j = i + 1;
  while (j < end && text.charCodeAt(j) === char) j++;
  return j - i >= 3 ? { char, length: j - i } : NO_FENCE;
}

/** Whether the line holds only white space, as `String.prototype.trim` sees it. */
function isBlank(text: string, start: number, end: number): boolean {
  if (start === end) return true;
  // Most lines start with a letter or a mark: only a line that starts with a space-like character
  // needs the full check.
  const first = text.charCodeAt(start);
  if (first > SPACE && first < 0x7f) return false;
  return text.slice(start, end).trim() === '';
}
