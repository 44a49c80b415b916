import { createHash, hash } from 'node:crypto';

/** A short, stable hash of any JSON-serialisable value: signatures of feeds, pages and configuration. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}

/**
 * A file's fingerprint as a number (48 bits of its SHA-1): tells whether a file read twice in one
 * build is the same both times, and costs 8 bytes to remember per file.
 */
export function fileDigest(bytes: Uint8Array): number {
  return hash('sha1', bytes, 'buffer').readUIntBE(0, 6);
}
