import { createHash } from 'node:crypto';
import type { Post, Term } from '../core/posts/post.ts';
import type { CatalogueEntry } from '../core/site/catalogue.ts';
import { toSlug } from '../core/text/slug.ts';
import type { BlobStore } from '../ports/blob-store.ts';

/**
 * What the site index keeps of each post: enough to decide publication and spot changes, and no
 * more, because every publish reads and writes the whole index (about 100 bytes a post).
 */
export interface IndexEntry {
  path: string;
  /** ISO 8601. */
  published: string;
  /** Hash of the post's record: a feed carrying it changes when this does. */
  hash: string;
  /** Category names, as the post spells them. */
  cats?: string[];
  /** The post's image URL, whose size decides its enclosure. */
  img?: string;
}

/** Why a post's latest version is not published. The last good version, if any, stays. */
export interface ErrorRecord {
  key: string;
  field: string;
  reason: string;
  /** When Herald saw it (ISO 8601). */
  at: string;
}

/**
 * The publish function's private state: one index for the whole site plus a record per post.
 * The index is small (no HTML), so one read and one write per batch stay cheap at 10,000 posts.
 */
export interface SiteIndex {
  version: 2;
  /** Hash of the site configuration the state was built with; a change means a rebuild. */
  configHash: string;
  /** Published and scheduled posts by source key; drafts are not indexed. */
  posts: Record<string, IndexEntry>;
  errors: Record<string, ErrorRecord>;
  /** Published sizes of static files, by key (`static/images/a.png`): RSS enclosures need them. */
  statics: Record<string, number>;
  /** Per feed folder, the signature of what was last written there. */
  feeds: Record<string, string>;
}

const INDEX_KEY = 'index.json';
const RECORDS = 'records/';
const ERRORS = 'errors/';

/** Reads and writes {@link SiteIndex}, post records and error records in the state store. */
export class PublishState {
  constructor(private readonly store: BlobStore) {}

  /** The index, or undefined when there is none yet (or it is from an unknown version). */
  async loadIndex(): Promise<SiteIndex | undefined> {
    const bytes = await this.store.get(INDEX_KEY);
    if (bytes === undefined) return undefined;
    const index = JSON.parse(new TextDecoder().decode(bytes)) as SiteIndex;
    return index.version === 2 ? index : undefined;
  }

  async saveIndex(index: SiteIndex): Promise<void> {
    await this.store.put(INDEX_KEY, JSON.stringify(index), { contentType: 'application/json' });
  }

  /** The rendered post last published from `key`. */
  async readRecord(key: string): Promise<Post | undefined> {
    const bytes = await this.store.get(`${RECORDS}${key}.json`);
    return bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as Post);
  }

  async writeRecord(post: Post): Promise<void> {
    await this.store.put(`${RECORDS}${post.source}.json`, JSON.stringify(post), {
      contentType: 'application/json',
    });
  }

  async deleteRecord(key: string): Promise<void> {
    await this.store.delete(`${RECORDS}${key}.json`);
  }

  /** A readable copy of a post's error, for people looking in the state bucket. */
  async writeError(error: ErrorRecord): Promise<void> {
    await this.store.put(`${ERRORS}${error.key}.json`, `${JSON.stringify(error, null, 2)}\n`, {
      contentType: 'application/json',
    });
  }

  async deleteError(key: string): Promise<void> {
    await this.store.delete(`${ERRORS}${key}.json`);
  }

  /** Keys of every post record, for cleaning up after a rebuild. */
  async *recordKeys(): AsyncIterable<string> {
    for await (const info of this.store.list(RECORDS)) yield info.key.slice(RECORDS.length, -'.json'.length);
  }

  /** Keys of every error record. */
  async *errorKeys(): AsyncIterable<string> {
    for await (const info of this.store.list(ERRORS)) yield info.key.slice(ERRORS.length, -'.json'.length);
  }
}

/** A short, stable hash of any JSON-serialisable value. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}

/** The index entry of a rendered post. */
export function indexEntry(post: Post): IndexEntry {
  const entry: IndexEntry = {
    path: post.path,
    published: new Date(post.published).toISOString(),
    hash: hashOf(post),
  };
  if (post.categories.length > 0) entry.cats = post.categories.map((c) => c.name);
  if (post.image !== undefined) entry.img = post.image;
  return entry;
}

/** An indexed post as the catalogue sees it. */
export interface IndexedPost extends CatalogueEntry {
  entry: IndexEntry;
}

/**
 * The index's posts as catalogue entries. Category terms are shared objects, and each name is
 * slugged once, not once per post.
 */
export function indexedPosts(index: SiteIndex): IndexedPost[] {
  const terms = new Map<string, Term>();
  const term = (name: string): Term => {
    let found = terms.get(name);
    if (found === undefined) {
      found = { name, slug: toSlug(name) };
      terms.set(name, found);
    }
    return found;
  };
  return Object.entries(index.posts).map(([source, entry]) => ({
    source,
    path: entry.path,
    published: entry.published,
    draft: false,
    categories: entry.cats?.map(term) ?? [],
    entry,
  }));
}
