import { randomBytes } from 'node:crypto';
import { existsSync, type FSWatcher, mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  ScheduledEvent,
  SQSBatchResponse,
} from 'aws-lambda';
import { fixedClock, systemClock } from '../adapters/clocks.ts';
import { FsBlobStore } from '../adapters/fs-blob-store.ts';
import { httpHubNotifier } from '../adapters/http-hub-notifier.ts';
import { silentLogger } from '../adapters/loggers.ts';
import { MemoryDigestQueue } from '../adapters/memory-digest-queue.ts';
import { OutboxMailer } from '../adapters/outbox-mailer.ts';
import { createS3Client, S3BlobStore } from '../adapters/s3-blob-store.ts';
import { buildSite } from '../app/build-site.ts';
import { loadSiteConfig } from '../app/load-site-config.ts';
import { NewsletterStore } from '../app/newsletter/newsletter-store.ts';
import { finishLastDigest } from '../app/newsletter/run-digest.ts';
import { HeraldError } from '../core/errors.ts';
import { latestRunAtOrBefore } from '../core/newsletter/schedule.ts';
import { TokenSigner } from '../core/newsletter/tokens.ts';
import { createDigestHandler } from '../handlers/digest-handler.ts';
import { createNewsletterApiHandler } from '../handlers/newsletter-api-handler.ts';
import { type NewsletterHandlerDeps, siteReader } from '../handlers/newsletter-handler-deps.ts';
import { createPublishHandler } from '../handlers/publish-handler.ts';
import { createRebuildHandler } from '../handlers/rebuild-handler.ts';
import type { Logger } from '../ports/logger.ts';
import { ContentSync } from './content-sync.ts';
import { httpApiEventOf } from './http-api-event.ts';
import { LiveReload } from './live-reload.ts';
import { LocalRebuildQueue } from './local-rebuild-queue.ts';
import { type LocalS3, type S3rverEvent, startLocalS3 } from './local-s3.ts';
import { outboxPage } from './outbox-pages.ts';
import { PreviewStore } from './preview.ts';
import { PublishLedger } from './publish-ledger.ts';
import { SerialQueue } from './serial-queue.ts';
import { type Route, serveSite } from './site-server.ts';
import { type ObjectChange, sqsEventOf, sqsMessageEvent } from './sqs-envelope.ts';

/** Bucket names in local mode. */
export const LOCAL_BUCKETS = {
  content: 'herald-content',
  site: 'herald-site',
  state: 'herald-state',
  newsletter: 'herald-newsletter',
} as const;

/** SQS's batching window and batch size, as the CDK app configures them. */
const BATCH_WINDOW_MS = 100;
const BATCH_SIZE = 100;
const MAX_ATTEMPTS = 3;
/** Changes missed while stopped above which start-up rebuilds instead of publishing each. */
const MISSED_REBUILD_THRESHOLD = 20;

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
  /** Also log what is usually noise: every tick, every file synced. */
  verbose?: boolean;
  /**
   * Serve a preview with drafts and/or scheduled posts, marked in their titles, built into a folder
   * of the data folder; the site bucket gets exactly what AWS would publish.
   */
  preview?: { drafts: boolean; future: boolean };
  log: Logger;
}

