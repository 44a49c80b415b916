/**
 * Runs jobs one at a time, in order: local mode's stand-in for the publish function's reserved
 * concurrency of one, so two batches never race to write the index.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Queues a job; resolves or rejects with its result once every earlier job has finished. */
  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when every job has finished, jobs queued by jobs (a rebuild's steps) too. */
  async idle(): Promise<void> {
    for (let tail = this.tail; ; tail = this.tail) {
      await tail;
      if (tail === this.tail) return;
    }
  }
}
