// The publish function's logic, given its dependencies: S3 notifications arrive through SQS in
// batches; a schedule sends the tick; an operator sends { "action": "rebuild" }; a fan-out
// rebuild's final step arrives on the same queue, so that it too runs alone. One batch, one run.
import type { ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  type PublishDeps,
  type PublishReport,
  publishChanges,
  publishDue,
  rebuildSite,
} from '../app/publish-site.ts';
import { finishRebuild } from '../app/rebuild/finish-rebuild.ts';
import { startRebuild } from '../app/rebuild/plan-rebuild.ts';
import { ConfigError } from '../core/errors.ts';
import { parseRebuildMessage } from './rebuild-message.ts';
import { changedKeys } from './s3-events.ts';

/**
 * An operator's request to rebuild state and every feed from the content bucket. With a rebuild
 * queue it fans out, or resumes the fan-out under way (sending its missing work again).
 */
export interface RebuildEvent {
  action: 'rebuild';
}

export type PublishEvent = SQSEvent | ScheduledEvent | RebuildEvent;

/** What the publish handler needs: the use-cases' ports and the name of the content bucket. */
export interface PublishHandlerDeps extends PublishDeps {
  /** Notifications of other buckets are ignored. */
  contentBucket: string;
}

export type PublishHandler = (event: PublishEvent) => Promise<SQSBatchResponse | PublishReport | undefined>;

/**
 * The publish handler over the given dependencies (the Lambda builds them from its environment;
 * local mode and tests pass their own).
 *
 * It publishes changes named by S3 notifications, scheduled posts on the tick, or everything on a
 * rebuild. Infrastructure failures fail the whole SQS batch, so SQS retries it and finally moves it
 * to the dead-letter queue; publishing is idempotent, so a retry is safe.
 */
export function createPublishHandler(deps: PublishHandlerDeps): PublishHandler {
  const { log } = deps;

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

  const { rebuild } = deps;
  return async (event) => {
    if ('action' in event && event.action === 'rebuild')
      return run(() => (rebuild ? startRebuild({ ...deps, rebuild }) : rebuildSite(deps)));
    if ('Records' in event) {
      // A fan-out rebuild's final step comes on this queue so that it runs alone, as every publish
      // run does; notifications in the same batch are published after it.
      const notifications: SQSEvent['Records'] = [];
      const failures = new Set<string>();
      for (const message of event.Records) {
        const step = parseRebuildMessage(message.body);
        if (step?.step !== 'finish') {
          notifications.push(message);
          continue;
        }
        try {
          if (rebuild === undefined)
            throw new Error('a rebuild step arrived but no rebuild queue is configured');
          await run(async () => (await finishRebuild({ ...deps, rebuild }, step)) ?? emptyReport());
        } catch (error) {
          log.error('rebuild final step failed; it will be retried', {
            error: String(error),
            rebuild: step.rebuild,
          });
          failures.add(message.messageId);
        }
      }
      const { keys, unreadable } = changedKeys({ Records: notifications }, deps.contentBucket);
      for (const id of unreadable) log.error('unreadable message', { messageId: id });
      for (const id of unreadable) failures.add(id);
      try {
        if (keys.length > 0) await run(() => publishChanges(deps, keys));
      } catch (error) {
        log.error('publish failed; the batch will be retried', { error: String(error), keys });
        for (const message of notifications) failures.add(message.messageId);
      }
      return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
    }
    return run(() => publishDue(deps));
  };
}

function emptyReport(): PublishReport {
  return { rebuilt: false, processed: 0, regenerated: [], removed: [], pages: [], failed: [] };
}
