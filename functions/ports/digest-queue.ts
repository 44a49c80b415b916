/** A slice of one digest's recipients, sent by one invocation of the sender. */
export interface DigestJob {
  digestId: string;
  subscriberIds: string[];
}

/** Where digest jobs wait for the sender: SQS in AWS, a list in local mode and tests. */
export interface DigestQueue {
  /**
   * @param delaySeconds - hold the jobs back (at most 900), e.g. until the day's quota frees up
   */
  enqueue(jobs: readonly DigestJob[], delaySeconds?: number): Promise<void>;
}
