import { describe, expect, it } from 'vitest';
import {
  inLanguageFolder,
  languageSite,
  siteLanguageLinks,
} from '../../functions/core/config/language-site.ts';
import { parseSiteConfig } from '../../functions/core/config/site-config.ts';
import { ConfigError } from '../../functions/core/errors.ts';

const site = parseSiteConfig(
  `title: Blog\nbaseUrl: https://example.org/blog/\nauthor: Ann\nlanguage: en-GB\ndescription: About things\nnewsletter:\n  from: news@example.org\n  schedule: monday 09:00\nlanguages:\n  en: { languageName: English }\n  fr: { languageName: Français, title: Le blog, weight: 2 }\n  de: { weight: 1, description: Über Dinge }\n  it: { disabled: true }\n`,
);

describe('a language’s view of the site', () => {
  it('is the site under /<code>/, in that language, with its title and description, and no digests', () => {
    const fr = languageSite(site, 'fr');
    expect(fr).toMatchObject({
      language: 'fr',
      defaultLanguage: 'en-GB',
      title: 'Le blog',
      description: 'About things',
      baseUrl: 'https://example.org/blog/fr/',
      rootUrl: 'https://example.org/blog/',
    });
    expect(fr.newsletter).toBeUndefined();
    expect(languageSite(site, 'de')).toMatchObject({ title: 'Blog', description: 'Über Dinge' });
    // Neither the site's own language nor a disabled or unknown one has a view.
    for (const code of ['en', 'it', 'es']) expect(() => languageSite(site, code)).toThrow(ConfigError);
  });

  it('lists the languages for menus and hreflang: the site’s own first, then by weight', () => {
    expect(siteLanguageLinks(site).map((l) => [l.code, l.name, l.url, l.current])).toEqual([
      ['en-GB', 'English', 'https://example.org/blog/', true],
      ['de', 'de', 'https://example.org/blog/de/', false],
      ['fr', 'Français', 'https://example.org/blog/fr/', false],
    ]);
    expect(siteLanguageLinks(languageSite(site, 'fr')).map((l) => l.current)).toEqual([false, false, true]);
    expect(
      siteLanguageLinks(parseSiteConfig('title: B\nbaseUrl: https://example.org/\nauthor: A\n')),
    ).toEqual([]);
  });

  it('leaves other languages’ folders to their runs', () => {
    expect(inLanguageFolder('fr/index.html', site)).toBe(true);
    expect(inLanguageFolder('it/index.html', site)).toBe(false);
    expect(inLanguageFolder('fresh/index.html', site)).toBe(false);
    expect(inLanguageFolder('de/index.html', languageSite(site, 'fr'))).toBe(false);
  });
});
