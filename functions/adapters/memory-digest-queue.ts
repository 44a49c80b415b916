import type { DigestJob, DigestQueue } from '../ports/digest-queue.ts';

/** Jobs in a list, for local mode and tests: whoever holds the queue drains it. */
export class MemoryDigestQueue implements DigestQueue {
  readonly jobs: { job: DigestJob; delaySeconds: number }[] = [];

  async enqueue(jobs: readonly DigestJob[], delaySeconds = 0): Promise<void> {
    for (const job of jobs) this.jobs.push({ job, delaySeconds });
  }

  /** Takes the next job, if any. */
  take(): { job: DigestJob; delaySeconds: number } | undefined {
    return this.jobs.shift();
  }
}
