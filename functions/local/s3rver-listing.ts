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
/**
 * Entries kept at most, over all folders (about 150 bytes each: a 100,000-post site's posts,
 * pages and records folders fit).
 */
const CACHED_ENTRIES = 400_000;

/** A folder entry that holds keys: an object, or a folder of keys that start with `key`. */
interface Entry {
  name: string;
  /** The object's key, or the folder's keys' common start (ending in "/"). */
  key: string;
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
  private keptEntries = 0;
  /** Reads under way, by folder: a change during one means its entries must not be kept. */
  private readonly reading = new Map<string, Set<{ changed: boolean }>>();

  /** Says that entries of `folder` came, went or changed: its kept entries are dropped. */
  changed(folder: string): void {
    this.drop(folder);
    for (const read of this.reading.get(folder) ?? []) read.changed = true;
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
    for (const folder of [...this.kept.keys(), ...this.reading.keys()]) this.changed(folder);
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
    const read = { changed: false };
    const reads = this.reading.get(folder) ?? new Set();
    this.reading.set(folder, reads.add(read));
    let dirents: Dirent[];
    try {
      dirents = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    } finally {
      reads.delete(read);
      if (reads.size === 0) this.reading.delete(folder);
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
      entries.push({ name, key, folder: dirent.isDirectory() });
    }
    entries.sort((a, b) => compareKeys(a.key, b.key));
    // Kept only if no write touched the folder while it was read.
    if (entries.length >= CACHED_FROM && entries.length <= CACHED_ENTRIES && !read.changed) {
      this.kept.set(folder, { entries, names: new Set(entries.map((e) => e.name)) });
      this.keptEntries += entries.length;
      for (const oldest of this.kept.keys()) {
        if (this.keptEntries <= CACHED_ENTRIES) break;
        this.drop(oldest);
      }
    }
    return entries;
  }

  private drop(folder: string): void {
    const kept = this.kept.get(folder);
    if (kept === undefined) return;
    this.kept.delete(folder);
    this.keptEntries -= kept.entries.length;
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
    const keys = await keysAfter(listings, store.getBucketPath(bucket), startAfter, prefix, maxKeys);
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
  startAfter: string,
  prefix: string,
  maxKeys: number,
): Promise<string[]> {
  const keys: string[] = [];
  const visit = async (folder: string, start: string): Promise<boolean> => {
    const entries = await listings.entries(folder, start);
    for (let n = firstAfter(entries, startAfter); n < entries.length; n++) {
      const entry = entries[n] as Entry;
      if (entry.folder) {
        // Its keys start with entry.key: some may start with the prefix only if one starts with the other.
        if (!entry.key.startsWith(prefix) && !prefix.startsWith(entry.key)) {
          if (compareKeys(entry.key, prefix) > 0) return false;
          continue;
        }
        if (await visit(join(folder, entry.name), entry.key)) return true;
        continue;
      }
      // The keys that start with the prefix are together: past them, nothing else here does.
      if (!entry.key.startsWith(prefix)) {
        if (compareKeys(entry.key, prefix) > 0) return false;
      } else if (compareKeys(entry.key, startAfter) > 0) {
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
function firstAfter(entries: readonly Entry[], startAfter: string): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const entry = entries[middle] as Entry;
    const order = compareKeys(entry.key, startAfter);
    // An object equal to startAfter comes before it too; a folder whose keys start like it does not.
    const before = entry.folder ? order < 0 && !startAfter.startsWith(entry.key) : order <= 0;
    if (before) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Orders keys as S3 lists them, by their UTF-8 bytes: that is the order of their code points, which
 * differs from JavaScript's UTF-16 order only where a surrogate pair (U+10000 and up) meets a code
 * unit from U+E000 to U+FFFF.
 */
function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xPair = x >= 0xd800 && x <= 0xdfff;
    if (xPair !== (y >= 0xd800 && y <= 0xdfff)) return xPair ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
