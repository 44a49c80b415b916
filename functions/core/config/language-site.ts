import { ConfigError } from '../errors.ts';
import { otherLanguages } from '../posts/content-files.ts';
import type { SiteConfig } from './site-config.ts';

// A multi-language site is one site per language, each published by the same pipeline: the site's
// own language at the root, each other language as a view of the same content under `/<code>/`,
// with its own post index. This module makes a language's view of the configuration.

/**
 * The configuration of one other language's site: its code as `language`, its title and
 * description from `languages`, its folder as `baseUrl`. Digests stay in the site's own language:
 * a view has no newsletter.
 * @param code - a code of `languages` other than the site's own language
 * @throws ConfigError when the site does not publish that language
 */
export function languageSite(site: SiteConfig, code: string): SiteConfig {
  const settings = site.languages?.[code];
  if (settings === undefined || !otherLanguages(site).includes(code))
    throw new ConfigError('site.yaml', 'languages', `does not name ${code} as another language of the site`);
  const { newsletter: _digests, ...rest } = site;
  return {
    ...rest,
    language: code,
    defaultLanguage: site.language,
    title: settings.title ?? site.title,
    description: settings.description ?? site.description,
    baseUrl: `${site.baseUrl}${code}/`,
    rootUrl: site.baseUrl,
  };
}

/**
 * Is this key of the site store in another language's folder (`fr/…`)? A run of the site's own
 * language leaves those to their language's runs when it removes stale pages.
 */
export function inLanguageFolder(key: string, site: SiteConfig): boolean {
  if (site.defaultLanguage !== undefined) return false;
  return otherLanguages(site).some((code) => key.startsWith(`${code}/`));
}
