import * as z from 'zod/mini';
import { ConfigError } from '../core/errors.ts';
import { ENV } from './env-names.ts';

/** What the publish function needs from its environment, validated once per container. */
export interface FunctionConfig {
  contentBucket: string;
  siteBucket: string;
  stateBucket: string;
  baseUrl?: string;
  s3Endpoint?: string;
  logFormat: 'json' | 'text';
}

const bucket = z.string().check(z.trim(), z.minLength(3, 'must name a bucket'));
const schema = z.object({
  [ENV.contentBucket]: bucket,
  [ENV.siteBucket]: bucket,
  [ENV.stateBucket]: bucket,
  [ENV.baseUrl]: z.optional(z.url()),
  [ENV.s3Endpoint]: z.optional(z.url()),
  [ENV.logFormat]: z._default(z.enum(['json', 'text']), 'json'),
});

/**
 * Reads the function's configuration from environment variables.
 * @param env - usually `process.env`
 * @throws ConfigError naming the variable, so a bad deployment fails at cold start, not mid-event
 */
export function loadFunctionConfig(env: Record<string, string | undefined>): FunctionConfig {
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
  const values = result.data;
  const config: FunctionConfig = {
    contentBucket: values[ENV.contentBucket],
    siteBucket: values[ENV.siteBucket],
    stateBucket: values[ENV.stateBucket],
    logFormat: values[ENV.logFormat],
  };
  const baseUrl = values[ENV.baseUrl];
  const s3Endpoint = values[ENV.s3Endpoint];
  if (baseUrl) config.baseUrl = baseUrl;
  if (s3Endpoint) config.s3Endpoint = s3Endpoint;
  return config;
}
