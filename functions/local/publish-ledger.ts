import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { BlobStore } from '../ports/blob-store.ts';
import type { ObjectChange } from './sqs-envelope.ts';

/**
 * What local mode has published: each content key with the ETag of the version the publish
 * handler accepted, kept in a file. In AWS a change that arrives while nothing runs waits in SQS;
 * local mode's pending changes live in memory, so a kill lost them (92% of a 200-upload burst
 * stayed unpublished until a manual rebuild). On start, the bucket is compared with this ledger
 * and whatever differs is published, as the queue would have delivered it.
 */
export class PublishLedger {
  private readonly published: Map<string, string>;
  /** False on a first start: nothing was published yet, and the sync's own events build the site. */
  readonly existed: boolean;

  constructor(private readonly file: string) {
    this.existed = existsSync(file);
    this.published = new Map(
      this.existed ? Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : [],
    );
  }

  /** Notes that a change was published: the version with `etag`, or the key's removal. */
  record(key: string, etag: string | undefined): void {
    if (etag === undefined) this.published.delete(key);
    else this.published.set(key, etag);
  }

  /** Writes the ledger to its file, atomically (a kill leaves the old or the new one). */
  save(): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(Object.fromEntries(this.published)));
    renameSync(temporary, this.file);
  }

  /**
   * The changes of the content bucket that were never published: objects that are new or differ
   * from the version published, and published keys whose object is gone.
   * @param content - the content bucket
   * @param bucket - its name, for the changes
   */
  async missed(content: BlobStore, bucket: string): Promise<(ObjectChange & { etag?: string })[]> {
    const changes: (ObjectChange & { etag?: string })[] = [];
    const present = new Set<string>();
    for await (const info of content.list('')) {
      present.add(info.key);
      if (info.etag === undefined || this.published.get(info.key) !== info.etag)
        changes.push({ bucket, key: info.key, removed: false, ...(info.etag ? { etag: info.etag } : {}) });
    }
    for (const key of this.published.keys())
      if (!present.has(key)) changes.push({ bucket, key, removed: true });
    return changes;
  }
}
