import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env-names.ts';
import { loadFunctionConfig, loadNewsletterFunctionConfig } from '../../functions/config/function-config.ts';
import { ConfigError } from '../../functions/core/errors.ts';

const buckets = {
  [ENV.contentBucket]: 'herald-content',
  [ENV.siteBucket]: 'herald-site',
  [ENV.stateBucket]: 'herald-state',
};

/** The message of the ConfigError `load` throws, or a note that it threw none. */
function failure(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'no error';
}

describe('loadFunctionConfig', () => {
  it('reads the buckets, keeps optional URLs only when set, and logs JSON by default', () => {
    expect(loadFunctionConfig(buckets)).toEqual({
      contentBucket: 'herald-content',
      siteBucket: 'herald-site',
      stateBucket: 'herald-state',
      logFormat: 'json',
    });
    expect(
      loadFunctionConfig({
        ...buckets,
        [ENV.baseUrl]: 'https://example.org/',
        [ENV.subscribeUrl]: 'https://api.example.org/subscribe',
        [ENV.logFormat]: 'text',
      }),
    ).toEqual({
      contentBucket: 'herald-content',
      siteBucket: 'herald-site',
      stateBucket: 'herald-state',
      logFormat: 'text',
      baseUrl: 'https://example.org/',
      subscribeUrl: 'https://api.example.org/subscribe',
    });
  });

  it('names the variable that is missing or wrong', () => {
    expect(failure(() => loadFunctionConfig({ ...buckets, [ENV.siteBucket]: undefined }))).toBe(
      `environment: ${ENV.siteBucket}: is not set`,
    );
    expect(failure(() => loadFunctionConfig({ ...buckets, [ENV.baseUrl]: 'example.org' }))).toBe(
      `environment: ${ENV.baseUrl}: must be an absolute URL, e.g. https://example.org/`,
    );
    expect(failure(() => loadFunctionConfig({ ...buckets, [ENV.logFormat]: 'xml' }))).toBe(
      `environment: ${ENV.logFormat}: must be json or text`,
    );
  });
});

describe('loadNewsletterFunctionConfig', () => {
  const newsletter = {
    [ENV.contentBucket]: 'herald-content',
    [ENV.stateBucket]: 'herald-state',
    [ENV.newsletterBucket]: 'herald-newsletter',
  };

  it('reads the AWS form (secret ARN, SES configuration set) and the local form (secret, outbox)', () => {
    expect(
      loadNewsletterFunctionConfig({
        ...newsletter,
        [ENV.secretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:herald',
        [ENV.sesConfigurationSet]: 'herald',
        [ENV.apiUrl]: 'https://api.example.org',
        [ENV.digestQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/digest',
      }),
    ).toEqual({
      contentBucket: 'herald-content',
      stateBucket: 'herald-state',
      newsletterBucket: 'herald-newsletter',
      logFormat: 'json',
      secret: { arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:herald' },
      mail: { configurationSet: 'herald' },
      // Unsubscribe links are built by appending to it.
      apiUrl: 'https://api.example.org/',
      digestQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/digest',
    });
    const local = loadNewsletterFunctionConfig({
      ...newsletter,
      [ENV.secret]: 's'.repeat(32),
      [ENV.outboxDir]: '.herald/outbox',
    });
    expect(local.secret).toEqual({ value: 's'.repeat(32) });
    expect(local.mail).toEqual({ outboxDir: '.herald/outbox' });
  });

  it('says which variables are missing, and refuses a short secret', () => {
    expect(failure(() => loadNewsletterFunctionConfig({ ...newsletter, [ENV.outboxDir]: 'out' }))).toBe(
      `environment: ${ENV.secretArn}: is not set (nor ${ENV.secret}, local mode's secret)`,
    );
    expect(failure(() => loadNewsletterFunctionConfig({ ...newsletter, [ENV.secret]: 's'.repeat(32) }))).toBe(
      `environment: ${ENV.sesConfigurationSet}: is not set (nor ${ENV.outboxDir}, local mode's outbox)`,
    );
    expect(failure(() => loadNewsletterFunctionConfig({ ...newsletter, [ENV.secret]: 'short' }))).toBe(
      `environment: ${ENV.secret}: must have at least 32 characters`,
    );
  });
});
