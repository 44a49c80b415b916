// The rebuild function's logic, given its dependencies: one shard of a fan-out rebuild (reading,
// the catalogue, rendering) per SQS message. Many instances run at once; each step is safe to run
// twice, so SQS's retries and duplicates are harmless.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { FanOutDeps } from '../app/rebuild/plan-rebuild.ts';
import { runRebuildWork } from '../app/rebuild/rebuild-shards.ts';
import { ConfigError } from '../core/errors.ts';
import { parseRebuildMessage } from './rebuild-message.ts';

export type RebuildHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * The rebuild handler over the given dependencies (the Lambda builds them from its environment;
 * local mode and tests pass their own). A step that fails is reported as a batch item failure, so
 * SQS delivers it again and finally moves it to the dead-letter queue; an invalid site.yaml ends
 * the rebuild instead (the publish function reports it on the next upload).
 */
export function createRebuildHandler(deps: FanOutDeps): RebuildHandler {
  const { log } = deps;
  return async (event) => {
    const failures: string[] = [];
    for (const message of event.Records) {
      const work = parseRebuildMessage(message.body);
      if (work === undefined || work.step === 'finish') {
        log.error('unreadable message', { messageId: message.messageId });
        failures.push(message.messageId);
        continue;
      }
      try {
        await runRebuildWork(deps, work);
      } catch (error) {
        if (error instanceof ConfigError) {
          log.error('site configuration invalid; rebuild abandoned', {
            key: error.file,
            field: error.field,
            reason: error.reason,
          });
          continue;
        }
        log.error('rebuild step failed; it will be retried', { error: String(error), ...work });
        failures.push(message.messageId);
      }
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
