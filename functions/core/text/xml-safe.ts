// What XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE and U+FFFF; lone surrogates) and what
// it and HTML discourage so strongly that parsers report them (DEL and the C1 controls, which a
// wrong code page leaves behind; the noncharacters U+FDD0-U+FDEF and the last two code points of
// every plane). Word processors paste such characters (vertical tab, form feed, backspace) into
// otherwise good posts, and none of them is text anyone meant to publish.
const PLANE_ENDS = Array.from(
  { length: 16 },
  (_, i) => `\\u{${(i + 1).toString(16)}fffe}\\u{${(i + 1).toString(16)}ffff}`,
);
const FORBIDDEN_IN_XML = new RegExp(
  `[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF\\uD800-\\uDFFF${PLANE_ENDS.join('')}]`,
  'gu',
);

const MAYBE_FORBIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF\uFDD0-\uFDEF\uFFFE\uFFFF]/;

/**
 * Removes every character that XML 1.0 forbids or that XML and HTML parsers report (controls,
 * noncharacters, lone surrogates), so the text can go into a feed or page that readers parse.
 * @param text - any text, e.g. a post as uploaded
 * @returns the text without those characters (the same string when there were none)
 */
export function stripXmlForbidden(text: string): string {
  // Nearly all text is clean: a plain character class finds that far faster than the full pattern.
  // With the `u` flag, \uD800-\uDFFF matches only surrogates that are not part of a pair.
  return MAYBE_FORBIDDEN.test(text) ? text.replace(FORBIDDEN_IN_XML, '') : text;
}
