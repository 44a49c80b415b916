import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import { parseSiteConfig, type SiteConfig } from '../functions/core/config/site-config.ts';
import { ConfigError } from '../functions/core/errors.ts';

/** Everything that differs per deployment, validated before a single construct is made. */
export interface DeploymentConfig {
  site: SiteConfig;
  /** Where readers find the site; decides every link in the feeds. */
  baseUrl?: string;
  /** A custom domain served by CloudFront, with its certificate (ACM, us-east-1). */
  domain?: { name: string; certificateArn: string };
  /** Subscribed to the alarms topic. */
  alarmEmail?: string;
  /** Days after which replaced or deleted versions of content are expired. */
  oldVersionDays: number;
  /** Minutes between ticks that publish scheduled posts. */
  tickMinutes: number;
  /** Days logs are kept. */
  logRetentionDays: number;
}

/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const hostname = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const contextSchema = z.object({
  baseUrl: z.optional(z.url('must be an absolute URL such as https://blog.example.com/')),
  domainName: z.optional(z.string().check(z.regex(hostname, 'must be a host name such as blog.example.com'))),
  certificateArn: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^arn:aws:acm:us-east-1:\d{12}:certificate\/[\w-]+$/,
          'must be an ACM certificate ARN in us-east-1',
        ),
      ),
  ),
  alarmEmail: z.optional(z.email('must be an e-mail address')),
  oldVersionDays: z._default(z.coerce.number().check(z.int(), z.minimum(1, 'must be at least 1')), 30),
  tickMinutes: z._default(
    z.coerce.number().check(z.int(), z.minimum(1, 'must be at least 1'), z.maximum(1440)),
    5,
  ),
  logRetentionDays: z._default(
    z.coerce
      .number()
      .check(
        z.refine(
          (n) => LOG_RETENTION_DAYS.includes(n),
          `must be one of ${LOG_RETENTION_DAYS.join(', ')} (CloudWatch Logs)`,
        ),
      ),
    30,
  ),
});

/**
 * Reads `content/site.yaml` and the CDK context (`cdk.json`, or `-c key=value`).
 * @param siteYamlPath - the site configuration
 * @param context - reads one context value
 * @throws ConfigError naming the file or context key and the reason
 */
export function loadDeploymentConfig(
  siteYamlPath: string,
  context: (key: string) => unknown,
): DeploymentConfig {
  let text: string;
  try {
    text = readFileSync(siteYamlPath, 'utf8');
  } catch (error) {
    throw new ConfigError(siteYamlPath, 'file', 'cannot be read: the CDK app needs the site configuration', {
      cause: error,
    });
  }
  const site = parseSiteConfig(text, siteYamlPath);
  const raw = Object.fromEntries(
    Object.keys(contextSchema.shape)
      .map((key) => [key, context(key)])
      .filter(([, v]) => v !== undefined),
  );
  const result = contextSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError('CDK context', String(issue?.path[0] ?? 'context'), issue?.message ?? 'is invalid');
  }
  const values = result.data;
  if ((values.domainName === undefined) !== (values.certificateArn === undefined)) {
    throw new ConfigError(
      'CDK context',
      values.domainName ? 'certificateArn' : 'domainName',
      'domainName and certificateArn go together',
    );
  }
  const config: DeploymentConfig = {
    site,
    oldVersionDays: values.oldVersionDays,
    tickMinutes: values.tickMinutes,
    logRetentionDays: values.logRetentionDays,
  };
  if (values.baseUrl) config.baseUrl = values.baseUrl;
  if (values.domainName && values.certificateArn)
    config.domain = { name: values.domainName, certificateArn: values.certificateArn };
  if (values.alarmEmail) config.alarmEmail = values.alarmEmail;
  return config;
}
