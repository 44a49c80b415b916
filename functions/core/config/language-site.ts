import { ConfigError } from '../errors.ts';
import { inSiteLanguage, otherLanguages } from '../posts/content-files.ts';
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

/** One language of a multi-language site, as pages link to it. */
export interface SiteLanguageLink {
  /** Its code, as `hreflang` and `lang` take it. */
  code: string;
  /** Its own name (`languageName`), else its code. */
  name: string;
  /** Its home page. */
  url: string;
  /** Is it the language of the page's site? */
  current: boolean;
}

/**
 * Every language a multi-language site publishes, the site's own first, then by `weight` and code;
 * empty for a site in one language.
 */
export function siteLanguageLinks(site: SiteConfig): SiteLanguageLink[] {
  const others = otherLanguages(site);
  if (others.length === 0) return [];
  const root = site.rootUrl ?? site.baseUrl;
  const home = site.defaultLanguage ?? site.language;
  const own = Object.entries(site.languages ?? {}).find(
    ([code]) => !others.includes(code) && inSiteLanguage(code, home),
  );
  const weight = (code: string) => site.languages?.[code]?.weight ?? 0;
  return [
    {
      code: home,
      name: own?.[1].languageName ?? home,
      url: root,
      current: site.defaultLanguage === undefined,
    },
    ...[...others]
      .sort((a, b) => weight(a) - weight(b) || (a < b ? -1 : 1))
      .map((code) => ({
        code,
        name: site.languages?.[code]?.languageName ?? code,
        url: `${root}${code}/`,
        current: site.language === code,
      })),
  ];
}

/** A translation of a post as its page links it: the language's code and the translation's URL. */
export interface TranslationLink {
  code: string;
  url: string;
}

/**
 * The `hreflang` alternates of a page that has translations: the page itself and each translation,
 * in the order of the language menu, then `x-default`, the page in the site's own language if it
 * has one (as Hugo themes write them).
 * @param self - the page's own URL
 * @param translations - the page's translations in the site's other languages (never its own)
 * @returns none when the page has no translation
 */
export function pageAlternates(
  site: SiteConfig,
  self: string,
  translations: readonly TranslationLink[],
): TranslationLink[] {
  if (translations.length === 0) return [];
  const byCode = new Map<string, string>(translations.map((t) => [t.code, t.url]));
  byCode.set(site.language, self);
  const links = siteLanguageLinks(site).flatMap(({ code }) => {
    const url = byCode.get(code);
    return url === undefined ? [] : [{ code, url }];
  });
  const home = site.defaultLanguage ?? site.language;
  const fallback = byCode.get(home);
  return fallback === undefined ? links : [...links, { code: 'x-default', url: fallback }];
}
