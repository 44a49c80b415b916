import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { MemoryRebuildQueue } from '../../functions/adapters/memory-rebuild-queue.ts';
import { rebuildSite } from '../../functions/app/publish-site.ts';
import type { FanOutDeps } from '../../functions/app/rebuild/plan-rebuild.ts';
import { ENV } from '../../functions/config/env-names.ts';
import { loadFunctionConfig } from '../../functions/config/function-config.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { createPublishHandler, type PublishHandler } from '../../functions/handlers/publish-handler.ts';
import { createRebuildHandler, type RebuildHandler } from '../../functions/handlers/rebuild-handler.ts';
import { parseRebuildMessage } from '../../functions/handlers/rebuild-message.ts';
import type { Logger } from '../../functions/ports/logger.ts';
import { s3Notifications } from '../helpers/events.ts';
import { contentStore, postFile, SITE_YAML } from '../helpers/memory-content.ts';

const NOW = new Date('2024-06-01T00:00:00Z');

/** One SQS message with this body, as Lambda delivers it. */
function sqsEvent(body: unknown, id = 'm1'): SQSEvent {
  return {
    Records: [
      {
        messageId: id,
        receiptHandle: id,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 'test',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:q',
        awsRegion: 'eu-west-1',
      },
    ],
  };
}

async function setUp(log: Logger = silentLogger) {
  const files: Record<string, string> = {};
  for (let i = 0; i < 12; i++)
    files[`posts/p${i}.md`] = postFile(`Post ${i}`, `2024-0${1 + (i % 5)}-1${i % 9}`);
  const content = await contentStore(files, `${SITE_YAML}pageSize: 3\n`);
  const queue = new MemoryRebuildQueue();
  const deps: FanOutDeps = {
    content,
    output: new MemoryBlobStore(),
    state: new MemoryBlobStore(),
    clock: fixedClock(NOW),
    log,
    rebuild: { queue, shardSize: 5 },
  };
  const publish: PublishHandler = createPublishHandler({ ...deps, contentBucket: 'content' });
  const rebuild: RebuildHandler = createRebuildHandler(deps);
  /** Delivers every queued message to the function SQS would invoke, as SQS would. */
  const drain = async (): Promise<SQSBatchResponse[]> => {
    const responses: SQSBatchResponse[] = [];
    for (let message = queue.take(), n = 0; message !== undefined; message = queue.take(), n++) {
      const event = sqsEvent(message, `m${n}`);
      responses.push(
        (await (message.step === 'finish' ? publish(event) : rebuild(event))) as SQSBatchResponse,
      );
    }
    return responses;
  };
  return { deps, queue, publish, rebuild, drain };
}

