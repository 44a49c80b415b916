import { stripXmlForbidden } from './xml-safe.ts';

/**
 * Line endings to `\n` and the characters XML cannot carry removed: what every piece of a post
 * goes through before it is parsed or rendered.
 * @param text - text as an author saved it (CRLF, pasted control characters)
 */
export function normaliseText(text: string): string {
  return stripXmlForbidden(text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text);
}
