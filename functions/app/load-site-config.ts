import {
  type ConfigTypo,
  parseSiteConfig,
  type SiteConfig,
  type SiteOverrides,
} from '../core/config/site-config.ts';
import { ConfigError } from '../core/errors.ts';
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
  return parseSiteConfig(new TextDecoder().decode(bytes), SITE_CONFIG_KEY, overrides, onTypo);
}
