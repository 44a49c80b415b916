// What the three newsletter functions share, built once per container from the environment: a
// missing variable or an unreadable secret fails the cold start, not a request.
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import { systemClock } from '../adapters/clocks.ts';
import { FsBlobStore } from '../adapters/fs-blob-store.ts';
import { jsonLogger, textLogger } from '../adapters/loggers.ts';
import { MemoryDigestQueue } from '../adapters/memory-digest-queue.ts';
import { OutboxMailer } from '../adapters/outbox-mailer.ts';
import { createS3Client, S3BlobStore } from '../adapters/s3-blob-store.ts';
import { readSecret } from '../adapters/secrets.ts';
import { SesMailer } from '../adapters/ses-mailer.ts';
import { SqsDigestQueue } from '../adapters/sqs-digest-queue.ts';
import { loadSiteConfig } from '../app/load-site-config.ts';
import { NewsletterStore } from '../app/newsletter/newsletter-store.ts';
import { loadNewsletterFunctionConfig } from '../config/function-config.ts';
import type { SiteConfig } from '../core/config/site-config.ts';
import { ConfigError } from '../core/errors.ts';
import { TokenSigner } from '../core/newsletter/tokens.ts';
import type { DigestQueue } from '../ports/digest-queue.ts';
import type { Mailer } from '../ports/mailer.ts';

export const config = loadNewsletterFunctionConfig(process.env);
const s3 = createS3Client(config.s3Endpoint);
export const log = config.logFormat === 'text' ? textLogger() : jsonLogger();
export const content = new S3BlobStore(s3, config.contentBucket);
export const state = new S3BlobStore(s3, config.stateBucket);
export const newsletter = new NewsletterStore(new S3BlobStore(s3, config.newsletterBucket));
export const signer = new TokenSigner(
  'arn' in config.secret ? await readSecret(config.secret.arn) : config.secret.value,
);
export const mailer: Mailer =
  'configurationSet' in config.mail
    ? new SesMailer(new SESClient({}), config.mail.configurationSet)
    : new OutboxMailer(new FsBlobStore(config.mail.outboxDir), systemClock);
/** Local mode has no SQS: it drains this queue into the digest handler itself. */
export const localQueue = new MemoryDigestQueue();
export const queue: DigestQueue = config.digestQueueUrl
  ? new SqsDigestQueue(new SQSClient({}), config.digestQueueUrl)
  : localQueue;

// site.yaml changes rarely; reading it at most once a minute keeps sign-ups fast and cheap.
const SITE_TTL_MS = 60_000;
let cached: { site: SiteConfig; at: number } | undefined;

/**
 * The site configuration, re-read from the content bucket at most once a minute.
 * @param consequence - what a bad site.yaml means for this function, for the log line
 * @returns undefined (after logging file, field and reason) when site.yaml is invalid: the
 *   author's to fix, so not an error the platform should retry
 */
export async function currentSite(consequence: string): Promise<SiteConfig | undefined> {
  try {
    if (cached === undefined || Date.now() - cached.at > SITE_TTL_MS)
      cached = {
        site: await loadSiteConfig(content, config.baseUrl ? { baseUrl: config.baseUrl } : {}),
        at: Date.now(),
      };
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
}
