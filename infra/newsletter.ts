import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ENV } from '../functions/config/env-names.ts';
import { OUTPUTS } from '../functions/config/stack-outputs.ts';
import type { NewsletterConfig } from '../functions/core/config/site-config.ts';
import { cronExpression } from '../functions/core/newsletter/schedule.ts';
import { acknowledgeBucketGrants, workQueue } from './common-constructs.ts';
import type { DeploymentConfig } from './deployment-config.ts';
import { HANDLER_ENTRIES } from './handler-bundling.ts';
import { heraldFunction } from './herald-function.ts';

export interface NewsletterProps {
  config: DeploymentConfig;
  newsletter: NewsletterConfig;
  /** Private bucket of subscribers, suppressions and digests. */
  bucket: s3.Bucket;
  content: s3.IBucket;
  state: s3.IBucket;
  alarm: (name: string, metric: cloudwatch.IMetric, description: string) => void;
}

const DIGEST_TIMEOUT = Duration.minutes(15);

/**
 * E-mail digests: the subscribe API (HTTP API -> Lambda), the digest schedule (EventBridge
 * Scheduler, in the site's timezone) and sender (SQS -> Lambda, one at a time), SES sending through
 * a configuration set whose bounces and complaints reach a suppression function over SNS.
 */
export class Newsletter extends Construct {
  readonly api: apigw.HttpApi;

