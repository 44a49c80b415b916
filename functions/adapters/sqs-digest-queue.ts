import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DigestJob, DigestQueue } from '../ports/digest-queue.ts';

/** Digest jobs as SQS messages, ten to a request (SQS's batch limit). */
export class SqsDigestQueue implements DigestQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(jobs: readonly DigestJob[], delaySeconds = 0): Promise<void> {
    for (let i = 0; i < jobs.length; i += 10) {
      const batch = jobs.slice(i, i + 10);
      const result = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((job, n) => ({
            Id: String(n),
            MessageBody: JSON.stringify(job),
            DelaySeconds: Math.min(900, Math.max(0, Math.round(delaySeconds))),
          })),
        }),
      );
      if (result.Failed && result.Failed.length > 0)
        throw new Error(
          `SQS refused ${result.Failed.length} digest job(s): ${result.Failed[0]?.Message ?? 'unknown reason'}`,
        );
    }
  }
}
