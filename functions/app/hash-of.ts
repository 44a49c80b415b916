import { createHash } from 'node:crypto';

/** A short, stable hash of any JSON-serialisable value: signatures of feeds, pages and configuration. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}
