import type { BlobInfo, BlobStore, PutOptions, VersionedBlob } from '../ports/blob-store.ts';

/**
 * The folder a local preview with drafts or scheduled posts is built into: a store of its own,
 * never the site bucket. It tells live reload of each object whose bytes changed; a full build
 * rewrites every file, and only the changed ones should reload a page.
 */
export class PreviewStore implements BlobStore {
  constructor(
    private readonly store: BlobStore,
    private readonly changed: (key: string) => void,
  ) {}

  get(key: string): Promise<Uint8Array | undefined> {
    return this.store.get(key);
  }

  getVersioned(key: string): Promise<VersionedBlob | undefined> {
    return this.store.getVersioned(key);
  }

  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const before = await this.store.get(key);
    if (before !== undefined && Buffer.from(before).equals(Buffer.from(bytes))) return;
    await this.store.put(key, bytes, options);
    this.changed(key);
  }

  async delete(key: string): Promise<void> {
    await this.store.delete(key);
    this.changed(key);
  }

  list(prefix: string): AsyncIterable<BlobInfo> {
    return this.store.list(prefix);
  }
}