  constructor(scope: Construct, id: string, props: NewsletterProps) {
    super(scope, id);
    const { config, newsletter, bucket, content, state, alarm } = props;
    const stack = Stack.of(this);
    const retention = config.logRetentionDays as logs.RetentionDays;
    const logGroup = (name: string) =>
      new logs.LogGroup(this, name, { retention, removalPolicy: RemovalPolicy.DESTROY });

    const secret = new secrets.Secret(this, 'Secret', {
      description: 'Herald: signs confirmation and unsubscribe links, derives subscriber ids',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating this key would break the unsubscribe link in every e-mail already sent, which must keep working.',
    });

    // Sending: the sender's domain as an SES identity (Easy DKIM), and a configuration set that
    // reports bounces and complaints to an encrypted topic.
    const domain = newsletter.from.address.slice(newsletter.from.address.indexOf('@') + 1);
    const configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    const identity = new ses.EmailIdentity(this, 'Identity', {
      identity: ses.Identity.domain(domain),
      configurationSet,
    });
    const noticeKey = new kms.Key(this, 'NoticeKey', {
      description: 'Herald: encrypts SES bounce and complaint notices (they carry addresses)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    noticeKey.grant(new iam.ServicePrincipal('ses.amazonaws.com'), 'kms:GenerateDataKey*', 'kms:Decrypt');
    const notices = new sns.Topic(this, 'DeliveryNotices', { masterKey: noticeKey, enforceSSL: true });
    configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: ses.EventDestination.snsTopic(notices),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });

    const common = {
      [ENV.contentBucket]: content.bucketName,
      [ENV.stateBucket]: state.bucketName,
      [ENV.newsletterBucket]: bucket.bucketName,
      [ENV.secretArn]: secret.secretArn,
      [ENV.sesConfigurationSet]: configurationSet.configurationSetName,
      ...(config.baseUrl ? { [ENV.baseUrl]: config.baseUrl } : {}),
    };
    const sendPolicy = new iam.PolicyStatement({
      actions: ['ses:SendRawEmail'],
      resources: [
        stack.formatArn({ service: 'ses', resource: 'identity', resourceName: domain }),
        stack.formatArn({
          service: 'ses',
          resource: 'configuration-set',
          resourceName: configurationSet.configurationSetName,
        }),
      ],
    });

    // The subscribe API.
    const apiFunction = heraldFunction(this, 'Api', HANDLER_ENTRIES.newsletterApi, {
      memorySize: 512,
      timeout: Duration.seconds(15),
      logGroup: logGroup('ApiLogs'),
      environment: common,
    });
    const accessLogs = logGroup('ApiAccessLogs');
    this.api = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Herald subscribe API',
      corsPreflight: {
        allowOrigins: newsletter.corsOrigins,
        allowMethods: [apigw.CorsHttpMethod.POST],
        allowHeaders: ['content-type', 'accept'],
        maxAge: Duration.days(1),
      },
    });
    const integration = new HttpLambdaIntegration('ApiIntegration', apiFunction);
    for (const [path, methods] of [
      ['/subscribe', [apigw.HttpMethod.POST]],
      ['/confirm', [apigw.HttpMethod.GET]],
      ['/unsubscribe', [apigw.HttpMethod.GET, apigw.HttpMethod.POST]],
      ['/preferences', [apigw.HttpMethod.GET, apigw.HttpMethod.POST]],
    ] as const)
      this.api.addRoutes({ path, methods: [...methods], integration });
    const stage = this.api.defaultStage?.node.defaultChild as apigw.CfnStage;
    // Throttling protects the endpoint (and the SES quota) from floods; per-address limits are in the code.
    stage.defaultRouteSettings = { throttlingRateLimit: 10, throttlingBurstLimit: 20 };
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        route: '$context.routeKey',
        status: '$context.status',
        time: '$context.requestTime',
      }),
    };
    for (const route of this.api.node.findAll().filter((c) => c instanceof apigw.HttpRoute))
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Subscribing and following links from e-mail are public by design; links carry HMAC-signed tokens.',
      });
    bucket.grantReadWrite(apiFunction);
    content.grantRead(apiFunction);
    // The preferences page lists the site's categories from the publish index.
    state.grantRead(apiFunction);
    secret.grantRead(apiFunction);
    apiFunction.addToRolePolicy(sendPolicy);

    // Digests: the schedule plans, SQS fans out, one sender at a time paces to the SES rate.
    const { queue: jobs, deadLetters } = workQueue(
      this,
      { queue: 'DigestJobs', deadLetters: 'DigestDeadLetters' },
      DIGEST_TIMEOUT,
      'the digest queue and schedule',
    );
    const digest = heraldFunction(this, 'Digest', HANDLER_ENTRIES.digest, {
      memorySize: 1024,
      timeout: DIGEST_TIMEOUT,
      // One sender at a time: each paces itself to the account's whole SES rate.
      reservedConcurrentExecutions: 1,
      logGroup: logGroup('DigestLogs'),
      environment: {
        ...common,
        [ENV.digestQueueUrl]: jobs.queueUrl,
        [ENV.apiUrl]: `${this.api.apiEndpoint}/`,
      },
    });
    digest.addEventSource(new SqsEventSource(jobs, { batchSize: 1, reportBatchItemFailures: true }));
    jobs.grantSendMessages(digest);
    bucket.grantReadWrite(digest);
    bucket.grantDelete(digest);
    content.grantRead(digest);
    state.grantRead(digest);
    // The archive of sent digests, which the publish function turns into the site's /newsletter/.
    state.grantPut(digest, 'newsletter/archive/*');
    Validations.of(digest).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(state.node.defaultChild as CfnBucket)}.Arn>/newsletter/archive/*]`,
      reason: 'PutObject only, under the prefix of the archive of sent digests; one object per digest.',
    });
    secret.grantRead(digest);
    digest.addToRolePolicy(sendPolicy);
    digest.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:GetSendQuota'], resources: ['*'] }));

    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
    });
    digest.grantInvoke(schedulerRole);
    deadLetters.grantSendMessages(schedulerRole);
    new scheduler.CfnSchedule(this, 'DigestSchedule', {
      description: 'Plans the e-mail digest (schedule from site.yaml)',
      scheduleExpression: cronExpression(newsletter.schedule),
      scheduleExpressionTimezone: config.site.timezone,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: digest.functionArn,
        roleArn: schedulerRole.roleArn,
        input: JSON.stringify({ action: 'digest', scheduledTime: '<aws.scheduler.scheduled-time>' }),
        retryPolicy: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: deadLetters.queueArn },
      },
    });

    // Bounces and complaints.
    const bounces = heraldFunction(this, 'Bounces', HANDLER_ENTRIES.bounces, {
      memorySize: 512,
      timeout: Duration.seconds(30),
      logGroup: logGroup('BouncesLogs'),
      environment: common,
    });
    notices.addSubscription(new subscriptions.LambdaSubscription(bounces));
    bucket.grantReadWrite(bounces);
    content.grantRead(bounces);
    secret.grantRead(bounces);

    for (const fn of [apiFunction, digest, bounces]) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'Node.js 22 is the runtime Herald is built and tested for.',
      });
      acknowledgeBucketGrants(fn, [bucket, content, state]);
    }
    Validations.of(digest).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ses:GetSendQuota has no resource-level permissions.',
    });
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(digest.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'grantInvoke covers the digest function and its versions only.',
    });

    alarm(
      'DigestDeadLettersAlarm',
      deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      'Digest jobs or schedule runs failed repeatedly: look at the digest logs, fix, then redrive.',
    );
    alarm(
      'DigestErrorsAlarm',
      digest.metricErrors({ period: Duration.minutes(5) }),
      'The digest function failed: look at its logs.',
    );
    alarm(
      'SubscribeApiErrorsAlarm',
      apiFunction.metricErrors({ period: Duration.minutes(5) }),
      'The subscribe API function failed: look at its logs.',
    );
    alarm(
      'BouncesErrorsAlarm',
      bounces.metricErrors({ period: Duration.minutes(5) }),
      'Bounce handling failed: addresses may not be suppressed.',
    );

    new CfnOutput(stack, 'SubscribeApiUrl', {
      value: `${this.api.apiEndpoint}/subscribe`,
      description: 'POST the subscribe form here',
    });
    // What `herald subscribers … --stack NAME` reads. The secret's ARN is no secret: reading its
    // value takes secretsmanager:GetSecretValue, which only the stack's functions and its admins have.
    new CfnOutput(stack, OUTPUTS.newsletterBucket, {
      value: bucket.bucketName,
      description: 'Subscribers, suppressions and digests (private)',
    });
    new CfnOutput(stack, OUTPUTS.newsletterSecret, {
      value: secret.secretArn,
      description: 'Signs links and derives subscriber ids',
    });
    new CfnOutput(stack, OUTPUTS.apiUrl, { value: `${this.api.apiEndpoint}/` });
    new CfnOutput(stack, 'SesConfigurationSet', { value: configurationSet.configurationSetName });
    for (const [i, record] of identity.dkimRecords.entries())
      new CfnOutput(stack, `DkimRecord${i + 1}`, {
        value: `${record.name} CNAME ${record.value}`,
        description: `DNS record ${i + 1} of 3 that verifies ${domain} for SES (DKIM)`,
      });
    new CfnOutput(stack, 'DigestFunctionName', {
      value: digest.functionName,
      description: 'Invoke with {"action":"digest"} to send a digest now',
    });
  }
}
