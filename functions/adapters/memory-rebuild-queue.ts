import type { RebuildFinish, RebuildMessage, RebuildQueue, RebuildWork } from '../ports/rebuild-queue.ts';

/**
 * Rebuild messages in a list, in the order sent: for tests and the CLI, where whoever holds the
 * queue takes the messages and runs them.
 */
export class MemoryRebuildQueue implements RebuildQueue {
  readonly messages: RebuildMessage[] = [];

  async sendWork(messages: readonly RebuildWork[]): Promise<void> {
    this.messages.push(...messages);
  }

  async sendFinish(message: RebuildFinish): Promise<void> {
    this.messages.push(message);
  }

  /** Takes the next message, if any. */
  take(): RebuildMessage | undefined {
    return this.messages.shift();
  }
}
