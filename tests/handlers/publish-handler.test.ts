import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import type { S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import type { PublishReport } from '../../functions/app/publish-site.ts';
import { createPublishHandler, type PublishHandler } from '../../functions/handlers/publish-handler.ts';
import { recordedEvent, s3Notifications } from '../helpers/events.ts';
import { BUCKETS, localBuckets } from '../helpers/local-buckets.ts';
import { postFile, SITE_YAML } from '../helpers/memory-content.ts';

let buckets: Awaited<ReturnType<typeof localBuckets>>;
let handler: PublishHandler;

async function titles(site: S3BlobStore): Promise<string[]> {
  const bytes = await site.get('feed.json');
  return bytes
    ? JSON.parse(new TextDecoder().decode(bytes)).items.map((i: { title: string }) => i.title)
    : [];
}

beforeAll(async () => {
  buckets = await localBuckets();
  // The handler over real S3 stores, composed as local mode composes it (the Lambda's composition
  // root, which reads the environment, is exercised by the bundle test).
  handler = createPublishHandler({
    contentBucket: BUCKETS.content,
    content: buckets.content,
    output: buckets.site,
    state: buckets.state,
    clock: systemClock,
    log: silentLogger,
  });
  await buckets.content.put('site.yaml', SITE_YAML);
});
afterAll(async () => {
  await buckets.s3.close().catch(() => {});
});

describe('publish handler with real event JSON against local S3', () => {
  it('ignores the test event S3 sends when notifications are configured', async () => {
    expect(await handler(recordedEvent('sqs-s3-test-event.json', BUCKETS.content))).toEqual({
      batchItemFailures: [],
    });
  });

  it('publishes keys with spaces, +, unicode and % from one batch', async () => {
    await buckets.content.put('posts/my first post.md', postFile('First', '2024-03-01'));
    await buckets.content.put('posts/2024/café & crème 100%+.md', postFile('Café', '2024-03-02'));
    await buckets.content.put('static/images/cover photo.png', new Uint8Array([1, 2, 3, 4]));
    const response = await handler(recordedEvent('sqs-s3-notifications.json', BUCKETS.content));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await titles(buckets.site)).toEqual(['Café', 'First']);
    expect(await buckets.site.get('images/cover photo.png')).toEqual(new Uint8Array([1, 2, 3, 4]));
  });

  it('survives duplicates and a delete event that arrives after the post came back', async () => {
    await buckets.content.put('posts/back.md', postFile('Back', '2024-03-03'));
    const event = s3Notifications(BUCKETS.content, [
      { key: 'posts/back.md' },
      { key: 'posts/back.md', removed: true },
      { key: 'posts/back.md' },
    ]);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await titles(buckets.site)).toEqual(['Back', 'Café', 'First']);
    await buckets.content.delete('posts/back.md');
    await handler(s3Notifications(BUCKETS.content, [{ key: 'posts/back.md', removed: true }]));
    expect(await titles(buckets.site)).toEqual(['Café', 'First']);
  });

  it('reports unreadable messages for retry without failing the others', async () => {
    await buckets.content.put('posts/ok.md', postFile('Ok', '2024-03-04'));
    const event = s3Notifications(BUCKETS.content, [{ key: 'posts/ok.md' }, { key: 'posts/x.md' }]);
    const broken = event.Records[1];
    if (!broken) throw new Error('fixture');
    broken.body = '{"not":"s3"}';
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: broken.messageId }] });
    expect((await titles(buckets.site))[0]).toBe('Ok');
  });

  it('publishes a page bundle’s file named by its own event, under the post’s URL, and removes it', async () => {
    await buckets.content.put('posts/Image Gallery/index.md', postFile('Gallery', '2024-03-05'));
    await buckets.content.put('posts/Image Gallery/my photo+1.png', new Uint8Array([5, 6, 7]));
    const files = ['posts/Image Gallery/index.md', 'posts/Image Gallery/my photo+1.png'];
    expect(
      await handler(
        s3Notifications(
          BUCKETS.content,
          files.map((key) => ({ key })),
        ),
      ),
    ).toEqual({
      batchItemFailures: [],
    });
    expect(await buckets.site.get('posts/image-gallery/my photo+1.png')).toEqual(new Uint8Array([5, 6, 7]));
    for (const key of files) await buckets.content.delete(key);
    await handler(
      s3Notifications(
        BUCKETS.content,
        files.map((key) => ({ key, removed: true })),
      ),
    );
    expect(await buckets.site.get('posts/image-gallery/my photo+1.png')).toBeUndefined();
  });

  it('runs the tick and a rebuild', async () => {
    const tick = (await handler({
      version: '0',
      id: 'tick',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2024-03-04T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: {},
    })) as PublishReport;
    expect(tick.rebuilt).toBe(false);
    const rebuilt = (await handler({ action: 'rebuild' })) as PublishReport;
    expect(rebuilt).toMatchObject({ rebuilt: true, published: 3 });
  });

  it('fails the whole batch when storage fails, so SQS retries it', async () => {
    await buckets.s3.close();
    const event = s3Notifications(BUCKETS.content, [{ key: 'posts/a.md' }, { key: 'posts/b.md' }]);
    const response = (await handler(event)) as SQSBatchResponse;
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      event.Records.map((r) => r.messageId).sort(),
    );
  });
});
