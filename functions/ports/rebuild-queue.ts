/**
 * Work of a fan-out rebuild that parallel invocations take: reading a shard of posts (front matter
 * only), deciding what is published (the catalogue, once all shards are read), rendering a shard
 * (records and post pages), writing a share of the list pages (once all shards are rendered). Each
 * names the rebuild it belongs to, so a message of a finished or abandoned rebuild does nothing.
 */
export type RebuildWork =
  | { rebuild: string; step: 'read'; shard: number }
  | { rebuild: string; step: 'catalogue' }
  | { rebuild: string; step: 'render'; shard: number }
  | { rebuild: string; step: 'lists'; shard: number };

/** The final step of a rebuild: the index, feeds and site-wide pages switch to the rebuilt site. */
export interface RebuildFinish {
  rebuild: string;
  step: 'finish';
}

export type RebuildMessage = RebuildWork | RebuildFinish;

/**
 * Where a rebuild's messages wait: SQS in AWS (shard work to the rebuild function, which runs many
 * at once; the final step to the publish queue, where runs are serialised), an in-process queue in
 * local mode and tests. Delivery is at least once: every step is safe to run twice.
 */
export interface RebuildQueue {
  /** Shard work and the catalogue, for parallel invocations. */
  sendWork(messages: readonly RebuildWork[]): Promise<void>;
  /** The final step, for the publish function (one run at a time). */
  sendFinish(message: RebuildFinish): Promise<void>;
}
