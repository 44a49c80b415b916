// The digest function's logic: EventBridge Scheduler invokes it at digest time ({ "action": "digest" });
// SQS hands it sender jobs one at a time (reserved concurrency 1 keeps sends within SES's rate).
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type DigestPlan, planDigest } from '../app/newsletter/plan-digest.ts';
import { sendDigestJob } from '../app/newsletter/send-digest.ts';
import { ConfigError } from '../core/errors.ts';
import type { DigestJob, DigestQueue } from '../ports/digest-queue.ts';
import type { NewsletterHandlerDeps } from './newsletter-handler-deps.ts';

/** The scheduler's payload; `scheduledTime` is `<aws.scheduler.scheduled-time>`. */
export interface DigestEvent {
  action: 'digest';
  scheduledTime?: string;
}

export type DigestHandler = (
  event: DigestEvent | SQSEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<DigestPlan | SQSBatchResponse | undefined>;

/**
 * The digest handler over the given dependencies: it plans a digest, or sends the jobs in an SQS
 * batch. A failed job is reported as a partial batch failure: SQS retries it, and the markers
 * written before each send stop any repeat.
 * @param deps - with the queue sender jobs go to (SQS in AWS, a list in local mode)
 */
export function createDigestHandler(deps: NewsletterHandlerDeps & { queue: DigestQueue }): DigestHandler {
  const { newsletter, state, queue, mailer, signer, clock, log } = deps;
  return async (event, context) => {
    const site = await deps.currentSite('no digest');
    if (site === undefined) return undefined;
    if ('action' in event) {
      const until = event.scheduledTime ? new Date(event.scheduledTime) : undefined;
      return planDigest(
        { newsletter, state, queue, clock, log },
        site,
        until && !Number.isNaN(until.getTime()) ? { until } : {},
      );
    }
    const apiUrl = deps.apiUrl;
    if (apiUrl === undefined)
      throw new ConfigError(
        'environment',
        'HERALD_API_URL',
        'is not set: digests need it for unsubscribe links',
      );
    const failures: string[] = [];
    for (const record of event.Records) {
      let job: DigestJob;
      try {
        job = JSON.parse(record.body) as DigestJob;
        if (typeof job.digestId !== 'string' || !Array.isArray(job.subscriberIds))
          throw new Error('not a digest job');
      } catch (error) {
        log.error('unreadable digest job dropped', { messageId: record.messageId, error: String(error) });
        continue;
      }
      try {
        // The use-case logs its own report.
        await sendDigestJob({ newsletter, mailer, signer, queue, timer: clock, log }, site, job, {
          apiUrl,
          ...(context ? { remainingMs: () => context.getRemainingTimeInMillis() } : {}),
        });
      } catch (error) {
        log.error('digest job failed; SQS will retry it', {
          messageId: record.messageId,
          error: String(error),
        });
        failures.push(record.messageId);
      }
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
