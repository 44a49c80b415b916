import type { S3Event, SQSEvent } from 'aws-lambda';

/** The content keys an SQS batch of S3 notifications names, and the messages that could not be read. */
export interface ChangedKeys {
  keys: string[];
  /** Message ids whose body is not an S3 notification: reported so SQS retries, then dead-letters. */
  unreadable: string[];
}

/**
 * Decodes an S3 event key: S3 URL-encodes keys in notifications, with `+` for a space.
 * @param key - e.g. `posts/my+post%C3%A9.md`
 * @returns e.g. `posts/my posté.md`
 */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * Encodes a key as S3 does in notifications, for local mode (whose server sends raw keys).
 * @param key - an object key
 */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/**
 * Reads the changed keys of one bucket out of an SQS batch of S3 notifications. The test event S3
 * sends when notifications are configured, and records of other buckets, are ignored.
 * @param event - the SQS event as Lambda delivers it
 * @param bucket - the content bucket
 */
export function changedKeys(event: SQSEvent, bucket: string): ChangedKeys {
  const keys: string[] = [];
  const unreadable: string[] = [];
  for (const message of event.Records) {
    let body: Partial<S3Event> & { Event?: string };
    try {
      body = JSON.parse(message.body);
    } catch {
      unreadable.push(message.messageId);
      continue;
    }
    if (body.Event === 's3:TestEvent') continue;
    if (!Array.isArray(body.Records)) {
      unreadable.push(message.messageId);
      continue;
    }
    for (const record of body.Records) {
      if (record.eventSource !== 'aws:s3' || record.s3?.bucket?.name !== bucket) continue;
      try {
        keys.push(decodeS3Key(record.s3.object.key));
      } catch {
        unreadable.push(message.messageId);
      }
    }
  }
  return { keys, unreadable };
}
