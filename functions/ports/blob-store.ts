/** What a store knows of one object besides its bytes. */
export interface BlobInfo {
  key: string;
  /** Bytes, when the store knows it without another request (S3 listings do; folders do not). */
  size?: number;
  /** Entity tag, when the store has one (S3: the MD5 of a simple upload, without quotes). */
  etag?: string;
}

/** Options for writing an object; web-facing stores pass them on as HTTP headers. */
export interface PutOptions {
  contentType?: string;
  cacheControl?: string;
  /** Write only if no object has the key (S3 `If-None-Match: *`); else {@link WriteConflict}. */
  ifNoneMatch?: '*';
  /** Write only if the object still has this entity tag (S3 `If-Match`); else {@link WriteConflict}. */
  ifMatch?: string;
}

/** An object read with the entity tag that a conditional write can name. */
export interface VersionedBlob {
  body: Uint8Array;
  etag: string;
}

/**
 * A conditional write lost: another writer created or changed the object first. The caller reads
 * again and decides anew (or leaves the work to the winner).
 */
export class WriteConflict extends Error {
  override name = 'WriteConflict';

  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`${key}: changed by another writer`, options);
  }
}

/**
 * A bucket of objects by key: the content bucket, the site bucket, private state. Implemented by
 * S3, the filesystem and memory. Keys use `/` and never start with one.
 */
export interface BlobStore {
  /** The object's bytes, or `undefined` when there is no such key. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The object's bytes and entity tag, for a conditional write that follows; `undefined` if none. */
  getVersioned(key: string): Promise<VersionedBlob | undefined>;
  /** @throws WriteConflict when `ifNoneMatch` or `ifMatch` does not hold */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
}
