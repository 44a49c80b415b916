// What the newsletter functions share. Built once per container from the environment by
// newsletter-deps.ts in AWS; composed directly by local mode and tests.

import { loadSiteConfig } from '../app/load-site-config.ts';
import type { NewsletterStore } from '../app/newsletter/newsletter-store.ts';
import type { SiteConfig, SiteOverrides } from '../core/config/site-config.ts';
import { ConfigError } from '../core/errors.ts';
import type { TokenSigner } from '../core/newsletter/tokens.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Logger } from '../ports/logger.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { Timer } from '../ports/timer.ts';

/** The dependencies of the newsletter handlers. */
export interface NewsletterHandlerDeps {
  newsletter: NewsletterStore;
  /** The publish state: the post index says what the site published, and when. */
  state: BlobStore;
  mailer: Mailer;
  signer: TokenSigner;
  clock: Timer;
  log: Logger;
  /** The site configuration, or undefined (logged) when site.yaml is invalid; see {@link siteReader}. */
  currentSite: (consequence: string) => Promise<SiteConfig | undefined>;
  /** The subscribe API's own base URL when configuration names it (local mode, a custom domain). */
  apiUrl?: string;
}

// site.yaml changes rarely; reading it at most once a minute keeps sign-ups fast and cheap.
const SITE_TTL_MS = 60_000;

/**
 * Reads the site configuration from the content bucket at most once a minute.
 * @returns a function that gives the configuration, or undefined (after logging file, field and
 *   reason, and what it means for this function) when site.yaml is invalid: the author's to fix,
 *   so not an error the platform should retry
 */
export function siteReader(
  content: BlobStore,
  overrides: SiteOverrides,
  log: Logger,
  clock: Pick<Timer, 'now'>,
): (consequence: string) => Promise<SiteConfig | undefined> {
  let cached: { site: SiteConfig; at: number } | undefined;
  return async (consequence) => {
    try {
      const now = clock.now().getTime();
      if (cached === undefined || now - cached.at > SITE_TTL_MS)
        cached = { site: await loadSiteConfig(content, overrides), at: now };
      return cached.site;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      log.error(`site configuration invalid; ${consequence}`, {
        key: error.file,
        field: error.field,
        reason: error.reason,
      });
      return undefined;
    }
  };
}
