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
} as const;
