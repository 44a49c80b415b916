// Where `herald subscribers` and `herald digest` act: local mode's buckets, or a deployed stack's,
// found through its CloudFormation outputs or named one by one. The same use-cases run on both.
import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { readSecret } from '../adapters/secrets.ts';
import { loadSiteConfig } from '../app/load-site-config.ts';
import { NewsletterStore } from '../app/newsletter/newsletter-store.ts';
import { OUTPUTS } from '../config/stack-outputs.ts';
import type { SiteConfig } from '../core/config/site-config.ts';
import { UsageError } from '../core/errors.ts';
import { TokenSigner } from '../core/newsletter/tokens.ts';
import type { BlobStore } from '../ports/blob-store.ts';

/** How to reach a deployed stack, from the command line. */
export interface AwsOptions {
  stack?: string;
  bucket?: string;
  secret?: string;
  secretFile?: string;
  contentBucket?: string;
  stateBucket?: string;
  apiUrl?: string;
  region?: string;
  profile?: string;
  endpoint?: string;
}

/** A deployed newsletter: its buckets and signing secret. */
export interface AwsNewsletter {
  /** What the messages call it: `stack Herald` or `s3://bucket`. */
  label: string;
  newsletter: NewsletterStore;
  signer: TokenSigner;
  /** Where site.yaml lives, for messages. */
  contentLabel: string;
  state?: BlobStore;
  apiUrl?: string;
  site(): Promise<SiteConfig>;
}

/** True when the options name a deployed stack rather than local mode. */
export function wantsAws(options: AwsOptions): boolean {
  return Boolean(options.stack ?? options.bucket);
}

/**
 * Resolves a deployed stack: `--stack NAME` reads the buckets, the secret's ARN and the API URL
 * from its outputs; `--bucket`, `--secret` (or `--secret-file`), `--content-bucket`,
 * `--state-bucket`, `--api-url` name them directly and override the outputs. Credentials come
 * from the standard AWS chain (environment, `--profile`, SSO, instance roles).
 * @throws UsageError naming the option at fault and what to do
 */
export async function openAws(options: AwsOptions): Promise<AwsNewsletter> {
  const common = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
  const outputs = options.stack ? await stackOutputs(options.stack, common) : {};
  const from = (option: string | undefined, output: string) => option ?? outputs[output];
  const bucket = from(options.bucket, OUTPUTS.newsletterBucket);
  if (bucket === undefined)
    throw new UsageError(
      `--stack ${options.stack}: no ${OUTPUTS.newsletterBucket} output; the newsletter is off (add newsletter: to site.yaml) or the stack predates it: deploy again, or pass --bucket`,
    );
  const s3 = new S3Client({
    ...common,
    // As for local mode: S3-compatible servers reject streamed checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
  });
  const signer = new TokenSigner(await secretValue(options, outputs[OUTPUTS.newsletterSecret], common));
  const contentBucket = from(options.contentBucket, OUTPUTS.contentBucket);
  const stateBucket = from(options.stateBucket, OUTPUTS.stateBucket);
  const content = contentBucket ? new S3BlobStore(s3, contentBucket) : undefined;
  const apiUrl = from(options.apiUrl, OUTPUTS.apiUrl);
  return {
    label: options.stack ? `stack ${options.stack}` : `s3://${bucket}`,
    newsletter: new NewsletterStore(new S3BlobStore(s3, bucket)),
    signer,
    contentLabel: contentBucket ? `s3://${contentBucket}` : 'site.yaml',
    ...(stateBucket ? { state: new S3BlobStore(s3, stateBucket) } : {}),
    ...(apiUrl ? { apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    site: () => {
      if (content === undefined)
        throw new UsageError('site.yaml: name the content bucket with --content-bucket (or use --stack)');
      return loadSiteConfig(content);
    },
  };
}

async function stackOutputs(
  stack: string,
  common: { region?: string; profile?: string },
): Promise<Record<string, string>> {
  try {
    const result = await new CloudFormationClient(common).send(
      new DescribeStacksCommand({ StackName: stack }),
    );
    const outputs: Record<string, string> = {};
    for (const output of result.Stacks?.[0]?.Outputs ?? [])
      if (output.OutputKey && output.OutputValue) outputs[output.OutputKey] = output.OutputValue;
    return outputs;
  } catch (error) {
    throw new UsageError(`--stack ${stack}: ${awsReason(error)}`, { cause: error });
  }
}

async function secretValue(
  options: AwsOptions,
  fromStack: string | undefined,
  common: { region?: string; profile?: string },
): Promise<string> {
  if (options.secretFile) {
    let value: string;
    try {
      value = readFileSync(options.secretFile, 'utf8').trim();
    } catch (error) {
      throw new UsageError(
        `--secret-file ${options.secretFile}: cannot be read (${(error as Error).message})`,
      );
    }
    if (value.length < 32)
      throw new UsageError(`--secret-file ${options.secretFile}: shorter than 32 characters`);
    return value;
  }
  const id = options.secret ?? fromStack;
  if (id === undefined)
    throw new UsageError(
      '--secret: name the newsletter secret (its ARN or name; the stack output NewsletterSecretArn), or pass --stack',
    );
  try {
    return await readSecret(id, new SecretsManagerClient(common));
  } catch (error) {
    throw new UsageError(`--secret ${id}: ${awsReason(error)}`, { cause: error });
  }
}

/** An AWS error in words: the service's own message, with what usually causes it. */
function awsReason(error: unknown): string {
  const name = (error as { name?: string }).name ?? '';
  const message = (error as Error).message ?? String(error);
  if (name === 'CredentialsProviderError' || /credential/i.test(message))
    return `no AWS credentials (${message}); set AWS_PROFILE or pass --profile, or run aws configure`;
  if (/does not exist/i.test(message)) return `${message} (check --region and --profile)`;
  return message;
}
