import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Logger } from '../ports/logger.ts';
import type { RebuildFinish, RebuildMessage, RebuildQueue, RebuildWork } from '../ports/rebuild-queue.ts';
import type { SerialQueue } from './serial-queue.ts';
import { sqsMessageEvent } from './sqs-envelope.ts';

/** Tries of a step before it is given up, as SQS would move it to the dead-letter queue. */
const MAX_ATTEMPTS = 3;

/** The functions SQS would invoke with a rebuild's messages. */
export interface RebuildConsumers {
  /** The rebuild function: shard work. */
  work: (event: SQSEvent) => Promise<unknown>;
  /** The publish function: the final step. */
  finish: (event: SQSEvent) => Promise<unknown>;
}

/**
 * Local mode's rebuild queue: each message is wrapped as SQS delivers it and handed to the same
 * handler as in AWS, through local mode's serial queue, so a rebuild's steps take turns with
 * publish runs (locally there is one machine to share; the order of steps is what AWS gives).
 * A step that fails is tried again, then given up with a line saying how to resume.
 */
export class LocalRebuildQueue implements RebuildQueue {
  private consumers: RebuildConsumers | undefined;

  constructor(
    private readonly serial: SerialQueue,
    private readonly log: Logger,
  ) {}

  /** Names the handlers (composed after this queue, which they are given). */
  connect(consumers: RebuildConsumers): void {
    this.consumers = consumers;
  }

  async sendWork(messages: readonly RebuildWork[]): Promise<void> {
    for (const message of messages) this.deliver(message, 1);
  }

  async sendFinish(message: RebuildFinish): Promise<void> {
    this.deliver(message, 1);
  }

  private deliver(message: RebuildMessage, attempt: number): void {
    void this.serial.run(async () => {
      const consumers = this.consumers;
      if (consumers === undefined) throw new Error('internal: the local rebuild queue has no handlers');
      const event = sqsMessageEvent(JSON.stringify(message), 'herald-rebuild');
      let failed: boolean;
      try {
        const response = (await (message.step === 'finish' ? consumers.finish : consumers.work)(
          event,
        )) as SQSBatchResponse;
        failed = response.batchItemFailures.length > 0;
      } catch (error) {
        this.log.error('rebuild step failed', { error: String(error), ...message });
        failed = true;
      }
      if (!failed) return;
      if (attempt < MAX_ATTEMPTS) this.deliver(message, attempt + 1);
      else
        this.log.error('a rebuild step failed after retries; run herald rebuild to resume the rebuild', {
          ...message,
        });
    });
  }
}
