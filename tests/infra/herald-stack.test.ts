import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env-names.ts';
import { OUTPUTS } from '../../functions/config/stack-outputs.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { loadDeploymentConfig } from '../../infra/deployment-config.ts';
import { repoPath } from '../../infra/handler-bundling.ts';
import { HeraldStack } from '../../infra/herald-stack.ts';
import { DIRECTORY_CASES } from '../helpers/directory-cases.ts';

/** The stack as `cdk synth` makes it, without bundling the function (0.15 s instead of ~2 s). */
function makeStack(context: Record<string, unknown> = {}): { app: App; stack: HeraldStack } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const config = loadDeploymentConfig(repoPath('content/site.yaml'), (key) => app.node.tryGetContext(key));
  return { app, stack: new HeraldStack(app, 'Herald', { config }) };
}

const template = Template.fromStack(makeStack().stack);

function bucketIdByLogicalPrefix(prefix: string): string {
  const ids = Object.keys(template.findResources('AWS::S3::Bucket')).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one bucket ${prefix}, found ${ids.join(', ')}`);
  return ids[0] as string;
}
const contentId = bucketIdByLogicalPrefix('Content');
const siteId = bucketIdByLogicalPrefix('Site');
const stateId = bucketIdByLogicalPrefix('State');

describe('content bucket', () => {
  it('is private, versioned, encrypted, and expires old versions', () => {
    expect(template.toJSON().Resources[contentId].Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [{ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }],
      },
    });
  });

  it('refuses requests without TLS, like every Herald bucket', () => {
    for (const id of [contentId, siteId, stateId]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('notifies the publish queue of posts and their bundles’ files, static files, site.yaml and category texts, created or removed', () => {
    const notifications = template.findResources('Custom::S3BucketNotifications');
    const [config] = Object.values(notifications);
    expect(config?.Properties.BucketName).toEqual({ Ref: contentId });
    const filters = config?.Properties.NotificationConfiguration.QueueConfigurations.map(
      (q: { Events: string[]; Filter: { Key: { FilterRules: { Name: string; Value: string }[] } } }) =>
        `${q.Events.join()} ${q.Filter.Key.FilterRules.map((r) => `${r.Name}=${r.Value}`)
          .sort()
          .join(' ')}`,
    );
    expect(filters.sort()).toEqual(
      [
        's3:ObjectCreated:* prefix=posts/',
        's3:ObjectCreated:* prefix=site.yaml',
        's3:ObjectCreated:* prefix=categories/',
        's3:ObjectCreated:* prefix=static/',
        's3:ObjectRemoved:* prefix=posts/',
        's3:ObjectRemoved:* prefix=site.yaml',
        's3:ObjectRemoved:* prefix=categories/',
        's3:ObjectRemoved:* prefix=static/',
      ].sort(),
    );
  });

  it('keeps state in a bucket that notifies nobody', () => {
    const notified = Object.values(template.findResources('Custom::S3BucketNotifications')).map(
      (r) => r.Properties.BucketName.Ref,
    );
    expect(notified).toEqual([contentId]);
  });
});

describe('publish queue and function', () => {
  it('has a dead-letter queue and SSE on both queues', () => {
    // Two for publishing, two for rebuilds, two for digests (see the newsletter tests).
    template.resourceCountIs('AWS::SQS::Queue', 6);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 20 },
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 1800,
    });
  });

  it('runs Node.js 22 on ARM64, one instance at a time, with the shared env names', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: 1,
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          [ENV.contentBucket]: { Ref: contentId },
          [ENV.siteBucket]: { Ref: siteId },
          [ENV.stateBucket]: { Ref: stateId },
          [ENV.baseUrl]: Match.anyValue(),
        }),
      },
    });
  });

  it('reads the queue in batches with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 2,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('is granted S3 access to the three Herald buckets and nothing else', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^PublishServiceRole') }]) },
    });
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const s3Resources = statements
      .filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('s3:')))
      .flatMap((s: { Resource: unknown }) => [s.Resource].flat());
    expect(s3Resources.length).toBeGreaterThan(0);
    for (const resource of s3Resources) {
      expect(JSON.stringify(resource)).toMatch(new RegExp(`(${contentId}|${siteId}|${stateId})`));
    }
    expect(JSON.stringify(statements)).not.toContain('"Resource":"*"');
    const writes = statements.filter((s: { Action: string | string[] }) =>
      [s.Action].flat().includes('s3:PutObject'),
    );
    expect(JSON.stringify(writes)).not.toContain(contentId);
  });

  it('keeps its logs for the configured time and ticks on a schedule', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Publish'), 'Arn'] } })],
    });
  });
});

describe('logs', () => {
  it('sets a retention on the log group of every function, CDK helpers included', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.every((g) => g.Properties.RetentionInDays === 30)).toBe(true);
    for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
      const own = fn.Properties.LoggingConfig?.LogGroup;
      const named = groups.some((g) =>
        JSON.stringify(g.Properties.LogGroupName ?? '').includes(`"Ref":"${id}"`),
      );
      expect([id, Boolean(own) || named]).toEqual([id, true]);
    }
  });
});

describe('site delivery', () => {
  it('serves the site bucket only through CloudFront with origin access control', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: siteId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' }),
        ]),
      },
    });
  });

  it('redirects to HTTPS, compresses, sends security headers, and keeps feeds fresh', () => {
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const config = distribution?.Properties.DistributionConfig;
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      Compress: true,
    });
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toBeDefined();
    const feedPaths = config.CacheBehaviors.map((b: { PathPattern: string }) => b.PathPattern).sort();
    expect(feedPaths).toEqual(
      [
        '/rss.xml',
        '/atom.xml',
        '/feed.json',
        '/categories/*/rss.xml',
        '/categories/*/atom.xml',
        '/categories/*/feed.json',
      ].sort(),
    );
    for (const behavior of config.CacheBehaviors)
      expect(behavior).toMatchObject({ ViewerProtocolPolicy: 'redirect-to-https', Compress: true });
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({ MaxTTL: 300, DefaultTTL: 300 }),
    });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31536000 }),
          ContentTypeOptions: { Override: true },
        }),
      }),
    });
  });

  it('serves index.html for directory paths and redirects them to their trailing slash, as local mode does', () => {
    const [fn] = Object.values(template.findResources('AWS::CloudFront::Function'));
    const code = fn?.Properties.FunctionCode as string;
    const handler = new Function(`${code}; return handler;`)() as (e: { request: { uri: string } }) => {
      uri?: string;
      statusCode?: number;
      headers?: { location?: { value: string } };
    };
    for (const { path, uri, redirect } of DIRECTORY_CASES) {
      const answer = handler({ request: { uri: path } });
      if (redirect !== undefined)
        expect([path, answer.statusCode, answer.headers?.location?.value]).toEqual([path, 301, redirect]);
      else expect([path, answer.uri]).toEqual([path, uri]);
    }
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    expect(distribution?.Properties.DistributionConfig.DefaultCacheBehavior.FunctionAssociations).toEqual([
      {
        EventType: 'viewer-request',
        FunctionARN: {
          'Fn::GetAtt': [Object.keys(template.findResources('AWS::CloudFront::Function'))[0], 'FunctionARN'],
        },
      },
    ]);
  });

  it('takes an optional custom domain and certificate without lookups', () => {
    const custom = Template.fromStack(
      makeStack({
        domainName: 'blog.example.com',
        certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123',
      }).stack,
    );
    custom.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['blog.example.com'],
        ViewerCertificate: Match.objectLike({
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        }),
      }),
    });
    custom.hasOutput('RssFeedUrl', { Value: 'https://blog.example.com/rss.xml' });
  });
});

describe('rebuild queue and function', () => {
  const functions = template.findResources('AWS::Lambda::Function');
  const idOf = (prefix: string): string => {
    const id = Object.keys(functions).find((key) => key.startsWith(prefix));
    if (id === undefined) throw new Error(`no function ${prefix}`);
    return id;
  };
  const rebuildId = idOf('Rebuild');
  const publishId = idOf('Publish');
  const queues = template.findResources('AWS::SQS::Queue');
  const rebuildQueueId = Object.keys(queues).find((id) => id.startsWith('RebuildQueue')) as string;

  it('renders shards in a function of its own, up to ten at once, one message per invocation', () => {
    const rebuild = functions[rebuildId]?.Properties;
    expect(rebuild).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 300,
    });
    // No reserved concurrency: the publish function keeps its one instance for the serialised steps.
    expect(rebuild.ReservedConcurrentExecutions).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: rebuildId },
      EventSourceArn: { 'Fn::GetAtt': [rebuildQueueId, 'Arn'] },
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 10 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(queues[rebuildQueueId]?.Properties).toMatchObject({
      RedrivePolicy: { maxReceiveCount: 20 },
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 1800,
    });
  });

  it('gives both functions one environment, with both queues, so that every step sees one configuration', () => {
    const publish = functions[publishId]?.Properties.Environment.Variables;
    const rebuild = functions[rebuildId]?.Properties.Environment.Variables;
    expect(rebuild).toEqual(publish);
    expect(publish).toMatchObject({
      [ENV.rebuildQueueUrl]: { Ref: rebuildQueueId },
      [ENV.publishQueueUrl]: { Ref: expect.stringMatching(/^PublishQueue/) },
      [ENV.subscribeUrl]: expect.anything(),
    });
  });

  it('lets both functions send to both queues, and the rebuild function write pages and state but not content', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^RebuildServiceRole') }]) },
    });
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const text = JSON.stringify(statements);
    expect(text).toContain(rebuildQueueId);
    expect(text).toMatch(/PublishQueue/);
    const writes = statements.filter((s: { Action: string | string[] }) =>
      [s.Action].flat().includes('s3:PutObject'),
    );
    expect(JSON.stringify(writes)).not.toContain(contentId);
    expect(JSON.stringify(writes)).toContain(siteId);
    expect(JSON.stringify(writes)).toContain(stateId);
    expect(text).not.toContain('"Resource":"*"');
  });
});

describe('alarms and outputs', () => {
  it('alarms on dead letters and function errors, to a topic an e-mail address can subscribe to', () => {
    // Publishing and rebuilding: dead letters and errors of each; the newsletter: its dead letters
    // and three functions' errors.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Threshold: 0 });
    template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 0);
    const withEmail = Template.fromStack(makeStack({ alarmEmail: 'ops@example.org' }).stack);
    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
    });
  });

  it('outputs the content bucket, the site URL and the feed URLs', () => {
    for (const name of [
      'ContentBucketName',
      'SiteUrl',
      'RssFeedUrl',
      'AtomFeedUrl',
      'JsonFeedUrl',
      'PublishFunctionName',
    ]) {
      template.hasOutput(name, {});
    }
  });
});

describe('deployment settings', () => {
  it.each([
    [{ alarmEmail: 'not-an-address' }, 'alarmEmail'],
    [{ domainName: 'blog.example.com' }, 'certificateArn'],
    [
      { domainName: 'blog.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x' },
      'certificateArn',
    ],
    [{ logRetentionDays: 10 }, 'logRetentionDays'],
    [{ tickMinutes: 0 }, 'tickMinutes'],
  ])('rejects %j naming %s', (context, key) => {
    expect(() => makeStack(context)).toThrow(ConfigError);
    try {
      makeStack(context);
    } catch (error) {
      expect((error as ConfigError).field).toBe(key);
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged findings', () => {
    const { app } = makeStack();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synthesis on a finding nobody acknowledged', () => {
    const { app, stack } = makeStack();
    new s3.Bucket(Stack.of(stack), 'Careless');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow();
  });
});

describe('newsletter', () => {
  it('schedules the digest from site.yaml in the site timezone, through a scheduler role', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 9 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/London',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Input: JSON.stringify({ action: 'digest', scheduledTime: '<aws.scheduler.scheduled-time>' }),
        DeadLetterConfig: { Arn: Match.anyValue() },
      }),
    });
  });

  it('sends through a configuration set whose bounces and complaints reach a function over an encrypted topic', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'fieldnotes.example.org' });
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        MatchingEventTypes: ['bounce', 'complaint'],
        SnsDestination: Match.anyValue(),
      }),
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda' });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('generates the link-signing secret in Secrets Manager and hands functions its ARN, never its value', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const env = fn.Properties.Environment?.Variables ?? {};
      expect(env[ENV.secret]).toBeUndefined();
      if (env[ENV.newsletterBucket]) expect(env[ENV.secretArn]).toBeDefined();
    }
  });

  it('outputs what herald subscribers --stack reads: buckets, the secret ARN and the API URL', () => {
    for (const name of Object.values(OUTPUTS)) template.hasOutput(name, { Value: Match.anyValue() });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs[OUTPUTS.newsletterSecret]?.Value)).toMatch(/"Ref":"NewsletterSecret/);
    expect(JSON.stringify(outputs[OUTPUTS.newsletterBucket]?.Value)).toMatch(/"Ref":"Subscribers/);
  });

  it('serves the subscribe API with throttling, access logs and CORS for the site origin', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://fieldnotes.example.org'],
        AllowMethods: ['POST'],
      }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
      .map((r) => r.Properties.RouteKey)
      .sort();
    expect(routes).toEqual([
      'GET /confirm',
      'GET /preferences',
      'GET /unsubscribe',
      'POST /preferences',
      'POST /subscribe',
      'POST /unsubscribe',
    ]);
  });

  it('sends digests from one function at a time, fed by SQS one job per invocation', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 900,
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          [ENV.digestQueueUrl]: Match.anyValue(),
          [ENV.apiUrl]: Match.anyValue(),
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'ses:SendRawEmail' })]) },
    });
  });

  it('lets the digest function write the archive of sent digests in the state bucket, and nothing else there', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const archive = statements.filter((s) => JSON.stringify(s.Resource).includes('/newsletter/archive/*'));
    expect(archive.length).toBe(1);
    expect([archive[0]?.Action].flat()).toEqual(expect.arrayContaining(['s3:PutObject']));
    expect([archive[0]?.Action].flat()).not.toContain('s3:DeleteObject*');
  });

  it('gives the publish function the API URL for the form on pages', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.subscribeUrl]: Match.anyValue(),
          [ENV.siteBucket]: Match.anyValue(),
        }),
      },
    });
  });
});
