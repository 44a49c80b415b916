/**
 * Names of the CloudFormation outputs the CLI reads to reach a deployed stack
 * (`herald subscribers … --stack NAME`). Imported by the CDK app, which declares them, and by the
 * CLI: one list, no drift. Side-effect free.
 */
export const OUTPUTS = {
  /** Bucket of `site.yaml` and the posts. */
  contentBucket: 'ContentBucketName',
  /** Private bucket of publish state: the digest reads which posts were published when. */
  stateBucket: 'StateBucketName',
  /** Private bucket of subscribers, suppressions and digests. */
  newsletterBucket: 'NewsletterBucketName',
  /** ARN of the Secrets Manager secret that signs links and derives subscriber ids. */
  newsletterSecret: 'NewsletterSecretArn',
  /** Base URL of the newsletter's HTTP API (confirm, unsubscribe, preferences), ending in `/`. */
  apiUrl: 'NewsletterApiUrl',
} as const;
