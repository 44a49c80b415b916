/**
 * Names of the environment variables Herald's functions read. Imported by the CDK app, which sets
 * them, and by the functions, which read them: one list, no drift. Side-effect free.
 */
export const ENV = {
  /** Bucket holding `site.yaml`, `posts/**` and `static/**`. */
  contentBucket: 'HERALD_CONTENT_BUCKET',
  /** Bucket the site is served from: feeds and static files. */
  siteBucket: 'HERALD_SITE_BUCKET',
  /** Private bucket of publish state (post records and the site index); never notifies. */
  stateBucket: 'HERALD_STATE_BUCKET',
  /** Overrides `baseUrl` from site.yaml (optional: a CloudFront URL before a domain exists). */
  baseUrl: 'HERALD_BASE_URL',
  /** S3-compatible endpoint for local mode (optional; unset in AWS). */
  s3Endpoint: 'HERALD_S3_ENDPOINT',
  /** `json` (default, for CloudWatch) or `text` (local mode's terminal). */
  logFormat: 'HERALD_LOG_FORMAT',
  /** The deployed subscribe API's URL, for the form on pages when site.yaml names none. */
  subscribeUrl: 'HERALD_SUBSCRIBE_URL',
  /** Private bucket of subscribers, suppressions and digests. */
  newsletterBucket: 'HERALD_NEWSLETTER_BUCKET',
  /** ARN of the Secrets Manager secret that signs links and derives subscriber ids. */
  secretArn: 'HERALD_SECRET_ARN',
  /** The secret itself, in local mode only (AWS uses the ARN). */
  secret: 'HERALD_NEWSLETTER_SECRET',
  /** SQS queue of digest sender jobs (unset in local mode, which queues in memory). */
  digestQueueUrl: 'HERALD_DIGEST_QUEUE_URL',
  /** The subscribe API's base URL, for unsubscribe links in digests. */
  apiUrl: 'HERALD_API_URL',
  /** SES configuration set every message is sent through (its events report bounces). */
  sesConfigurationSet: 'HERALD_SES_CONFIGURATION_SET',
  /** SQS queue of a fan-out rebuild's shard work (read by the rebuild function). */
  rebuildQueueUrl: 'HERALD_REBUILD_QUEUE_URL',
  /** The publish queue, which also takes a rebuild's final step. */
  publishQueueUrl: 'HERALD_PUBLISH_QUEUE_URL',
  /** Local mode: folder that receives mail as .eml files instead of SES. */
  outboxDir: 'HERALD_OUTBOX_DIR',
} as const;
