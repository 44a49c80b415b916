import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { BlobInfo, BlobStore, PutOptions } from '../ports/blob-store.ts';

/**
 * A {@link BlobStore} over a folder: `content/` as the content bucket, `public/` as the site bucket.
 * Writes go to a temporary file first and are renamed into place, so a reader never sees half a feed.
 *
 * Listings give no sizes (a stat per file doubles the cost of listing 10,000 posts, and no caller
 * needs them). Reads and listings are synchronous on purpose: posts are small, and for 10,000 of them the
 * thread-pool round trips of the async API (open, fstat, read, close each) cost more than the reads.
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

  async put(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<void> {
    const path = this.pathOf(key);
    const folder = dirname(path);
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    if (!this.folders.has(folder)) await this.makeFolder(folder);
    try {
      await writeFile(temporary, body);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await this.makeFolder(folder);
      await writeFile(temporary, body);
    }
    await rename(temporary, path);
  }

  private async makeFolder(folder: string): Promise<void> {
    await mkdir(folder, { recursive: true });
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

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EISDIR';
}