/** A running local mode. */
export interface LocalMode {
  siteUrl: string;
  s3Endpoint: string;
  /** The subscribe API (`<site>/api/`). */
  apiUrl: string;
  outboxDir: string;
  /** Runs the digest due at `until` (default: now) through the digest handler, as the schedule would. */
  digest(until?: Date): Promise<unknown>;
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
    {
      shared: true,
      onWait: (owner) =>
        log.info('waiting for the data folder', {
          reason: `herald (process ${owner.pid}) is using it; local mode starts when it has finished`,
        }),
    },
  );
  for (const line of s3.repaired) log.warn('local S3 data repaired after a crash', { repair: line });
  const client = createS3Client(s3.endpoint);
  const outboxDir = join(options.dataDir, 'outbox');
  mkdirSync(outboxDir, { recursive: true });
  // The API handler is composed below, once the site server's URL is known; requests before that wait.
  let newsletterApi:
    | ((event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>)
    | undefined;
  const routes: Record<string, Route> = {
    '/api/': async (request, path, query) => {
      const body = await readBody(request);
      const answer = await newsletterApi?.(
        httpApiEventOf(request, body, path, query, request.headers.host ?? 'localhost'),
      );
      if (answer === undefined)
        return { status: 503, headers: { 'content-type': 'text/plain' }, body: 'starting\n' };
      return {
        status: answer.statusCode ?? 200,
        headers: Object.fromEntries(Object.entries(answer.headers ?? {}).map(([k, v]) => [k, String(v)])),
        body: answer.body ?? '',
      };
    },
    '/_outbox/': async (_request, path) => {
      const page = await outboxPage(outboxDir, path);
      return { status: page.status, headers: { 'content-type': page.type }, body: page.body };
    },
  };
  const liveReload = new LiveReload();
  const previewing = options.preview !== undefined && (options.preview.drafts || options.preview.future);
  const previewStore = previewing
    ? new PreviewStore(new FsBlobStore(join(options.dataDir, 'preview')), (key) => liveReload.changed(key))
    : undefined;
  // A taken port ends the start: the S3 server goes too, or it would hold the process and the
  // data folder's lock.
  const site = await serveSite(
    previewStore ?? new S3BlobStore(client, LOCAL_BUCKETS.site),
    options.port,
    routes,
    liveReload,
  ).catch(async (error: unknown) => {
    liveReload.close();
    await s3.close();
    throw error;
  });
  const apiUrl = `${site.url}api/`;

  // The same handlers as in AWS, composed here with local dependencies (the Lambda composition
  // roots build theirs from the environment; nothing here touches process.env).
  const content = new S3BlobStore(client, LOCAL_BUCKETS.content);
  const state = new S3BlobStore(client, LOCAL_BUCKETS.state);
  const newsletter = new NewsletterStore(new S3BlobStore(client, LOCAL_BUCKETS.newsletter));
  const baseUrl = options.baseUrl ?? site.url;
  const queue = new SerialQueue();
  // A rebuild fans out as in AWS: its steps go through the same handlers, in turn with publishing.
  const rebuildQueue = new LocalRebuildQueue(queue, log);
  const publishDeps = {
    content,
    output: new S3BlobStore(client, LOCAL_BUCKETS.site),
    state,
    clock: systemClock,
    log,
    overrides: { baseUrl, subscribeUrl: `${apiUrl}subscribe` },
    rebuild: { queue: rebuildQueue },
  };
  const handler = createPublishHandler({
    ...publishDeps,
    contentBucket: LOCAL_BUCKETS.content,
    hub: httpHubNotifier(),
  });
  rebuildQueue.connect({ work: createRebuildHandler(publishDeps), finish: handler });
  const newsletterDeps: NewsletterHandlerDeps = {
    newsletter,
    state,
    mailer: new OutboxMailer(new FsBlobStore(outboxDir), systemClock),
    signer: new TokenSigner(localSecret(options.dataDir)),
    clock: systemClock,
    log,
    currentSite: siteReader(content, { baseUrl }, log, systemClock),
    apiUrl,
  };
  newsletterApi = createNewsletterApiHandler(newsletterDeps);
  // Local mode has no SQS: the digest's jobs go to a list that this process drains.
  const localQueue = new MemoryDigestQueue();
  const digestHandler = createDigestHandler({ ...newsletterDeps, queue: localQueue });

  const ledger = new PublishLedger(join(options.dataDir, 'published.json'));
  const pending: { change: ObjectChange; etag?: string; attempts: number }[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  // The first sync's uploads are one batch, published once all are in: otherwise posts that arrive
  // before site.yaml on a fresh data folder are published without it, and fail.
  let initialSync = true;
  const flush = (): void => {
    flushTimer = undefined;
    // site.yaml first: its batch rebuilds everything, and posts need it (more than 100 uploads at
    // once are several batches).
    pending.sort((a, b) => Number(b.change.key === 'site.yaml') - Number(a.change.key === 'site.yaml'));
    while (pending.length > 0) {
      const batch = pending.splice(0, BATCH_SIZE);
      void queue.run(async () => {
        const event = sqsEventOf(
          batch.map((b) => b.change),
          new Date(),
        );
        let failed: Set<string>;
        if (previewing && started) schedulePreview();
        try {
          const response = (await handler(event)) as SQSBatchResponse;
          failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        } catch (error) {
          log.error('publish failed', { error: String(error) });
          failed = new Set(event.Records.map((r) => r.messageId));
        }
        event.Records.forEach((record, i) => {
          const item = batch[i];
          if (item !== undefined && !failed.has(record.messageId))
            ledger.record(item.change.key, item.change.removed ? undefined : item.etag);
          if (!failed.has(record.messageId) || item === undefined) return;
          if (item.attempts + 1 >= MAX_ATTEMPTS)
            log.error('gave up on a change after retries', { key: item.change.key });
          else schedule({ ...item, attempts: item.attempts + 1 });
        });
        ledger.save();
      });
    }
  };
  const schedule = (item: { change: ObjectChange; etag?: string; attempts: number }): void => {
    pending.push(item);
    if (!initialSync) flushTimer ??= setTimeout(flush, BATCH_WINDOW_MS);
  };
  s3.server.on('event', (event: S3rverEvent) => {
    for (const record of event.Records) {
      // Open pages reload when what they show was rewritten or removed.
      if (record.s3.bucket.name === LOCAL_BUCKETS.site && !previewing)
        liveReload.changed(record.s3.object.key);
      if (record.s3.bucket.name !== LOCAL_BUCKETS.content) continue;
      // s3rver sends keys as stored; sqsEventOf encodes them the way AWS does.
      const removed = record.eventName.startsWith('ObjectRemoved');
      const etag = record.s3.object.eTag;
      schedule({
        change: { bucket: LOCAL_BUCKETS.content, key: record.s3.object.key, removed },
        ...(etag ? { etag } : {}),
        attempts: 0,
      });
    }
  });

  // The digest as AWS runs it: the scheduler's event plans it, then each queued job arrives as an
  // SQS message at the same handler (one at a time, like reserved concurrency 1).
  const digest = (until?: Date): Promise<unknown> =>
    queue.run(async () => {
      const plan = await digestHandler({
        action: 'digest',
        ...(until ? { scheduledTime: until.toISOString() } : {}),
      });
      for (let next = localQueue.take(); next; next = localQueue.take()) {
        const response = (await digestHandler(sqsMessageEvent(JSON.stringify(next.job), 'herald-digest'), {
          getRemainingTimeInMillis: () => 900_000,
        })) as SQSBatchResponse;
        if (response.batchItemFailures.length > 0)
          log.error('a digest job failed; run herald digest again to finish it', {
            digestId: next.job.digestId,
          });
      }
      return plan;
    });
  // The schedule from site.yaml, checked on every tick. The first time, it starts from now rather
  // than mailing the past.
  const digestIfDue = async (): Promise<void> => {
    let siteConfig: Awaited<ReturnType<typeof loadSiteConfig>>;
    try {
      siteConfig = await loadSiteConfig(content);
    } catch {
      return; // the publish handler reports a bad site.yaml
    }
    if (!siteConfig.newsletter) return;
    const due = latestRunAtOrBefore(siteConfig.newsletter.schedule, new Date(), siteConfig.timezone);
    const state = await newsletter.readDigestState();
    if (state === undefined)
      await newsletter.writeDigestState({ lastUntil: due.toISOString(), lastDigestId: '' });
    else if (Date.parse(state.lastUntil) < due.getTime()) await digest(due);
  };
  // The preview is a full build of the content bucket, after the publish that the change caused
  // (the queue runs one job at a time); changes that arrive meanwhile share the next one.
  let previewQueued = false;
  let started = false;
  function schedulePreview(): void {
    const preview = options.preview;
    if (previewQueued || preview === undefined || previewStore === undefined) return;
    previewQueued = true;
    void queue.run(async () => {
      previewQueued = false;
      try {
        await buildSite(
          {
            content,
            output: previewStore,
            // Scheduled posts are shown by building as if their dates had all passed.
            clock: preview.future ? fixedClock(new Date('9999-12-31T00:00:00Z')) : systemClock,
            log: silentLogger,
          },
          { baseUrl: options.baseUrl ?? site.url },
          { ...preview, now: new Date().toISOString() },
        );
      } catch (error) {
        // A bad site.yaml or post is reported by the publish handler; only the rest is news here.
        if (!(error instanceof HeraldError)) log.error('preview failed', { error: String(error) });
      }
    });
  }
  const tick = async (): Promise<unknown> => {
    // Scheduled posts that come due leave the preview's [Scheduled] mark.
    if (previewing && started) schedulePreview();
    const report = await queue.run(() => handler(scheduledEvent()));
    await digestIfDue().catch((error: unknown) => log.error('digest failed', { error: String(error) }));
    // The publish use-case logs a tick only when it published something.
    if (options.verbose)
      log.info('tick', { processed: (report as { processed?: number } | undefined)?.processed ?? 0 });
    return report;
  };
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
  // What changed while nothing was listening (a kill, uploads to the data folder) is published
  // now, as AWS's queue would have kept it.
  if (ledger.existed) {
    const missed = await ledger.missed(new S3BlobStore(client, LOCAL_BUCKETS.content), LOCAL_BUCKETS.content);
    if (missed.length > MISSED_REBUILD_THRESHOLD) {
      // One full build costs about as much as a few dozen single-post publishes.
      log.info('rebuilding: many changes were made while local mode was not running', {
        changes: missed.length,
      });
      await queue.run(() => handler({ action: 'rebuild' }));
      for (const change of missed) ledger.record(change.key, change.removed ? undefined : change.etag);
      ledger.save();
    } else {
      for (const { etag, ...change } of missed) schedule({ change, ...(etag ? { etag } : {}), attempts: 0 });
      if (missed.length > 0)
        log.info('publishing changes made while local mode was not running', { changes: missed.length });
    }
  }
  const synced = await sync.syncAll();
  initialSync = false;
  flush();
  log.info('content synced', { uploaded: synced.uploaded.length, deleted: synced.deleted.length });
  // The sync's own events first (on a first run they build state), then what is due.
  await idle();
  // A digest that a killed local mode (or herald digest) left half sent is finished before anything
  // new: its jobs lived in that process's memory, where AWS's queue would have kept them.
  void queue
    .run(async () => {
      const siteConfig = await newsletterDeps.currentSite('the interrupted digest is not resumed');
      if (siteConfig?.newsletter === undefined) return;
      await finishLastDigest({ ...newsletterDeps, timer: newsletterDeps.clock }, siteConfig, { apiUrl });
    })
    .catch((error: unknown) => log.error('resuming an interrupted digest failed', { error: String(error) }));
  await tick();
  const ticker = setInterval(() => void tick(), (options.tickSeconds ?? 60) * 1000);

  const watcher = watchFolder(options.contentDir, sync, log, options.verbose ?? false);
  // The first preview is built after start-up, which it would otherwise lengthen by a full build.
  started = true;
  if (previewing) schedulePreview();

  return {
    siteUrl: site.url,
    s3Endpoint: s3.endpoint,
    apiUrl,
    outboxDir,
    digest,
    idle,
    async close() {
      clearInterval(ticker);
      watcher.close();
      await idle();
      liveReload.close();
      await new Promise((resolve) => site.server.close(resolve));
      await s3.close();
    },
  };
}

/** Watches the content folder; each change is synced after it settles. */
function watchFolder(folder: string, sync: ContentSync, log: Logger, verbose: boolean): FSWatcher {
  const timers = new Map<string, NodeJS.Timeout>();
  const settle = (key: string): void => {
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(async () => {
        timers.delete(key);
        try {
          const result = await sync.syncKey(key);
          if (verbose) log.info('synced', { key, result });
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

/** The newsletter secret of this data folder, made on first use and kept private to the user. */
function localSecret(dataDir: string): string {
  const file = join(dataDir, 'newsletter-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

function readBody(request: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Far more than any form: the API answers 413 to what gets through.
      if (size <= 100_000) chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
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
