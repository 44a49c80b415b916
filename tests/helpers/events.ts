import { readFileSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import { encodeS3Key } from '../../functions/handlers/s3-events.ts';
import { fixturePath } from './fixtures.ts';

/** A recorded SQS event from tests/fixtures/events, its bucket name filled in. */
export function recordedEvent(name: string, bucket: string): SQSEvent {
  return JSON.parse(readFileSync(fixturePath(`events/${name}`), 'utf8').replaceAll('CONTENT_BUCKET', bucket));
}

let counter = 0;

/** An SQS event carrying one S3 notification per change, keys encoded as S3 encodes them. */
export function s3Notifications(bucket: string, changes: { key: string; removed?: boolean }[]): SQSEvent {
  return {
    Records: changes.map(({ key, removed }) => {
      const id = `msg-${++counter}`;
      const body = {
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: 'eu-west-1',
            eventTime: '2024-03-04T09:15:00.000Z',
            eventName: removed ? 'ObjectRemoved:Delete' : 'ObjectCreated:Put',
            s3: {
              s3SchemaVersion: '1.0',
              configurationId: 'posts',
              bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
              object: { key: encodeS3Key(key), sequencer: String(counter) },
            },
          },
        ],
      };
      return {
        messageId: id,
        receiptHandle: id,
        body: JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '1709543700000',
          SenderId: 'AIDAIENQZJOLO23YVJ4VO',
          ApproximateFirstReceiveTimestamp: '1709543700010',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:herald-publish',
        awsRegion: 'eu-west-1',
      };
    }),
  };
}
