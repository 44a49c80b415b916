// C0 controls except tab, LF and CR; U+FFFE and U+FFFF; lone surrogates. XML 1.0 forbids them all,
// and word processors paste them (vertical tab, form feed, backspace) into otherwise good posts.
const FORBIDDEN_IN_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const MAYBE_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/**
 * Removes every character that XML 1.0 forbids, so the text can go into a feed that readers parse.
 * @param text - any text, e.g. a post as uploaded
 * @returns the text without those characters (the same string when there were none)
 */
export function stripXmlForbidden(text: string): string {
  // Nearly all text is clean: a plain character class finds that far faster than the full pattern.
  return MAYBE_FORBIDDEN.test(text) ? text.replace(FORBIDDEN_IN_XML, '') : text;
}
