import { type Dirent, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import {
  type BlobInfo,
  type BlobStore,
  type PutOptions,
  type VersionedBlob,
  WriteConflict,
} from '../ports/blob-store.ts';
import { etagOf } from './etag.ts';

/**
 * A {@link BlobStore} over a folder: `content/` as the content bucket, `public/` as the site bucket.
 * Writes go to a temporary file first and are renamed into place, so a reader never sees half a feed.
 *
 * Listings give no sizes (a stat per file doubles the cost of listing 10,000 posts, and no caller
 * needs them). Reads, listings and unconditional writes are synchronous on purpose: posts and pages
 * are small, and for 10,000 of them the thread-pool round trips of the async API (open, fstat, read,
 * close each; mkdir, open, write, close, rename per write) cost more than the reads and writes. Each
 * round trip wakes a pool thread and then the event loop: with 14,000 files written that was about
 * 60,000 futex calls and much of a whole-site build's system time.
 */
export class FsBlobStore implements BlobStore {
  readonly root: string;
  /**
   * Folders known to exist: a full build writes 12,000 pages into a few thousand folders, and a
   * recursive mkdir per file was a tenth of its time. A folder removed behind our back is recreated
   * when a write into it fails.
   */
  private readonly folders = new Set<string>();

  constructor(root: string) {
    this.root = resolve(root);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return readFileSync(this.pathOf(key));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async getVersioned(key: string): Promise<VersionedBlob | undefined> {
    const body = await this.get(key);
    return body === undefined ? undefined : { body, etag: etagOf(body) };
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const path = this.pathOf(key);
    const folder = dirname(path);
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    if (!this.folders.has(folder)) this.makeFolder(folder);
    try {
      writeFileSync(temporary, body);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.makeFolder(folder);
      writeFileSync(temporary, body);
    }
    if (options.ifNoneMatch === undefined && options.ifMatch === undefined) {
      renameSync(temporary, path);
      return;
    }
    try {
      await withKeyLock(path, async () => {
        const current = await this.get(key);
        const holds =
          options.ifNoneMatch === '*'
            ? current === undefined
            : current !== undefined && etagOf(current) === options.ifMatch;
        if (!holds) throw new WriteConflict(key);
        await rename(temporary, path);
      });
    } finally {
      await rm(temporary, { force: true });
    }
  }

  private makeFolder(folder: string): void {
    mkdirSync(folder, { recursive: true });
    this.folders.add(folder);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    // Walk only the deepest folder the prefix names, then filter by the rest of it.
    const folder = join(this.root, prefix.slice(0, prefix.lastIndexOf('/') + 1));
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw error;
    }
    const found: BlobInfo[] = [];
    // Keys by string slicing: path.join and path.relative per file cost more than the listing.
    const rootLength = this.root.length + 1;
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith('.tmp')) continue;
      const parent = (entry.parentPath ?? entry.path).slice(rootLength).replace(/[\\/]+$/, '');
      const key = `${parent === '' ? '' : `${sep === '/' ? parent : parent.split(sep).join('/')}/`}${entry.name}`;
      if (key.startsWith(prefix) && !key.split('/').some((part) => part.startsWith('.'))) found.push({ key });
    }
    yield* found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private pathOf(key: string): string {
    if (key === '' || key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.')) {
      throw new Error(`invalid key "${key}": keys are relative paths without . or .. segments`);
    }
    return join(this.root, ...key.split('/'));
  }
}

// A lock held longer than this was left by a process that died holding it.
const STALE_LOCK_MS = 10_000;

/**
 * Runs `work` while holding a lock on one file, across processes: creating a folder is atomic, so
 * exactly one writer makes `<path>.lock` and the others wait for it to go.
 */
async function withKeyLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await rmdir(lock).catch(() => undefined);
      else await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** attempt, 50)));
    }
  }
  try {
    return await work();
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EISDIR';
}
