import { siteLanguageLinks } from '../core/config/language-site.ts';
import type { SiteConfig } from '../core/config/site-config.ts';
import { languagesSitemapIndex } from '../core/pages/page-plan.ts';
import { otherLanguages } from '../core/posts/content-files.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { FRESH_CACHE_CONTROL } from './site-output.ts';
import { languagePageIndex } from './translation-links.ts';

// The root sitemap of a multi-language site names every language's sitemaps. Each language's run
// writes its own (`ja/sitemap.xml`, and the site's own `sitemap.xml` naming its own); once all have
// run, the root one is written again with the others' if that changes it.

const SITEMAP_KEY = 'sitemap.xml';

/**
 * Writes the root `sitemap.xml` of a multi-language site with pages, naming each language's
 * sitemaps, when it differs from what is there.
 * @param site - the site's own configuration
 * @param posts - the number of published posts of each language the site publishes, by code
 *   (the site's own under its `language`)
 * @returns the key written, if any
 */
export async function writeLanguagesSitemap(
  output: BlobStore,
  site: SiteConfig,
  posts: (code: string) => Promise<number>,
): Promise<string[]> {
  if (!site.pages || otherLanguages(site).length === 0 || site.defaultLanguage !== undefined) return [];
  // In the language menu's order, the site's own first, as Hugo orders them by weight.
  const languages = [];
  for (const { code } of siteLanguageLinks(site)) languages.push({ code, posts: await posts(code) });
  const body = languagesSitemapIndex(site, languages);
  const current = await output.get(SITEMAP_KEY);
  if (current !== undefined && new TextDecoder().decode(current) === body) return [];
  await output.put(SITEMAP_KEY, body, {
    contentType: 'application/xml; charset=utf-8',
    cacheControl: FRESH_CACHE_CONTROL,
  });
  return [SITEMAP_KEY];
}

/**
 * The published posts of each language, from its page index as its last run saved it.
 * @param state - the whole site's state (every language's)
 */
export function postsInPageIndexes(state: BlobStore, site: SiteConfig): (code: string) => Promise<number> {
  return async (code) => (await languagePageIndex(state, site, code))?.count('') ?? 0;
}
