import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';

/**
 * Acknowledges the cdk-nag IAM5 findings that S3 `grant*` calls raise: object actions on
 * `bucket/*` of the named buckets, nothing outside them.
 */
export function acknowledgeBucketGrants(grantee: IConstruct, buckets: readonly s3.IBucket[]): void {
  const stack = Stack.of(grantee);
  const names = buckets.map((b) => b.node.id.toLowerCase()).join(', ');
  for (const finding of [
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    ...buckets.map((b) => `Resource::<${stack.getLogicalId(b.node.defaultChild as s3.CfnBucket)}.Arn>/*`),
  ])
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[${finding}]`,
      reason: `S3 object actions from grantRead/grantReadWrite/grantDelete, scoped to the ${names} buckets.`,
    });
}

/**
 * A dead-letter queue: encrypted, TLS only, kept 14 days.
 * @param of - what it catches, for cdk-nag's acknowledgement (it has no dead-letter queue itself)
 */
function deadLetterQueue(scope: Construct, id: string, of: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    retentionPeriod: Duration.days(14),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This is the dead-letter queue of ${of}; it has no dead-letter queue itself.`,
  });
  return queue;
}

/**
 * A queue a Lambda function consumes, with its dead-letter queue: encrypted, TLS only, messages
 * visible again after six times the function's timeout (as Lambda advises for SQS sources).
 * A message is dead after 20 receives: generous, because with one function instance a burst is
 * throttled and messages return to the queue before they are processed; only messages that really
 * fail should reach the dead letters.
 * @param ids - the construct ids of the queue and of its dead-letter queue
 * @param of - what the queue carries, for the dead-letter queue's acknowledgement
 */
export function workQueue(
  scope: Construct,
  ids: { queue: string; deadLetters: string },
  consumerTimeout: Duration,
  of: string,
): { queue: sqs.Queue; deadLetters: sqs.Queue } {
  const deadLetters = deadLetterQueue(scope, ids.deadLetters, of);
  const queue = new sqs.Queue(scope, ids.queue, {
    visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * 6),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: 20 },
  });
  return { queue, deadLetters };
}
