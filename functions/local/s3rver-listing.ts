import type { Dirent } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type S3rver from 's3rver';

// s3rver answers each page of a listing by walking the bucket's folder from its start, with a
// synchronous stat of every file: a page of a 100,000-object bucket blocks the whole server for
// seconds, and listing it all costs the square of its size (the plan step of a 100,000-post rebuild
// spent most of its 146 s on it). It also lists in folder order, which is not S3's: S3 lists keys in
// the order of their UTF-8 bytes ("a.b" before "a/b"). Here a page walks only the folders that can
// hold keys after the last page's, in key order, and a large folder's sorted entries are kept until
// a write changes them.

const OBJECT_SUFFIX = '._S3rver_object';
const RESERVED = '._S3rver_';
/** Folders with fewer entries are read again for each page: cheap, and nothing to keep. */
const CACHED_FROM = 256;
/** Large folders kept at most (a site has a few: posts, records, tags). */
const CACHED_FOLDERS = 64;

/** A folder entry that holds keys: an object, or a folder of keys that start with `prefix`. */
interface Entry {
  name: string;
  /** The object's key, or the folder's keys' common start (ending in "/"). */
  key: string;
  /** `key` as UTF-8, the order S3 lists in. */
  bytes: Buffer;
  folder: boolean;
}

/** The part of s3rver's filesystem store that listing uses and changes. */
interface ListingStore {
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string, resource: string): string;
  getMetadata(bucket: string, key: string): Promise<unknown>;
  listObjects(bucket: string, options: ListOptions): Promise<ListResult>;
  deleteObject(bucket: string, key: string): Promise<void>;
  copyObject(...args: [string, string, string, string, unknown]): Promise<unknown>;
  deleteBucket(bucket: string): Promise<void>;
  reset(): void;
}

interface ListOptions {
  delimiter?: string;
  startAfter?: string;
  prefix?: string;
  maxKeys?: number;
}

interface ListResult {
  objects: unknown[];
  commonPrefixes: string[];
  isTruncated: boolean;
}

/**
 * The sorted entries of the store's folders: a large folder's are kept until a write changes the
 * folder. One server serves a data folder (see store-lock.ts), so every change passes through here.
 */
export class FolderListings {
  private readonly kept = new Map<string, { entries: Entry[]; names: Set<string> }>();
  private readonly generations = new Map<string, number>();

  /** Says that entries of `folder` came, went or changed: its kept entries are dropped. */
  changed(folder: string): void {
    this.generations.set(folder, (this.generations.get(folder) ?? 0) + 1);
    this.kept.delete(folder);
  }

  /**
   * Says that the file `name` of `folder` was written: a change unless it was there already (an
   * object written again lists the same).
   */
  written(folder: string, name: string): void {
    if (this.kept.get(folder)?.names.has(name) !== true) this.changed(folder);
  }

  /** Says that anything may have changed (a bucket removed, the store reset). */
  changedAll(): void {
    for (const folder of [...this.kept.keys(), ...this.generations.keys()]) this.changed(folder);
  }

  /**
   * The entries of `folder` that hold keys, sorted as S3 lists keys.
   * @param start - what every key in it starts with ("" or ending in "/")
   */
  async entries(folder: string, start: string): Promise<Entry[]> {
    const kept = this.kept.get(folder);
    if (kept !== undefined) {
      // Most recently used last: the first is the one to drop.
      this.kept.delete(folder);
      this.kept.set(folder, kept);
      return kept.entries;
    }
    const generation = this.generations.get(folder) ?? 0;
    let dirents: Dirent[];
    try {
      dirents = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: Entry[] = [];
    for (const dirent of dirents) {
      const name = dirent.name;
      let key: string;
      if (dirent.isDirectory()) {
        if (name.includes(RESERVED)) continue;
        key = `${start}${name}/`;
      } else if (name.endsWith(OBJECT_SUFFIX) && !name.slice(0, -OBJECT_SUFFIX.length).includes(RESERVED))
        key = `${start}${name.slice(0, -OBJECT_SUFFIX.length)}`;
      else continue;
      entries.push({ name, key, bytes: Buffer.from(key), folder: dirent.isDirectory() });
    }
    entries.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
    // Kept only if no write touched the folder while it was read.
    if (entries.length >= CACHED_FROM && (this.generations.get(folder) ?? 0) === generation) {
      this.kept.set(folder, { entries, names: new Set(entries.map((e) => e.name)) });
      const oldest = this.kept.keys().next().value;
      if (this.kept.size > CACHED_FOLDERS && oldest !== undefined) this.kept.delete(oldest);
    }
    return entries;
  }
}

/**
 * Makes s3rver list keys in S3's order, a page at the cost of that page: see the comment at the top.
 * Listings with a delimiter (Herald makes none) keep s3rver's own.
 * @param listings - what the server's object writes report their folders' changes to
 */
export function listInKeyOrder(server: S3rver, listings: FolderListings): void {
  const store = (server as unknown as { store: ListingStore }).store;
  const S3Object = createRequire(import.meta.url)('s3rver/lib/models/object') as new (
    bucket: string,
    key: string,
    content: null,
    metadata: unknown,
  ) => unknown;
  const listObjects = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    if (options.delimiter) return listObjects(bucket, options);
    const { startAfter = '', prefix = '', maxKeys = Number.POSITIVE_INFINITY } = options;
    const keys = await keysAfter(
      listings,
      store.getBucketPath(bucket),
      Buffer.from(startAfter),
      prefix,
      maxKeys,
    );
    const truncated = keys.length > maxKeys;
    const page = truncated ? keys.slice(0, maxKeys) : keys;
    const metadata = await Promise.all(
      page.map((key) =>
        store.getMetadata(bucket, key).catch((error: NodeJS.ErrnoException) => {
          // Removed since its folder was read.
          if (error.code === 'ENOENT') return undefined;
          throw error;
        }),
      ),
    );
    const objects = page.flatMap((key, n) =>
      metadata[n] === undefined ? [] : [new S3Object(bucket, key, null, metadata[n])],
    );
    return { objects, commonPrefixes: [], isTruncated: truncated };
  };

