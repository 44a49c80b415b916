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

  /** Resolves when every job queued so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
