import { parseSiteConfig, type SiteConfig } from '../../functions/core/config/site-config.ts';

/** A site configuration for tests: Europe/London so that zone handling is exercised. */
export function testSite(overrides: Record<string, unknown> = {}): SiteConfig {
  const base = {
    title: 'Field Notes',
    baseUrl: 'https://example.org/',
    description: 'Notes.',
    language: 'en',
    timezone: 'Europe/London',
    author: { name: 'Editors', email: 'editors@example.org' },
    ...overrides,
  };
  return parseSiteConfig(JSON.stringify(base));
}

/** Bytes of a post as an author would upload it. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
