import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RebuildFinish, RebuildMessage, RebuildQueue, RebuildWork } from '../ports/rebuild-queue.ts';

/**
 * A rebuild's messages as SQS messages, ten to a request (SQS's batch limit): shard work to the
 * rebuild queue, the final step to the publish queue (whose function runs one at a time).
 */
export class SqsRebuildQueue implements RebuildQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queues: { work: string; finish: string },
  ) {}

  sendWork(messages: readonly RebuildWork[]): Promise<void> {
    return this.send(this.queues.work, messages);
  }

  sendFinish(message: RebuildFinish): Promise<void> {
    return this.send(this.queues.finish, [message]);
  }

  private async send(queueUrl: string, messages: readonly RebuildMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      const result = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((message, n) => ({ Id: String(n), MessageBody: JSON.stringify(message) })),
        }),
      );
      if (result.Failed && result.Failed.length > 0)
        throw new Error(
          `SQS refused ${result.Failed.length} rebuild message(s): ${result.Failed[0]?.Message ?? 'unknown reason'}`,
        );
    }
  }
}
