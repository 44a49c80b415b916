import { createHash } from 'node:crypto';
import type { Post } from '../core/posts/post.ts';
import type { HeadEntry, Heads } from '../core/site/feed-heads.ts';
import type { BlobStore } from '../ports/blob-store.ts';

/** Why a post's latest version is not published. The last good version, if any, stays. */
export interface ErrorRecord {
  key: string;
  field: string;
  reason: string;
  /** When Herald saw it (ISO 8601). */
  at: string;
}

/**
 * The small, hot part of the publish state, read and written by every run: the feeds' heads,
 * current errors and what each feed folder last received. Everything that grows with the site
 * (one entry per post, URL claims, static file sizes) lives in shards, of which a run touches few.
 */
export interface SiteIndex {
  version: 3;
  /** Hash of the site configuration the state was built with; a change means a rebuild. */
  configHash: string;
  heads: Heads;
  errors: Record<string, ErrorRecord>;
  /** Per feed folder, the signature of what was last written there. */
  feeds: Record<string, string>;
}

const PAGES_KEY = 'pages.json';

/** Families of sharded maps in the state store. */
export type ShardFamily = 'entries' | 'claims' | 'statics';
/** entries: source -> entry of every non-draft post; claims: path -> sources claiming it, sorted;
 * statics: static key -> size. */
export type ShardValue<F extends ShardFamily> = F extends 'entries'
  ? HeadEntry
  : F extends 'claims'
    ? string[]
    : number;

const INDEX_KEY = 'index.json';
const RECORDS = 'records/';
const ERRORS = 'errors/';

/** Which of 256 shards a key belongs to. */
export function shardOf(key: string): string {
  return createHash('sha1').update(key).digest('hex').slice(0, 2);
}

/** Reads and writes the publish state: index, shards, post records and error records. */
export class PublishState {
  constructor(private readonly store: BlobStore) {}

  /** The index, or undefined when there is none yet (or it is from another version). */
  async loadIndex(): Promise<SiteIndex | undefined> {
    const index = await this.readJson<SiteIndex>(INDEX_KEY);
    return index?.version === 3 ? index : undefined;
  }

  async saveIndex(index: SiteIndex): Promise<void> {
    await this.writeJson(INDEX_KEY, index);
  }

  async readShard<F extends ShardFamily>(family: F, shard: string): Promise<Record<string, ShardValue<F>>> {
    return (await this.readJson<Record<string, ShardValue<F>>>(`${family}/${shard}.json`)) ?? {};
  }

  async writeShard<F extends ShardFamily>(
    family: F,
    shard: string,
    values: Record<string, ShardValue<F>>,
  ): Promise<void> {
    if (Object.keys(values).length === 0) await this.store.delete(`${family}/${shard}.json`);
    else await this.writeJson(`${family}/${shard}.json`, values);
  }

  /** Names of the shards of a family that exist. */
  async shardNames(family: ShardFamily): Promise<string[]> {
    const names: string[] = [];
    for await (const info of this.store.list(`${family}/`))
      names.push(info.key.slice(family.length + 1, -'.json'.length));
    return names;
  }

  /** The signature of every page last written, by key; empty when none were. */
  async loadPageSignatures(): Promise<Record<string, string>> {
    return (await this.readJson<Record<string, string>>(PAGES_KEY)) ?? {};
  }

  async savePageSignatures(signatures: Record<string, string>): Promise<void> {
    await this.writeJson(PAGES_KEY, signatures);
  }

  /** The rendered post last published from `key`. */
  readRecord(key: string): Promise<Post | undefined> {
    return this.readJson<Post>(`${RECORDS}${key}.json`);
  }

  async writeRecord(post: Post): Promise<void> {
    await this.writeJson(`${RECORDS}${post.source}.json`, post);
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

  /** Keys of every post record and error record, for cleaning up after a rebuild. */
  async *keysOf(kind: 'records' | 'errors'): AsyncIterable<string> {
    const prefix = kind === 'records' ? RECORDS : ERRORS;
    for await (const info of this.store.list(prefix)) yield info.key.slice(prefix.length, -'.json'.length);
  }

  private async readJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.store.get(key);
    return bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as T);
  }

  private async writeJson(key: string, value: unknown): Promise<void> {
    await this.store.put(key, JSON.stringify(value), { contentType: 'application/json' });
  }
}

/**
 * Shards read during one run, written back once at its end (only those that changed).
 */
export class ShardCache {
  private readonly loaded = new Map<string, Record<string, unknown>>();
  private readonly dirty = new Set<string>();

  constructor(private readonly state: PublishState) {}

  async get<F extends ShardFamily>(family: F, key: string): Promise<Record<string, ShardValue<F>>> {
    const id = `${family}/${shardOf(key)}`;
    let values = this.loaded.get(id);
    if (values === undefined) {
      values = await this.state.readShard(family, shardOf(key));
      this.loaded.set(id, values);
    }
    return values as Record<string, ShardValue<F>>;
  }

  /** Marks the shard holding `key` as changed. */
  touch(family: ShardFamily, key: string): void {
    this.dirty.add(`${family}/${shardOf(key)}`);
  }

  async flush(): Promise<void> {
    await Promise.all(
      [...this.dirty].map((id) => {
        const [family, shard] = id.split('/') as [ShardFamily, string];
        return this.state.writeShard(family, shard, (this.loaded.get(id) ?? {}) as Record<string, never>);
      }),
    );
    this.dirty.clear();
  }
}

/** A short, stable hash of any JSON-serialisable value. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}

/** The entry of a rendered post. */
export function entryOf(post: Post): HeadEntry {
  const entry: HeadEntry = {
    source: post.source,
    path: post.path,
    title: post.title,
    summary: post.summary,
    published: new Date(post.published).toISOString(),
    updated: new Date(post.updated).toISOString(),
    hash: hashOf(post),
  };
  if (post.categories.length > 0) entry.cats = post.categories.map((c) => c.name);
  if (post.image !== undefined) entry.img = post.image;
  return entry;
}
