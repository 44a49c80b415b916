import {
  type BlobInfo,
  type BlobStore,
  type PutOptions,
  type VersionedBlob,
  WriteConflict,
} from '../ports/blob-store.ts';
import { etagOf } from './etag.ts';

/** A stored object with the options it was written with, for assertions in tests. */
export interface MemoryBlob {
  body: Uint8Array;
  options: PutOptions;
}

/** A {@link BlobStore} in memory: for use-case tests and benchmarks. */
export class MemoryBlobStore implements BlobStore {
  readonly objects = new Map<string, MemoryBlob>();

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key)?.body;
  }

  async getVersioned(key: string): Promise<VersionedBlob | undefined> {
    const body = this.objects.get(key)?.body;
    return body === undefined ? undefined : { body, etag: etagOf(body) };
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    // Checked and written in one synchronous step: no other put can come between.
    const current = this.objects.get(key)?.body;
    if (options.ifNoneMatch === '*' && current !== undefined) throw new WriteConflict(key);
    if (options.ifMatch !== undefined && (current === undefined || etagOf(current) !== options.ifMatch))
      throw new WriteConflict(key);
    this.objects.set(key, {
      body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
      options,
    });
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const key of keys) yield { key, size: this.objects.get(key)?.body.byteLength ?? 0 };
  }

  /** The object's body as text, or undefined. */
  text(key: string): string | undefined {
    const blob = this.objects.get(key);
    return blob === undefined ? undefined : new TextDecoder().decode(blob.body);
  }
}
