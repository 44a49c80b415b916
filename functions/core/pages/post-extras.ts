import { escapeHtml, htmlToPlainText } from '../text/html-text.ts';

/**
 * Minutes to read a post, as Hugo counts them: words at 213 a minute, rounded up, at least one.
 * @param contentHtml - the post's body
 */
export function readingMinutes(contentHtml: string): number {
  return Math.max(1, Math.ceil(wordCount(contentHtml) / 213));
}

const ENTITY = /&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/iy;

/**
 * The words of {@link htmlToPlainText}'s text, counted in one pass without building it: every post
 * page needs this, and the four replacing passes and a split were a tenth of a whole-site build.
 * Tags join the text around them (`<br>` separates); an entity separates only when it stands for
 * white space.
 */
export function wordCount(body: string): number {
  // Line breaks first, as the text view replaces them: `<<br>` is a `<` and a break, not one tag.
  const html = body.replace(/<br\s*\/?>/gi, ' ');
  let words = 0;
  let inWord = false;
  for (let i = 0; i < html.length; i++) {
    const c = html.charCodeAt(i);
    if (c === 60) {
      const end = html.indexOf('>', i + 1);
      if (end >= 0) {
        i = end;
        continue;
      }
    }
    let space = isSpace(c);
    if (c === 38) {
      ENTITY.lastIndex = i;
      const entity = ENTITY.exec(html)?.[0];
      if (entity !== undefined) {
        space = entityIsSpace(entity);
        i += entity.length - 1;
      }
    }
    if (space) inWord = false;
    else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  return words;
}

// A few entities (&amp;, &lt;, &#39;, …) make nearly all of a body's: their answer is kept.
const entitySpaces = new Map<string, boolean>();

/** A decoded entity is one character; it counts as white space when the text view drops it. */
function entityIsSpace(entity: string): boolean {
  let space = entitySpaces.get(entity);
  if (space === undefined) {
    space = htmlToPlainText(entity) === '';
    if (entitySpaces.size < 1000) entitySpaces.set(entity, space);
  }
  return space;
}

/** What `\s` matches in a JavaScript regular expression (printable ASCII, most of a body, first). */
function isSpace(c: number): boolean {
  if (c > 32 && c < 0xa0) return false;
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * Whether the body opens with the cover image itself (Hugo themes often repeat it there), so that
 * the page shows it once.
 * @param contentHtml - the post's sanitised body, URLs absolute
 * @param imageUrl - the post's cover image, absolute
 */
export function opensWithImage(contentHtml: string, imageUrl: string): boolean {
  const opening = /^\s*(?:<(?:p|figure|div)[^>]*>\s*)*(?:<a [^>]*>\s*)?<img [^>]*>/.exec(contentHtml)?.[0];
  return opening?.includes(`src="${escapeHtml(imageUrl).replace(/&#39;/g, "'")}"`) === true;
}
