// The newsletter functions' dependencies in AWS, built once per container from the environment: a
// missing variable or an unreadable secret fails the cold start, not a request.
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import { systemClock } from '../adapters/clocks.ts';
import { FsBlobStore } from '../adapters/fs-blob-store.ts';
import { jsonLogger, textLogger } from '../adapters/loggers.ts';
import { OutboxMailer } from '../adapters/outbox-mailer.ts';
import { createS3Client, S3BlobStore } from '../adapters/s3-blob-store.ts';
import { readSecret } from '../adapters/secrets.ts';
import { SesMailer } from '../adapters/ses-mailer.ts';
import { SqsDigestQueue } from '../adapters/sqs-digest-queue.ts';
import { NewsletterStore } from '../app/newsletter/newsletter-store.ts';
import { ENV } from '../config/env-names.ts';
import { loadNewsletterFunctionConfig } from '../config/function-config.ts';
import { ConfigError } from '../core/errors.ts';
import { TokenSigner } from '../core/newsletter/tokens.ts';
import type { DigestQueue } from '../ports/digest-queue.ts';
import { type NewsletterHandlerDeps, siteReader } from './newsletter-handler-deps.ts';

/**
 * Builds the newsletter handlers' dependencies from the environment.
 * @throws ConfigError naming the variable that is missing or invalid
 */
export async function newsletterDepsFromEnv(
  env: Record<string, string | undefined>,
): Promise<NewsletterHandlerDeps> {
  const config = loadNewsletterFunctionConfig(env);
  const s3 = createS3Client(config.s3Endpoint);
  const log = config.logFormat === 'text' ? textLogger() : jsonLogger();
  return {
    newsletter: new NewsletterStore(new S3BlobStore(s3, config.newsletterBucket)),
    state: new S3BlobStore(s3, config.stateBucket),
    mailer:
      'configurationSet' in config.mail
        ? new SesMailer(new SESClient({}), config.mail.configurationSet)
        : new OutboxMailer(new FsBlobStore(config.mail.outboxDir), systemClock),
    signer: new TokenSigner(
      'arn' in config.secret ? await readSecret(config.secret.arn) : config.secret.value,
    ),
    clock: systemClock,
    log,
    currentSite: siteReader(
      new S3BlobStore(s3, config.contentBucket),
      config.baseUrl ? { baseUrl: config.baseUrl } : {},
      log,
      systemClock,
    ),
    ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}),
  };
}

/**
 * The digest queue named by the environment.
 * @throws ConfigError when it is not set: the digest function cannot hand out jobs without it
 */
export function digestQueueFromEnv(env: Record<string, string | undefined>): DigestQueue {
  const url = env[ENV.digestQueueUrl];
  if (!url)
    throw new ConfigError(
      'environment',
      ENV.digestQueueUrl,
      'is not set: the digest function queues its sender jobs there',
    );
  return new SqsDigestQueue(new SQSClient({}), url);
}