  const deleteObject = store.deleteObject.bind(store);
  store.deleteObject = async (bucket, key) => {
    try {
      await deleteObject(bucket, key);
    } finally {
      // s3rver removes the folders the object leaves empty: their parents change too.
      const root = store.getBucketPath(bucket);
      let folder = dirname(store.getResourcePath(bucket, key, 'object'));
      listings.changed(folder);
      while (folder.length > root.length && !(await exists(folder))) {
        folder = dirname(folder);
        listings.changed(folder);
      }
    }
  };
  const copyObject = store.copyObject.bind(store);
  store.copyObject = async (...args) => {
    try {
      return await copyObject(...args);
    } finally {
      const [, , bucket, key] = args;
      const root = store.getBucketPath(bucket);
      for (
        let folder = dirname(store.getResourcePath(bucket, key, 'object'));
        folder.length >= root.length;
        folder = dirname(folder)
      )
        listings.changed(folder);
    }
  };
  const deleteBucket = store.deleteBucket.bind(store);
  store.deleteBucket = async (bucket) => {
    try {
      await deleteBucket(bucket);
    } finally {
      listings.changedAll();
    }
  };
  const reset = store.reset.bind(store);
  store.reset = () => {
    try {
      reset();
    } finally {
      listings.changedAll();
    }
  };
}

/**
 * Keys of a bucket after `startAfter` that start with `prefix`, in S3's order: at most
 * `maxKeys + 1` (one more says the listing goes on). Folders whose keys all come before
 * `startAfter`, or none of which start with `prefix`, are not read.
 */
async function keysAfter(
  listings: FolderListings,
  bucketPath: string,
  startAfter: Buffer,
  prefix: string,
  maxKeys: number,
): Promise<string[]> {
  const keys: string[] = [];
  const wanted = Buffer.from(prefix);
  const visit = async (folder: string, start: string): Promise<boolean> => {
    const entries = await listings.entries(folder, start);
    for (let n = firstAfter(entries, startAfter); n < entries.length; n++) {
      const entry = entries[n] as Entry;
      if (entry.folder) {
        // Its keys start with entry.key: some may start with the prefix only if one starts with the other.
        if (!startsWith(entry.bytes, wanted) && !startsWith(wanted, entry.bytes)) continue;
        if (await visit(join(folder, entry.name), entry.key)) return true;
        continue;
      }
      // The keys that start with the prefix are together: past them, nothing else here does.
      if (!startsWith(entry.bytes, wanted)) {
        if (Buffer.compare(entry.bytes, wanted) > 0) return false;
      } else if (Buffer.compare(entry.bytes, startAfter) > 0) {
        keys.push(entry.key);
        if (keys.length > maxKeys) return true;
      }
    }
    return false;
  };
  await visit(bucketPath, '');
  return keys;
}

/**
 * The first entry that may hold a key after `startAfter`: objects after it, and folders whose keys
 * do not all come before it. Entries are sorted, so this splits them in two.
 */
function firstAfter(entries: readonly Entry[], startAfter: Buffer): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const entry = entries[middle] as Entry;
    const before =
      Buffer.compare(entry.bytes, startAfter) < 0
        ? !(entry.folder && startsWith(startAfter, entry.bytes))
        : false;
    // An object equal to startAfter comes before too.
    if (before || (!entry.folder && entry.bytes.equals(startAfter))) low = middle + 1;
    else high = middle;
  }
  return low;
}

function startsWith(bytes: Buffer, start: Buffer): boolean {
  return bytes.length >= start.length && bytes.subarray(0, start.length).equals(start);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
