import type { RebuildMessage } from '../ports/rebuild-queue.ts';

/**
 * Reads a rebuild message from an SQS body: the rebuild function gets shard work, the publish
 * function the final step beside S3 notifications.
 * @returns undefined when the body is not one (an S3 notification, say)
 */
export function parseRebuildMessage(body: string): RebuildMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { rebuild, step, shard } = value as Record<string, unknown>;
  if (typeof rebuild !== 'string' || !/^[0-9A-Za-z-]{1,64}$/.test(rebuild)) return undefined;
  if (step === 'catalogue' || step === 'finish') return { rebuild, step };
  if (
    (step === 'read' || step === 'render' || step === 'lists') &&
    Number.isSafeInteger(shard) &&
    (shard as number) >= 0
  )
    return { rebuild, step, shard: shard as number };
  return undefined;
}
