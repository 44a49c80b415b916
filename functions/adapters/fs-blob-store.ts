import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { BlobInfo, BlobStore, PutOptions } from '../ports/blob-store.ts';

/**
 * A {@link BlobStore} over a folder: `content/` as the content bucket, `public/` as the site bucket.
 * Writes go to a temporary file first and are renamed into place, so a reader never sees half a feed.
 */
export class FsBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, body);
    await rename(temporary, path);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    // Walk only the deepest folder the prefix names, then filter by the rest of it.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    const entries = await this.walk(join(this.root, folder));
    const keys = entries
      .map(({ path, size }) => ({ key: relative(this.root, path).split(sep).join('/'), size }))
      .filter(({ key }) => key.startsWith(prefix) && !key.endsWith('.tmp'))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* keys;
  }

  private async walk(folder: string): Promise<{ path: string; size: number }[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw error;
    }
    const found: { path: string; size: number }[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) found.push(...(await this.walk(path)));
      else if (entry.isFile()) found.push({ path, size: (await stat(path)).size });
    }
    return found;
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
