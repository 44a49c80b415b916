import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { encodeS3Key } from '../handlers/s3-events.ts';

/** One object change, as local mode sees it. */
export interface ObjectChange {
  bucket: string;
  key: string;
  removed: boolean;
}

let sequence = 0;

/**
 * Wraps object changes as AWS delivers them to the publish function: each an S3 notification
 * (key URL-encoded, `+` for space) in the body of an SQS message.
 */
export function sqsEventOf(changes: readonly ObjectChange[], now: Date): SQSEvent {
  return { Records: changes.map((change) => sqsRecordOf(change, now)) };
}

function sqsRecordOf({ bucket, key, removed }: ObjectChange, now: Date): SQSRecord {
  const id = `local-${process.pid}-${++sequence}`;
  const notification = {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: now.toISOString(),
        eventName: removed ? 'ObjectRemoved:Delete' : 'ObjectCreated:Put',
        userIdentity: { principalId: 'local' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': id, 'x-amz-id-2': id },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'herald-local',
          bucket: { name: bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeS3Key(key), sequencer: sequence.toString(16).padStart(16, '0') },
        },
      },
    ],
  };
  return {
    messageId: id,
    receiptHandle: id,
    body: JSON.stringify(notification),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(now.getTime()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(now.getTime()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:herald-local',
    awsRegion: 'us-east-1',
  };
}

/**
 * One SQS message with this body, as Lambda delivers it from the named queue: local mode's digest
 * jobs and rebuild steps.
 */
export function sqsMessageEvent(body: string, queue: string): SQSEvent {
  const now = Date.now();
  const id = `local-${process.pid}-${++sequence}`;
  return {
    Records: [
      {
        messageId: id,
        receiptHandle: id,
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(now),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(now),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queue}`,
        awsRegion: 'us-east-1',
      },
    ],
  };
}
