import { parseSiteConfig, type SiteConfig } from '../../functions/core/config/site-config.ts';

/** A site configuration for tests: Europe/London so that zone handling is exercised. */
export function testSite(overrides: Record<string, unknown> = {}): SiteConfig {
  return parseSiteConfig(testSiteYaml(overrides));
}

/** The site.yaml of {@link testSite} (JSON, which YAML reads), for tests that publish through a content bucket. */
export function testSiteYaml(overrides: Record<string, unknown> = {}): string {
  const base = {
    title: 'Field Notes',
    baseUrl: 'https://example.org/',
    description: 'Notes.',
    language: 'en',
    timezone: 'Europe/London',
    author: { name: 'Editors', email: 'editors@example.org' },
    ...overrides,
  };
  return JSON.stringify(base);
}

/** Bytes of a post as an author would upload it. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
