import type { SiteConfig } from '../config/site-config.ts';
import { otherLanguages } from './content-files.ts';

/**
 * Top-level folders and files Herald writes itself: a post's `url` or an alias there would overwrite
 * a feed, a list page or the sitemap.
 */
const RESERVED = new Set([
  'categories',
  'tags',
  'series',
  'feeds',
  'page',
  'newsletter',
  'rss.xml',
  'atom.xml',
  'feed.json',
  'sitemap.xml',
  '404.html',
  'index.html',
]);
const MAX_LENGTH = 500;

/**
 * Reads a site path an author wrote (`url:` or an alias) as Hugo does: `/old/url/` is from the site
 * root, `old-url` is beside `relativeTo` (the post's own folder). A path not ending in `.html` is
 * a folder (`/old` -> `/old/`, written as `/old/index.html`). An absolute URL is accepted only on
 * the site's own host and under its base path. Anything that could leave the site or climb out of
 * it (`..`, `//host`, `\`, `javascript:`, other hosts), or that names one of Herald's own outputs,
 * is refused with a reason.
 * @param value - the path as written
 * @param relativeTo - site path of the folder a relative value is resolved in, e.g. `/posts/`
 * @returns the site-relative path (leading `/`, percent-encoded), or why it cannot be used
 */
export function readSitePath(
  value: string,
  site: Pick<SiteConfig, 'baseUrl' | 'language' | 'languages' | 'defaultLanguage'>,
  relativeTo: string,
): { path: string } | { error: string } {
  const written = value.trim();
  const shown = JSON.stringify(written.length > 60 ? `${written.slice(0, 60)}…` : written);
  const refuse = (why: string) => ({ error: `${shown} ${why}` });
  if (written === '') return refuse('is empty');
  if (written.length > MAX_LENGTH) return refuse(`is longer than ${MAX_LENGTH} characters`);
  if ([...written].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return refuse('has a backslash or a control character');
  let path = written;
  if (/^[a-z][a-z0-9+.-]*:/i.test(written) || written.startsWith('//')) {
    const base = new URL(site.baseUrl);
    let url: URL;
    try {
      url = new URL(written, base);
    } catch {
      return refuse('is not a URL');
    }
    if (!/^https?:$/.test(url.protocol) || url.host !== base.host || !url.pathname.startsWith(base.pathname))
      return refuse(`is not on this site (${base.origin}${base.pathname})`);
    path = `/${url.pathname.slice(base.pathname.length)}`;
  }
  if (/[?#]/.test(path)) return refuse('has a query or fragment; a page path has neither');
  const segments: string[] = [];
  const joined = path.startsWith('/') ? path : `${relativeTo}${path}`;
  for (const raw of joined.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return refuse('has a broken %-escape');
    }
    if (segment === '..' || segment === '.')
      return refuse('climbs folders with . or ..; write the path from the site root');
    segments.push(segment);
  }
  const last = segments.at(-1) ?? '';
  if (last !== '' && !/\.html?$/i.test(last)) segments.push('');
  if (segments.slice(0, -1).some((s) => s === '')) return refuse('has an empty folder name (//)');
  if (segments.length === 1 && segments[0] === '') return refuse("is the site's home page");
  if (RESERVED.has((segments[0] ?? '').toLowerCase()))
    return refuse(`is under /${segments[0]}, which Herald writes itself`);
  // Another language's folder belongs to that language's site.
  if (site.defaultLanguage === undefined && otherLanguages(site).includes((segments[0] ?? '').toLowerCase()))
    return refuse(`is under /${segments[0]}, the folder of the site's ${segments[0]} pages`);
  return { path: `/${segments.map(encodeURIComponent).join('/')}` };
}
