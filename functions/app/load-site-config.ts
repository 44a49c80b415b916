import { type CategoryPage, isCategoryIndexKey, parseCategoryPage } from '../core/config/category-pages.ts';
import { languageSite } from '../core/config/language-site.ts';
import {
  type ConfigTypo,
  parseSiteConfig,
  type SiteConfig,
  type SiteOverrides,
} from '../core/config/site-config.ts';
import { ConfigError } from '../core/errors.ts';
import { keyProblem } from '../core/site/object-key.ts';
import type { BlobStore } from '../ports/blob-store.ts';

/** Key of the site configuration in the content store. */
export const SITE_CONFIG_KEY = 'site.yaml';

/**
 * Reads and validates the site configuration from the content store.
 * @param onTypo - told of each key of the file that Herald does not read
 * @throws ConfigError when the file is missing or invalid
 */
export async function loadSiteConfig(
  content: BlobStore,
  overrides: SiteOverrides = {},
  onTypo?: (typo: ConfigTypo) => void,
): Promise<SiteConfig> {
  const bytes = await content.get(SITE_CONFIG_KEY);
  if (bytes === undefined) {
    throw new ConfigError(
      SITE_CONFIG_KEY,
      'file',
      'not found: create it with at least title:, baseUrl: and author:',
    );
  }
  const site = parseSiteConfig(new TextDecoder().decode(bytes), SITE_CONFIG_KEY, overrides, onTypo);
  const shortcodes = await loadShortcodeTemplates(content);
  const categoryPages = await loadCategoryPages(content);
  return {
    ...(overrides.languageView === undefined ? site : languageSite(site, overrides.languageView)),
    ...(Object.keys(shortcodes).length === 0 ? {} : { shortcodes }),
    ...(Object.keys(categoryPages).length === 0 ? {} : { categoryPages }),
  };
}

/** Folder of category texts in the content store: `categories/<name>/_index.md`, as in Hugo. */
export const CATEGORIES_PREFIX = 'categories/';

// Like templates, these belong to the configuration: a changed text rewrites the category's pages
// and feeds through the configuration's hash.
async function loadCategoryPages(content: BlobStore): Promise<Record<string, CategoryPage>> {
  const pages: Record<string, CategoryPage> = {};
  const decoder = new TextDecoder();
  for await (const info of content.list(CATEGORIES_PREFIX)) {
    if (!isCategoryIndexKey(info.key) || keyProblem(info.key) !== undefined) continue;
    const bytes = await content.get(info.key);
    if (bytes === undefined) continue;
    const { slug, page } = parseCategoryPage(info.key, decoder.decode(bytes));
    if (slug !== '') Object.defineProperty(pages, slug, { value: page, enumerable: true });
  }
  return pages;
}

/** Folder of site shortcode templates in the content store: `shortcodes/<name>.html`. */
export const SHORTCODES_PREFIX = 'shortcodes/';

// Templates belong to the configuration: a changed template changes the configuration's hash, so
// the next publish rebuilds every post with it.
async function loadShortcodeTemplates(content: BlobStore): Promise<Record<string, string>> {
  const templates: Record<string, string> = {};
  const decoder = new TextDecoder();
  for await (const info of content.list(SHORTCODES_PREFIX)) {
    const name = info.key.slice(SHORTCODES_PREFIX.length).replace(/\.html$/i, '');
    if (name === info.key.slice(SHORTCODES_PREFIX.length) || !/^[\w][\w.\-/]*$/.test(name)) continue;
    const bytes = await content.get(info.key);
    if (bytes !== undefined)
      Object.defineProperty(templates, name, { value: decoder.decode(bytes), enumerable: true });
  }
  return templates;
}
