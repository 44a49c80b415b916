import { describe, expect, it } from 'vitest';
import { changedKeys, decodeS3Key, encodeS3Key } from '../../functions/handlers/s3-events.ts';
import { recordedEvent, s3Notifications } from '../helpers/events.ts';

describe('S3 notification keys', () => {
  it.each([
    ['posts/my+first+post.md', 'posts/my first post.md'],
    ['posts/2024/caf%C3%A9+%26+cr%C3%A8me+100%25%2B.md', 'posts/2024/café & crème 100%+.md'],
    ['static/images/%E6%97%A5%E6%9C%AC.png', 'static/images/日本.png'],
  ])('decodes %s', (encoded, key) => {
    expect(decodeS3Key(encoded)).toBe(key);
    expect(encodeS3Key(key)).toBe(encoded);
  });

  it('reads every key of a recorded SQS batch, in order', () => {
    expect(changedKeys(recordedEvent('sqs-s3-notifications.json', 'content'), 'content')).toEqual({
      keys: ['posts/my first post.md', 'posts/2024/café & crème 100%+.md', 'static/images/cover photo.png'],
      unreadable: [],
    });
  });

  it('ignores the test event and other buckets', () => {
    expect(changedKeys(recordedEvent('sqs-s3-test-event.json', 'content'), 'content')).toEqual({
      keys: [],
      unreadable: [],
    });
    expect(changedKeys(s3Notifications('other', [{ key: 'posts/a.md' }]), 'content').keys).toEqual([]);
  });

  it('reports messages that are not S3 notifications', () => {
    const event = s3Notifications('content', [{ key: 'posts/a.md' }, { key: 'posts/b.md' }]);
    const [first, second] = event.Records;
    if (!first || !second) throw new Error('fixture');
    first.body = 'not json';
    second.body = '{"hello":"world"}';
    expect(changedKeys(event, 'content')).toEqual({
      keys: [],
      unreadable: [first.messageId, second.messageId],
    });
  });
});
