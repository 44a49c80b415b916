import { type FSWatcher, mkdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { ScheduledEvent, SQSBatchResponse } from 'aws-lambda';
import { createS3Client, S3BlobStore } from '../adapters/s3-blob-store.ts';
import { ENV } from '../config/env-names.ts';
import type { Logger } from '../ports/logger.ts';
import { ContentSync } from './content-sync.ts';
import { type LocalS3, type S3rverEvent, startLocalS3 } from './local-s3.ts';
import { SerialQueue } from './serial-queue.ts';
import { serveSite } from './site-server.ts';
import { type ObjectChange, sqsEventOf } from './sqs-envelope.ts';

/** Bucket names in local mode. */
export const LOCAL_BUCKETS = {
  content: 'herald-content',
  site: 'herald-site',
  state: 'herald-state',
} as const;

/** SQS's batching window and batch size, as the CDK app configures them. */
const BATCH_WINDOW_MS = 100;
const BATCH_SIZE = 100;
const MAX_ATTEMPTS = 3;

export interface LocalModeOptions {
  /** Folder mirrored into the content bucket and watched. */
  contentDir: string;
  /** Where buckets and sync state live, kept across restarts (e.g. `.herald`). */
  dataDir: string;
  /** Port of the site's HTTP server (0: any free port). */
  port: number;
  /** Port of the S3 endpoint (0: any free port). */
  s3Port: number;
  /** `baseUrl` of the feeds; by default the local site URL, so links work in a browser. */
  baseUrl?: string;
  /** How often the tick publishes scheduled posts. */
  tickSeconds?: number;
  log: Logger;
}

/** A running local mode. */
export interface LocalMode {
  siteUrl: string;
  s3Endpoint: string;
  /** Resolves once every change seen so far is published. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs Herald on this machine with the same handler and use-cases as in AWS: an S3-compatible
 * endpoint holds the buckets; object events are wrapped as SQS messages of S3 notifications and
 * handed to the publish handler one batch at a time; the content folder is synced and watched.
 */
export async function startLocalMode(options: LocalModeOptions): Promise<LocalMode> {
  const { log } = options;
  mkdirSync(options.dataDir, { recursive: true });
  const s3: LocalS3 = await startLocalS3(
    join(options.dataDir, 's3'),
    Object.values(LOCAL_BUCKETS),
    options.s3Port,
  );
  const client = createS3Client(s3.endpoint);
  const site = await serveSite(new S3BlobStore(client, LOCAL_BUCKETS.site), options.port);

  Object.assign(process.env, {
    [ENV.contentBucket]: LOCAL_BUCKETS.content,
    [ENV.siteBucket]: LOCAL_BUCKETS.site,
    [ENV.stateBucket]: LOCAL_BUCKETS.state,
    [ENV.s3Endpoint]: s3.endpoint,
    [ENV.baseUrl]: options.baseUrl ?? site.url,
    [ENV.logFormat]: 'text',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  });
  // Imported only now: like a Lambda container, the handler reads its configuration at load.
  const { handler } = await import('../handlers/publish.ts');

  const queue = new SerialQueue();
  const pending: { change: ObjectChange; attempts: number }[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    flushTimer = undefined;
    while (pending.length > 0) {
      const batch = pending.splice(0, BATCH_SIZE);
      void queue.run(async () => {
        const event = sqsEventOf(
          batch.map((b) => b.change),
          new Date(),
        );
        let failed: Set<string>;
        try {
          const response = (await handler(event)) as SQSBatchResponse;
          failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        } catch (error) {
          log.error('publish failed', { error: String(error) });
          failed = new Set(event.Records.map((r) => r.messageId));
        }
        event.Records.forEach((record, i) => {
          const item = batch[i];
          if (!failed.has(record.messageId) || item === undefined) return;
          if (item.attempts + 1 >= MAX_ATTEMPTS)
            log.error('gave up on a change after retries', { key: item.change.key });
          else schedule({ change: item.change, attempts: item.attempts + 1 });
        });
      });
    }
  };
  const schedule = (item: { change: ObjectChange; attempts: number }): void => {
    pending.push(item);
    flushTimer ??= setTimeout(flush, BATCH_WINDOW_MS);
  };
  s3.server.on('event', (event: S3rverEvent) => {
    for (const record of event.Records) {
      if (record.s3.bucket.name !== LOCAL_BUCKETS.content) continue;
      // s3rver sends keys as stored; sqsEventOf encodes them the way AWS does.
      const removed = record.eventName.startsWith('ObjectRemoved');
      schedule({
        change: { bucket: LOCAL_BUCKETS.content, key: record.s3.object.key, removed },
        attempts: 0,
      });
    }
  });

  const tick = (): Promise<unknown> => queue.run(() => handler(scheduledEvent()));
  const idle = async (): Promise<void> => {
    while (pending.length > 0 || flushTimer !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, BATCH_WINDOW_MS));
      await queue.idle();
    }
    await queue.idle();
  };
  const sync = new ContentSync(
    options.contentDir,
    new S3BlobStore(client, LOCAL_BUCKETS.content),
    join(options.dataDir, 'sync.json'),
  );
  const synced = await sync.syncAll();
  log.info('content synced', { uploaded: synced.uploaded.length, deleted: synced.deleted.length });
  // The sync's own events first (on a first run they build state), then what is due.
  await idle();
  await tick();
  const ticker = setInterval(() => void tick(), (options.tickSeconds ?? 60) * 1000);

  const watcher = watchFolder(options.contentDir, sync, log);
  const runtimeFile = join(options.dataDir, 'local.json');
  writeFileSync(
    runtimeFile,
    JSON.stringify({ s3Endpoint: s3.endpoint, siteUrl: site.url, pid: process.pid }),
  );

  return {
    siteUrl: site.url,
    s3Endpoint: s3.endpoint,
    idle,
    async close() {
      clearInterval(ticker);
      watcher.close();
      await idle();
      await new Promise((resolve) => site.server.close(resolve));
      await s3.close();
      rmSync(runtimeFile, { force: true });
    },
  };
}

/** Watches the content folder; each change is synced after it settles. */
function watchFolder(folder: string, sync: ContentSync, log: Logger): FSWatcher {
  const timers = new Map<string, NodeJS.Timeout>();
  const settle = (key: string): void => {
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(async () => {
        timers.delete(key);
        try {
          const result = await sync.syncKey(key);
          // A deleted folder is one event: each file that was under it needs deleting.
          if (result === 'unchanged')
            for (const inner of sync.keysUnder(`${key}/`)) await sync.syncKey(inner);
        } catch (error) {
          log.error('could not sync a file', { key, error: String(error) });
        }
      }, 100),
    );
  };
  return watch(folder, { recursive: true }, (_type, filename) => {
    if (filename) settle(filename.toString().split(sep).join('/'));
  });
}

function scheduledEvent(): ScheduledEvent {
  return {
    version: '0',
    id: `local-tick-${Date.now()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {},
  };
}
