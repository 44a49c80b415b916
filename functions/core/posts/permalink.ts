import type { SiteConfig } from '../config/site-config.ts';

/**
 * Expands the site's permalink pattern for one post.
 * @param pattern - e.g. `/posts/:slug/` or `/:year/:month/:slug/`
 * @param fields - the post's slug, its date in the site's timezone (asked for only when the pattern
 *   uses it) and its first category's slug
 * @returns the site-relative path, always starting with `/`
 */
export function expandPermalink(
  pattern: string,
  fields: {
    slug: string;
    date: () => { year: string; month: string; day: string };
    category: string | undefined;
  },
): string {
  return pattern.replace(/:(slug|year|month|day|category)\b/g, (_, token: string) => {
    switch (token) {
      case 'slug':
        return encodeURIComponent(fields.slug);
      case 'year':
        return fields.date().year;
      case 'month':
        return fields.date().month;
      case 'day':
        return fields.date().day;
      default:
        return encodeURIComponent(fields.category ?? 'uncategorized');
    }
  });
}

/**
 * Resolves a site-relative path (`/images/x.webp`, `posts/a/`) to an absolute URL under the site's
 * base URL, so that a site served from a sub-path keeps working.
 */
export function siteUrl(site: Pick<SiteConfig, 'baseUrl'>, path: string): string {
  return new URL(path.replace(/^\/+/, ''), site.baseUrl).href;
}
