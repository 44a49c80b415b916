import { createHash } from 'node:crypto';

/**
 * The entity tag S3 gives a simple upload: the MD5 of the bytes, in hex. Stores that keep no tags
 * of their own compute it, so conditional writes name versions the same way everywhere.
 * @param body - the object's bytes
 */
export function etagOf(body: Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}
