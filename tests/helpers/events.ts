import { readFileSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import { sqsEventOf } from '../../functions/local/sqs-envelope.ts';
import { fixturePath } from './fixtures.ts';

/** A recorded SQS event from tests/fixtures/events, its bucket name filled in. */
export function recordedEvent(name: string, bucket: string): SQSEvent {
  return JSON.parse(readFileSync(fixturePath(`events/${name}`), 'utf8').replaceAll('CONTENT_BUCKET', bucket));
}

/** An SQS event carrying one S3 notification per change, keys encoded as S3 encodes them. */
export function s3Notifications(bucket: string, changes: { key: string; removed?: boolean }[]): SQSEvent {
  return sqsEventOf(
    changes.map(({ key, removed }) => ({ bucket, key, removed: removed ?? false })),
    new Date('2024-03-04T09:15:00Z'),
  );
}
