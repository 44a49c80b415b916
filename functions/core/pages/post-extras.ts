import { escapeHtml, htmlToPlainText } from '../text/html-text.ts';

/**
 * Minutes to read a post, as Hugo counts them: words at 213 a minute, rounded up, at least one.
 * @param contentHtml - the post's body
 */
export function readingMinutes(contentHtml: string): number {
  const words = htmlToPlainText(contentHtml)
    .split(/\s+/)
    .filter((w) => w !== '').length;
  return Math.max(1, Math.ceil(words / 213));
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
