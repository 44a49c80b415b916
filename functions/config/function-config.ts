import * as z from 'zod/mini';
import { ConfigError } from '../core/errors.ts';
import { ENV } from './env-names.ts';

/** What the publish function needs from its environment, validated once per container. */
export interface FunctionConfig {
  contentBucket: string;
  siteBucket: string;
  stateBucket: string;
  baseUrl?: string;
  subscribeUrl?: string;
  s3Endpoint?: string;
  logFormat: 'json' | 'text';
  /** Both or neither: where a rebuild fans out (without them, a rebuild is one run). */
  rebuildQueues?: { work: string; finish: string };
}

const bucket = z.string().check(z.trim(), z.minLength(3, 'must name a bucket'));
const url = z.optional(z.url({ error: 'must be an absolute URL, e.g. https://example.org/' }));
const logFormat = z._default(z.enum(['json', 'text'], { error: 'must be json or text' }), 'json');
const schema = z.object({
  [ENV.contentBucket]: bucket,
  [ENV.siteBucket]: bucket,
  [ENV.stateBucket]: bucket,
  [ENV.baseUrl]: url,
  [ENV.subscribeUrl]: url,
  [ENV.s3Endpoint]: url,
  [ENV.logFormat]: logFormat,
  [ENV.rebuildQueueUrl]: url,
  [ENV.publishQueueUrl]: url,
});

/**
 * Reads the function's configuration from environment variables.
 * @param env - usually `process.env`
 * @throws ConfigError naming the variable, so a bad deployment fails at cold start, not mid-event
 */
export function loadFunctionConfig(env: Record<string, string | undefined>): FunctionConfig {
  const values = validated(schema, env);
  return {
    contentBucket: values[ENV.contentBucket],
    siteBucket: values[ENV.siteBucket],
    stateBucket: values[ENV.stateBucket],
    logFormat: values[ENV.logFormat],
    ...optional('baseUrl', values[ENV.baseUrl]),
    ...optional('subscribeUrl', values[ENV.subscribeUrl]),
    ...optional('s3Endpoint', values[ENV.s3Endpoint]),
    ...rebuildQueues(values[ENV.rebuildQueueUrl], values[ENV.publishQueueUrl]),
  };
}

function rebuildQueues(
  work: string | undefined,
  finish: string | undefined,
): Pick<FunctionConfig, 'rebuildQueues'> {
  if (work && finish) return { rebuildQueues: { work, finish } };
  if (!work && !finish) return {};
  const missing = work ? ENV.publishQueueUrl : ENV.rebuildQueueUrl;
  throw new ConfigError('environment', missing, `is not set (a rebuild needs both queues' URLs)`);
}

/** What the newsletter functions (API, digest, bounces) need besides the publish settings. */
export interface NewsletterFunctionConfig {
  contentBucket: string;
  stateBucket: string;
  newsletterBucket: string;
  baseUrl?: string;
  s3Endpoint?: string;
  logFormat: 'json' | 'text';
  /** Exactly one of the two: the ARN in AWS, the value in local mode. */
  secret: { arn: string } | { value: string };
  /** SES in AWS, an outbox folder locally. */
  mail: { configurationSet: string } | { outboxDir: string };
  digestQueueUrl?: string;
  apiUrl?: string;
}

const newsletterSchema = z.object({
  [ENV.contentBucket]: bucket,
  [ENV.stateBucket]: bucket,
  [ENV.newsletterBucket]: bucket,
  [ENV.baseUrl]: url,
  [ENV.s3Endpoint]: url,
  [ENV.logFormat]: logFormat,
  [ENV.secretArn]: z.optional(z.string().check(z.minLength(1))),
  [ENV.secret]: z.optional(z.string().check(z.minLength(32, 'must have at least 32 characters'))),
  [ENV.sesConfigurationSet]: z.optional(z.string().check(z.minLength(1))),
  [ENV.outboxDir]: z.optional(z.string().check(z.minLength(1))),
  [ENV.digestQueueUrl]: url,
  [ENV.apiUrl]: url,
});

/**
 * Reads a newsletter function's configuration from environment variables.
 * @throws ConfigError naming the variable
 */
export function loadNewsletterFunctionConfig(
  env: Record<string, string | undefined>,
): NewsletterFunctionConfig {
  const values = validated(newsletterSchema, env);
  const arn = values[ENV.secretArn];
  const secret = values[ENV.secret];
  if (!arn && !secret)
    throw new ConfigError(
      'environment',
      ENV.secretArn,
      `is not set (nor ${ENV.secret}, local mode's secret)`,
    );
  const configurationSet = values[ENV.sesConfigurationSet];
  const outboxDir = values[ENV.outboxDir];
  if (!configurationSet && !outboxDir)
    throw new ConfigError(
      'environment',
      ENV.sesConfigurationSet,
      `is not set (nor ${ENV.outboxDir}, local mode's outbox)`,
    );
  const apiUrl = values[ENV.apiUrl];
  return {
    contentBucket: values[ENV.contentBucket],
    stateBucket: values[ENV.stateBucket],
    newsletterBucket: values[ENV.newsletterBucket],
    logFormat: values[ENV.logFormat],
    secret: arn ? { arn } : { value: secret as string },
    mail: configurationSet ? { configurationSet } : { outboxDir: outboxDir as string },
    ...optional('baseUrl', values[ENV.baseUrl]),
    ...optional('s3Endpoint', values[ENV.s3Endpoint]),
    ...optional('digestQueueUrl', values[ENV.digestQueueUrl]),
    ...(apiUrl ? { apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

function validated<T>(schema: z.ZodMiniType<T>, env: Record<string, string | undefined>): T {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(
      'environment',
      name,
      env[name] === undefined ? 'is not set' : (issue?.message ?? 'is invalid'),
    );
  }
  return result.data;
}
