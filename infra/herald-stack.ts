import {
  CfnOutput,
  CfnResource,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { ENV } from '../functions/config/env-names.ts';
import { OUTPUTS } from '../functions/config/stack-outputs.ts';
import { FEED_FORMATS } from '../functions/core/feeds/feed-model.ts';
import { CLOUDFRONT_DIRECTORY_FUNCTION } from '../functions/core/site/directory-rule.ts';
import { acknowledgeBucketGrants, workQueue } from './common-constructs.ts';
import type { DeploymentConfig } from './deployment-config.ts';
import { HANDLER_ENTRIES } from './handler-bundling.ts';
import { heraldFunction } from './herald-function.ts';
import { Newsletter } from './newsletter.ts';

export interface HeraldStackProps extends StackProps {
  config: DeploymentConfig;
}

const PUBLISH_TIMEOUT = Duration.minutes(5);
/** A shard of 2,000 posts renders in well under a minute; the margin is for a slow S3 day. */
const REBUILD_TIMEOUT = Duration.minutes(5);
/** Shards rendered at once: a 100,000-post rebuild is 50 shards, so five rounds. */
const REBUILD_CONCURRENCY = 10;

/**
 * The whole publisher: content bucket -> notifications -> SQS -> publish Lambda -> site bucket,
 * served by CloudFront; private state; a tick for scheduled posts; alarms.
 */
export class HeraldStack extends Stack {
  /**
   * CDK's own helper function (it configures the bucket notifications) would log forever: its log
   * group is created ahead of it, with the same retention as Herald's.
   */
  private retainHelperLogs(retention: logs.RetentionDays): void {
    for (const child of this.node.children) {
      if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
      const fn = child.node.tryFindChild('Resource') as lambda.CfnFunction | undefined;
      if (fn === undefined) continue;
      const group = new logs.LogGroup(this, `${child.node.id}Logs`, {
        logGroupName: `/aws/lambda/${fn.ref}`,
        retention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // The notifications are configured (and the helper first logs) only once its group exists.
      for (const resource of this.node.findAll()) {
        if (resource instanceof CfnResource && resource.cfnResourceType === 'Custom::S3BucketNotifications')
          resource.node.addDependency(group);
      }
    }
  }

  constructor(scope: Construct, id: string, props: HeraldStackProps) {
    super(scope, id, props);
    const { config } = props;

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are delivered with ACLs.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access log bucket; logging its own access would loop.',
    });

    const privateBucket = (name: string, extra: s3.BucketProps = {}): s3.Bucket =>
      new s3.Bucket(this, name, {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        serverAccessLogsBucket: accessLogs,
        serverAccessLogsPrefix: `${name.toLowerCase()}/`,
        ...extra,
      });

    const content = privateBucket('Content', {
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(config.oldVersionDays) }],
    });
    const state = privateBucket('State');
    const site = privateBucket('Site');

    const { queue, deadLetters } = workQueue(
      this,
      { queue: 'PublishQueue', deadLetters: 'PublishDeadLetters' },
      PUBLISH_TIMEOUT,
      'the publish queue',
    );
    for (const event of [s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED]) {
      // Every file under posts/: markdown posts, and the images, PDFs and audio of page bundles.
      content.addEventNotification(event, new s3n.SqsDestination(queue), { prefix: 'posts/' });
      content.addEventNotification(event, new s3n.SqsDestination(queue), { prefix: 'static/' });
      content.addEventNotification(event, new s3n.SqsDestination(queue), { prefix: 'site.yaml' });
      // A category's _index.md is configuration: a change rebuilds with it.
      content.addEventNotification(event, new s3n.SqsDestination(queue), { prefix: 'categories/' });
    }

    const feedCache = new cloudfront.CachePolicy(this, 'FeedCache', {
      comment: 'Feeds: fresh within five minutes of a publish',
      defaultTtl: Duration.minutes(5),
      maxTtl: Duration.minutes(5),
      minTtl: Duration.seconds(0),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Herald security headers',
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentSecurityPolicy: {
          contentSecurityPolicy:
            "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; frame-src https:; object-src 'none'; base-uri 'self'",
          override: true,
        },
      },
      // Feed readers running in browsers fetch feeds across origins.
      corsBehavior: {
        accessControlAllowCredentials: false,
        accessControlAllowHeaders: ['*'],
        accessControlAllowMethods: ['GET', 'HEAD'],
        accessControlAllowOrigins: ['*'],
        originOverride: true,
      },
    });
    // S3 behind OAC has no directory index: /posts/hello/ must fetch posts/hello/index.html.
    const directoryIndex = new cloudfront.Function(this, 'DirectoryIndex', {
      comment: 'Serves index.html for directory paths; redirects them to their trailing slash',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      // The same rule the local server applies (functions/core/site/directory-rule.ts).
      code: cloudfront.FunctionCode.fromInline(CLOUDFRONT_DIRECTORY_FUNCTION),
    });
    const origin = origins.S3BucketOrigin.withOriginAccessControl(site);
    const feedBehavior: cloudfront.BehaviorOptions = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      compress: true,
      cachePolicy: feedCache,
      responseHeadersPolicy: headers,
    };
    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Herald: ${config.site.title}`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        compress: true,
        // Static files carry Cache-Control: max-age=86400 and are cached long; pages five minutes.
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [
          { function: directoryIndex, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      additionalBehaviors: Object.fromEntries(
        Object.values(FEED_FORMATS).flatMap((format) => [
          [`/${format.file}`, feedBehavior],
          [`/categories/*/${format.file}`, feedBehavior],
        ]),
      ),
      errorResponses: [
        { httpStatus: 403, responseHttpStatus: 404, responsePagePath: '/404.html', ttl: Duration.minutes(1) },
      ],
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'cloudfront/',
      ...(config.domain
        ? {
            domainNames: [config.domain.name],
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            certificate: acm.Certificate.fromCertificateArn(
              this,
              'Certificate',
              config.domain.certificateArn,
            ),
          }
        : {}),
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'A public blog is for readers anywhere; no geographic restriction.',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'Static feeds and files from a private bucket; a WAF web ACL would cost more than the site. Add one for abuse-prone sites.',
    });
    if (!config.domain) {
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain CloudFront serves its default certificate, which cannot be pinned to TLS 1.2; set domainName and certificateArn to enforce TLSv1.2_2021.',
      });
    }

    const siteUrl =
      config.baseUrl ?? `https://${config.domain?.name ?? distribution.distributionDomainName}/`;

    const logGroup = new logs.LogGroup(this, 'PublishLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const { queue: rebuildQueue, deadLetters: rebuildDeadLetters } = workQueue(
      this,
      { queue: 'RebuildQueue', deadLetters: 'RebuildDeadLetters' },
      REBUILD_TIMEOUT,
      'the rebuild queue',
    );
    // The publish and rebuild functions must see one configuration: a rebuild's steps compare its
    // hash with the plan's, and would start the rebuild again forever if they differed.
    const environment = {
      [ENV.contentBucket]: content.bucketName,
      [ENV.siteBucket]: site.bucketName,
      [ENV.stateBucket]: state.bucketName,
      [ENV.baseUrl]: siteUrl,
      [ENV.rebuildQueueUrl]: rebuildQueue.queueUrl,
      [ENV.publishQueueUrl]: queue.queueUrl,
    };
    const publish = heraldFunction(this, 'Publish', HANDLER_ENTRIES.publish, {
      memorySize: 1024,
      timeout: PUBLISH_TIMEOUT,
      // One instance at a time: publish runs never race on the state index (see README).
      reservedConcurrentExecutions: 1,
      logGroup,
      environment,
    });
    // A rebuild's shards render in parallel, in their own function: no reserved concurrency, so they
    // do not take the publish function's one instance; the event source caps how many run at once,
    // so a rebuild cannot crowd out the account's other functions. Steps that touch the index (plan,
    // finish) stay in the publish function.
    const rebuild = heraldFunction(this, 'Rebuild', HANDLER_ENTRIES.rebuild, {
      memorySize: 1024,
      timeout: REBUILD_TIMEOUT,
      logGroup: new logs.LogGroup(this, 'RebuildLogs', {
        retention: config.logRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      environment,
    });
    rebuild.addEventSource(
      new SqsEventSource(rebuildQueue, {
        batchSize: 1,
        maxConcurrency: REBUILD_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );
    content.grantRead(rebuild);
    site.grantReadWrite(rebuild);
    state.grantReadWrite(rebuild);
    for (const fn of [publish, rebuild]) {
      rebuildQueue.grantSendMessages(fn);
      queue.grantSendMessages(fn);
    }
    Validations.of(rebuild).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime Herald is built and tested for (local development runs Node 20 to 22).',
    });
    acknowledgeBucketGrants(rebuild, [content, site, state]);
    content.grantRead(publish);
    site.grantReadWrite(publish);
    site.grantDelete(publish);
    state.grantReadWrite(publish);
    state.grantDelete(publish);
    publish.addEventSource(
      new SqsEventSource(queue, {
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(2),
        reportBatchItemFailures: true,
      }),
    );
    new events.Rule(this, 'Tick', {
      description: 'Publishes scheduled posts whose date has passed',
      schedule: events.Schedule.rate(Duration.minutes(config.tickMinutes)),
      targets: [new targets.LambdaFunction(publish)],
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'AWSLambdaBasicExecutionRole (publish function, and the CDK handler that configures bucket notifications) only lets a function write its own logs.',
    });
    Validations.of(publish).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime Herald is built and tested for (local development runs Node 20 to 22).',
    });
    acknowledgeBucketGrants(publish, [content, site, state]);

    this.retainHelperLogs(config.logRetentionDays as logs.RetentionDays);

    const alarmTopic = new sns.Topic(this, 'Alarms', {
      displayName: 'Herald alarms',
      enforceSSL: true,
    });
    Validations.of(alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry no content beyond metric names; the default encryption of SNS in transit suffices.',
    });
    if (config.alarmEmail) alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    const alarm = (name: string, metric: cloudwatch.IMetric, description: string): void => {
      new cloudwatch.Alarm(this, name, {
        metric,
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(new cwActions.SnsAction(alarmTopic));
    };
    alarm(
      'DeadLettersAlarm',
      deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      'Publish events failed repeatedly and are in the dead-letter queue: look at the publish logs, fix, then redrive.',
    );
    alarm(
      'RebuildDeadLettersAlarm',
      rebuildDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      'A rebuild step failed repeatedly: publishing waits for the rebuild. Fix the cause (the rebuild logs), then invoke the publish function with {"action":"rebuild"} to resume it.',
    );
    alarm(
      'RebuildErrorsAlarm',
      rebuild.metricErrors({ period: Duration.minutes(5) }),
      'The rebuild function failed: look at its logs.',
    );
    alarm(
      'PublishErrorsAlarm',
      publish.metricErrors({ period: Duration.minutes(5) }),
      'The publish function failed: look at its logs.',
    );

    if (config.site.newsletter) {
      const newsletter = new Newsletter(this, 'Newsletter', {
        config,
        newsletter: config.site.newsletter,
        bucket: privateBucket('Subscribers', {
          versioned: true,
          removalPolicy: RemovalPolicy.RETAIN,
          lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(config.oldVersionDays) }],
        }),
        content,
        state,
        alarm,
      });
      // The form on the site's pages posts to the API, unless site.yaml names another URL.
      for (const fn of [publish, rebuild])
        fn.addEnvironment(ENV.subscribeUrl, `${newsletter.api.apiEndpoint}/subscribe`);
    }

    new CfnOutput(this, OUTPUTS.contentBucket, {
      value: content.bucketName,
      description: 'Upload posts to s3://<this>/posts/',
    });
    new CfnOutput(this, OUTPUTS.stateBucket, {
      value: state.bucketName,
      description: 'Publish state; read by herald digest --preview --stack',
    });
    new CfnOutput(this, 'SiteUrl', { value: siteUrl });
    new CfnOutput(this, 'RssFeedUrl', { value: `${siteUrl}${FEED_FORMATS.rss.file}` });
    new CfnOutput(this, 'AtomFeedUrl', { value: `${siteUrl}${FEED_FORMATS.atom.file}` });
    new CfnOutput(this, 'JsonFeedUrl', { value: `${siteUrl}${FEED_FORMATS.json.file}` });
    new CfnOutput(this, 'PublishFunctionName', {
      value: publish.functionName,
      description: 'Invoke with {"action":"rebuild"} to rebuild',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: deadLetters.queueUrl });
  }
}
