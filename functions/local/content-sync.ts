import { createHash } from 'node:crypto';
import { type Dirent, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { BlobStore } from '../ports/blob-store.ts';

/** Editor droppings and hidden files never reach the bucket. */
function ignored(key: string): boolean {
  return key.split('/').some((part) => part.startsWith('.')) || /(~|\.swp|\.swx|\.tmp)$/.test(key);
}

/**
 * Mirrors a content folder into the content bucket, uploading only files whose bytes changed, so
 * that each edit produces exactly the object events an author's upload would.
 *
 * A manifest remembers what came from the folder: a file deleted while Herald was stopped is
 * deleted from the bucket at the next start, but objects that other clients uploaded (an author's
 * `aws s3 cp`) are never touched.
 */
export class ContentSync {
  /** MD5 of every key uploaded from the folder. */
  private readonly synced: Map<string, string>;

  constructor(
    readonly folder: string,
    private readonly bucket: BlobStore,
    private readonly manifestPath: string,
  ) {
    this.synced = new Map(Object.entries(readManifest(manifestPath)));
  }

  /**
   * Makes the bucket match the folder: uploads new and changed files, deletes what the folder lost.
   * @returns the keys uploaded and deleted
   */
  async syncAll(): Promise<{ uploaded: string[]; deleted: string[] }> {
    const inBucket = new Map<string, string | undefined>();
    for await (const info of this.bucket.list('')) inBucket.set(info.key, info.etag);
    const local = this.localKeys();
    const uploaded: string[] = [];
    for (const key of local) {
      const md5 = md5Of(readFileSync(join(this.folder, ...key.split('/'))));
      if (inBucket.get(key) === md5) this.synced.set(key, md5);
      else if ((await this.syncKey(key)) === 'uploaded') uploaded.push(key);
    }
    const deleted: string[] = [];
    const localSet = new Set(local);
    for (const [key, md5] of [...this.synced]) {
      if (localSet.has(key)) continue;
      this.synced.delete(key);
      // Deleted from the folder while Herald was stopped, and not replaced by another client since.
      if (inBucket.get(key) === md5) {
        await this.bucket.delete(key);
        deleted.push(key);
      }
    }
    this.saveManifest();
    return { uploaded, deleted };
  }

  /** Brings one key in line with the folder: upload, delete, or nothing when unchanged. */
  async syncKey(key: string): Promise<'uploaded' | 'deleted' | 'unchanged'> {
    if (ignored(key)) return 'unchanged';
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(this.folder, ...key.split('/')));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EISDIR') return 'unchanged';
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      if (!this.synced.has(key)) return 'unchanged';
      await this.bucket.delete(key);
      this.synced.delete(key);
      this.saveManifest();
      return 'deleted';
    }
    const md5 = md5Of(bytes);
    if (this.synced.get(key) === md5) return 'unchanged';
    await this.bucket.put(key, bytes);
    this.synced.set(key, md5);
    this.saveManifest();
    return 'uploaded';
  }

  /** Keys synced from under a folder prefix: a deleted folder's files each need a delete. */
  keysUnder(prefix: string): string[] {
    return [...this.synced.keys()].filter((key) => key.startsWith(prefix));
  }

  private saveManifest(): void {
    mkdirSync(dirname(this.manifestPath), { recursive: true });
    writeFileSync(this.manifestPath, JSON.stringify(Object.fromEntries(this.synced)));
  }

  private localKeys(): string[] {
    let entries: Dirent[];
    try {
      entries = readdirSync(this.folder, { recursive: true, withFileTypes: true });
    } catch {
      return [];
    }
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) =>
        relative(this.folder, join(entry.parentPath ?? entry.path, entry.name))
          .split(sep)
          .join('/'),
      )
      .filter((key) => !ignored(key))
      .sort();
  }
}

function md5Of(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

function readManifest(path: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}
