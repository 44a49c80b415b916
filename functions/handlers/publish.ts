// The publish Lambda: S3 notifications arrive through SQS in batches; a schedule sends the tick;
// an operator sends { "action": "rebuild" }. One batch, one publish run.
import type { ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { systemClock } from '../adapters/clocks.ts';
import { httpHubNotifier } from '../adapters/http-hub-notifier.ts';
import { jsonLogger, textLogger } from '../adapters/loggers.ts';
import { createS3Client, S3BlobStore } from '../adapters/s3-blob-store.ts';
import {
  type PublishDeps,
  type PublishReport,
  publishChanges,
  publishDue,
  rebuildSite,
} from '../app/publish-site.ts';
import { loadFunctionConfig } from '../config/function-config.ts';
import { ConfigError } from '../core/errors.ts';
import { changedKeys } from './s3-events.ts';

// Built once per container: a missing variable fails the cold start, not an event.
const config = loadFunctionConfig(process.env);
const s3 = createS3Client(config.s3Endpoint);
const log = config.logFormat === 'text' ? textLogger() : jsonLogger();
const deps: PublishDeps = {
  content: new S3BlobStore(s3, config.contentBucket),
  site: new S3BlobStore(s3, config.siteBucket),
  state: new S3BlobStore(s3, config.stateBucket),
  clock: systemClock,
  log,
  hub: httpHubNotifier(),
  overrides: {
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
    ...(config.subscribeUrl ? { subscribeUrl: config.subscribeUrl } : {}),
  },
};

/** An operator's request to rebuild state and every feed from the content bucket. */
export interface RebuildEvent {
  action: 'rebuild';
}

export type PublishEvent = SQSEvent | ScheduledEvent | RebuildEvent;

/**
 * Publishes changes named by S3 notifications, scheduled posts on the tick, or everything on a
 * rebuild. Infrastructure failures fail the whole SQS batch, so SQS retries it and finally moves it
 * to the dead-letter queue; publishing is idempotent, so a retry is safe.
 */
export async function handler(event: PublishEvent): Promise<SQSBatchResponse | PublishReport | undefined> {
  if ('action' in event && event.action === 'rebuild') return run(() => rebuildSite(deps));
  if ('Records' in event) {
    const { keys, unreadable } = changedKeys(event, config.contentBucket);
    for (const id of unreadable) log.error('unreadable message', { messageId: id });
    const failures = new Set(unreadable);
    try {
      if (keys.length > 0) await run(() => publishChanges(deps, keys));
    } catch (error) {
      log.error('publish failed; the batch will be retried', { error: String(error), keys });
      for (const message of event.Records) failures.add(message.messageId);
    }
    return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
  }
  return run(() => publishDue(deps));
}

/** Runs a use-case; a bad site.yaml is the author's to fix, so it is logged, not retried. */
async function run(useCase: () => Promise<PublishReport>): Promise<PublishReport | undefined> {
  try {
    // Posts that failed were logged by the use-case, one line each with key, field and reason.
    return await useCase();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.error('site configuration invalid; nothing was changed', {
      key: error.file,
      field: error.field,
      reason: error.reason,
    });
    return undefined;
  }
}
