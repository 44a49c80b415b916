/**
 * Adds a "#" link to every heading with an id, for a post's own page: readers copy a link to a
 * section from it. Feeds and e-mails keep the body without them, where they would be noise.
 * The body is Herald's own sanitised output, whose headings are serialised one way, so a pattern
 * over it is exact.
 * @param contentHtml - a post's sanitised body
 */
export function withHeadingAnchors(contentHtml: string): string {
  return contentHtml.replace(
    /<h([2-6])((?:\s[^>]*)?\sid="([^"]+)"[^>]*)>([\s\S]*?)<\/h\1>/g,
    (_whole, level: string, attributes: string, id: string, inner: string) =>
      `<h${level}${attributes}>${inner} <a class="anchor" href="#${id}" aria-label="Link to this section">#</a></h${level}>`,
  );
}
