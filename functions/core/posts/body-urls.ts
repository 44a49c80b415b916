/**
 * URL schemes a post's body may link to or load from; any other (`javascript:`, `data:`,
 * `vbscript:`, …) is removed with the attribute that holds it.
 */
export const BODY_URL_SCHEMES = ['http', 'https', 'mailto', 'tel'] as const;

const ALLOWED_SCHEME = new RegExp(`^(?:${BODY_URL_SCHEMES.join('|')}):`);

/**
 * A URL of a post's body made absolute against its page, as feeds and e-mail need.
 * @param value - the URL as written (surrounding white space ignored)
 * @param base - absolute URL of the post's page
 * @returns the absolute URL, or undefined when it does not parse
 */
export function absoluteUrl(value: string, base: string): string | undefined {
  const trimmed = value.trim();
  try {
    return new URL(trimmed, base).href;
  } catch {
    return undefined;
  }
}

/**
 * What the sanitiser keeps of a URL in a body's `href` or `src`: the absolute URL when it parses and
 * its scheme is one of {@link BODY_URL_SCHEMES}, else nothing. A serialised URL starts with its
 * scheme in lower case, with no white space, control character or markup before the colon, so this
 * test and the sanitiser's (which strips those before reading the scheme) agree.
 * @param value - the URL as written
 * @param base - absolute URL of the post's page
 */
export function bodyUrl(value: string, base: string): string | undefined {
  const absolute = absoluteUrl(value, base);
  return absolute !== undefined && ALLOWED_SCHEME.test(absolute) ? absolute : undefined;
}

/**
 * A `srcset` with every candidate's URL absolute; candidates whose URL does not parse are dropped.
 * A comma inside a URL is only a separator when followed by white space, which is how the HTML
 * spec tells them apart in practice.
 * @param srcset - "url descriptor, url descriptor"
 * @param base - absolute URL of the post's page
 */
export function absoluteSrcset(srcset: string, base: string): string {
  return srcset
    .split(/,\s+/)
    .map((candidate) => {
      const [url = '', ...descriptor] = candidate.trim().split(/\s+/);
      const absolute = absoluteUrl(url, base);
      return absolute === undefined ? undefined : [absolute, ...descriptor].join(' ');
    })
    .filter((c): c is string => c !== undefined)
    .join(', ');
}