describe('rebuild through the handlers', () => {
  it('fans out on {"action":"rebuild"}: shards in the rebuild function, the finish in the publish function', async () => {
    const { deps, queue, publish, drain } = await setUp();
    const started = (await publish({ action: 'rebuild' })) as { rebuilding?: string };
    expect(started.rebuilding).toBeDefined();
    expect(queue.messages.map((m) => m.step)).toEqual(['read', 'read', 'read']);
    const responses = await drain();
    expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);

    const expected = { content: deps.content, output: new MemoryBlobStore(), state: new MemoryBlobStore() };
    await rebuildSite({ ...expected, clock: fixedClock(NOW), log: silentLogger });
    const sorted = (store: MemoryBlobStore) =>
      Object.fromEntries([...store.objects.keys()].sort().map((k) => [k, store.text(k)]));
    expect(sorted(deps.output as MemoryBlobStore)).toEqual(sorted(expected.output));
  });

  it('leaves uploads to the rebuild under way, then publishes them at its end', async () => {
    const { deps, publish, drain } = await setUp();
    await publish({ action: 'rebuild' });
    await deps.content.put('posts/late.md', postFile('Late arrival', '2024-05-31'));
    expect(await publish(s3Notifications('content', [{ key: 'posts/late.md' }]))).toEqual({
      batchItemFailures: [],
    });
    expect((deps.output as MemoryBlobStore).text('feed.json')).toBeUndefined();
    await drain();
    expect((deps.output as MemoryBlobStore).text('feed.json')).toContain('Late arrival');
  });

  it('resumes on a second {"action":"rebuild"} by sending only the missing work', async () => {
    const { queue, publish, rebuild } = await setUp();
    await publish({ action: 'rebuild' });
    const first = queue.take();
    await rebuild(sqsEvent(first));
    queue.messages.length = 0; // the other messages were lost (say, moved to the dead letters)
    await publish({ action: 'rebuild' });
    expect(queue.messages).toEqual([
      { rebuild: first?.rebuild, step: 'read', shard: 1 },
      { rebuild: first?.rebuild, step: 'read', shard: 2 },
    ]);
  });

  it('resumes a rebuild whose list step was lost by sending that step, then ends as a one-run rebuild', async () => {
    const { deps, queue, publish, rebuild, drain } = await setUp();
    await publish({ action: 'rebuild' });
    for (let message = queue.take(); message !== undefined; message = queue.take()) {
      if (message.step === 'lists') break; // lost
      await rebuild(sqsEvent(message));
    }
    expect(queue.messages).toEqual([]);
    await publish({ action: 'rebuild' });
    expect(
      queue.messages.map(({ step, ...rest }) => ({ step, shard: 'shard' in rest ? rest.shard : undefined })),
    ).toEqual([{ step: 'lists', shard: 0 }]);
    await drain();
    const expected = { content: deps.content, output: new MemoryBlobStore(), state: new MemoryBlobStore() };
    await rebuildSite({ ...expected, clock: fixedClock(NOW), log: silentLogger });
    expect((deps.output as MemoryBlobStore).objects.size).toBe(expected.output.objects.size);
    for (const [key] of expected.output.objects)
      expect((deps.output as MemoryBlobStore).text(key), key).toBe(expected.output.text(key));
  });

  it('reports a failed step for SQS to retry, and an unreadable message', async () => {
    const { deps, queue, publish } = await setUp();
    await publish({ action: 'rebuild' });
    // The content bucket failing under the step: the store answers the rest as before.
    const content = Object.create(deps.content) as MemoryBlobStore;
    content.getVersioned = () => Promise.reject(new Error('S3 is down'));
    const failing = createRebuildHandler({ ...deps, content });
    expect(await failing(sqsEvent(queue.take(), 'broken'))).toEqual({
      batchItemFailures: [{ itemIdentifier: 'broken' }],
    });
    expect(await failing(sqsEvent('{"rebuild":"x","step":"paint"}', 'odd'))).toEqual({
      batchItemFailures: [{ itemIdentifier: 'odd' }],
    });
  });

  it('abandons the rebuild when site.yaml turns invalid, leaving the previous site published', async () => {
    const errors: Record<string, unknown>[] = [];
    const log: Logger = { ...silentLogger, error: (_m, fields = {}) => errors.push(fields) };
    const { deps, publish, rebuild, queue } = await setUp(log);
    await publish({ action: 'rebuild' });
    await deps.content.put('site.yaml', 'title: [unclosed\n');
    expect(await rebuild(sqsEvent(queue.take()))).toEqual({ batchItemFailures: [] });
    expect(errors).toContainEqual(expect.objectContaining({ key: 'site.yaml' }));
    expect([...(deps.state as MemoryBlobStore).objects.keys()]).not.toContain('rebuild/current.json');
    // Fixed, the next upload of site.yaml starts a rebuild anew.
    queue.messages.length = 0;
    await deps.content.put('site.yaml', `${SITE_YAML}pageSize: 4\n`);
    await publish(s3Notifications('content', [{ key: 'site.yaml' }]));
    expect(queue.messages.map((m) => m.step)).toEqual(['read', 'read', 'read']);
  });
});

describe('rebuild messages and configuration', () => {
  it('reads only well-formed rebuild messages', () => {
    expect(parseRebuildMessage('{"rebuild":"20240601-ab","step":"render","shard":3}')).toEqual({
      rebuild: '20240601-ab',
      step: 'render',
      shard: 3,
    });
    expect(parseRebuildMessage('{"rebuild":"20240601-ab","step":"lists","shard":0}')).toEqual({
      rebuild: '20240601-ab',
      step: 'lists',
      shard: 0,
    });
    for (const body of [
      '{"rebuild":"a","step":"lists"}',
      'not json',
      'null',
      '{"Records":[]}',
      '{"rebuild":"../x","step":"finish"}',
      '{"rebuild":"a","step":"read","shard":-1}',
      '{"rebuild":"a","step":"read","shard":1.5}',
      '{"rebuild":"a","step":"read"}',
    ])
      expect(parseRebuildMessage(body), body).toBeUndefined();
  });

  it('needs both queue URLs or neither', () => {
    const base = {
      [ENV.contentBucket]: 'content',
      [ENV.siteBucket]: 'site',
      [ENV.stateBucket]: 'state',
    };
    expect(loadFunctionConfig(base).rebuildQueues).toBeUndefined();
    expect(
      loadFunctionConfig({
        ...base,
        [ENV.rebuildQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/1/r',
        [ENV.publishQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/1/p',
      }).rebuildQueues,
    ).toEqual({
      work: 'https://sqs.eu-west-1.amazonaws.com/1/r',
      finish: 'https://sqs.eu-west-1.amazonaws.com/1/p',
    });
    expect(() =>
      loadFunctionConfig({ ...base, [ENV.rebuildQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/1/r' }),
    ).toThrow(
      new ConfigError('environment', ENV.publishQueueUrl, "is not set (a rebuild needs both queues' URLs)"),
    );
  });
});
