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
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*?(\/?)>/g;

/**
 * Measures a body's rendering cost in one pass over the text.
 * @param body - markdown as written
 */
export function bodyCost(body: string): BodyCost {
  let markup = 0;
  let depth = 0;
  let deepest = 0;
  let fence: string | undefined;
  for (const line of body.split('\n')) {
    const opener = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      // Code is one element however long; only the closing fence matters.
      if (opener !== undefined && opener[0] === fence[0] && opener.length >= fence.length) fence = undefined;
      continue;
    }
    if (opener !== undefined) {
      fence = opener;
      markup++;
      continue;
    }
    if (line.trim() === '') continue;
    markup += 1 + (line.match(MARKUP_CHARACTER)?.length ?? 0);
    for (const [, closing, name = '', selfClosing] of line.matchAll(TAG)) {
      if (selfClosing === '/' || VOID_ELEMENTS.has(name.toLowerCase())) continue;
      depth = closing === '/' ? Math.max(0, depth - 1) : depth + 1;
      deepest = Math.max(deepest, depth);
    }
  }
  return { markup, htmlDepth: deepest };
}
