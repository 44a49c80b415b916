import { createHash } from 'node:crypto';
import type { Post } from '../../core/posts/post.ts';
import type { Heads } from '../../core/site/feed-heads.ts';
import type { Appearance, PostEntry } from '../../core/site/post-entry.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { mapLimit } from '../map-limit.ts';

// The storage layout of the post index. Private to this folder: everything else goes through
// PostIndex, so the layout can change (as it did from version 3 to 4) without touching callers.

/** Why a post's latest version is not published. The last good version, if any, stays. */
export interface ErrorRecord {
  key: string;
  field: string;
  reason: string;
  /** When Herald saw it (ISO 8601). */
  at: string;
}

/**
 * The small, hot part of the index, read and written by every run. Everything that grows with the
 * site (one entry per post, one record per URL, static file sizes) lives in shards.
 */
export interface IndexHead {
  version: typeof INDEX_VERSION;
  /** Hash of the site configuration the index was built with; a change means a rebuild. */
  configHash: string;
  heads: Heads;
  errors: Record<string, ErrorRecord>;
  /** Per feed folder, the signature of what was last written there. */
  feeds: Record<string, string>;
  /** When a publish run first saw the newsletter switched on (ISO 8601); absent while it is off. */
  newsletterSince?: string;
  /**
   * Who links to whom: for each post whose body links to other posts, the URL each link target
   * resolved to (null: no post), or null when not known (the post failed before its links were
   * read). A run that changes which posts exist re-renders the posts whose links now resolve
   * differently.
   */
  links?: Record<string, Record<string, string | null> | null>;
  /**
   * Posts that will expire, by source, with their expiry (ISO 8601): the heads hold only the
   * newest posts, and an older post must still leave the site at its expiry. Absent in heads
   * written before it existed; {@link PostIndex.open} then fills it from the entries once.
   */
  expiries?: Record<string, string>;
}

/**
 * The layout's version: an index of another version is rebuilt. 5 added the resources of page
 * bundles, which an index of version 4 never published.
 */
export const INDEX_VERSION = 5;

/** Is this head one of the current layout? */
export function isCurrentHead(head: { version?: unknown } | undefined): head is IndexHead {
  return head?.version === INDEX_VERSION;
}

/** A page bundle's resource as last published: where, and its size (an enclosure needs it). */
export interface ResourceRecord {
  /** Key in the site store. */
  target: string;
  size: number;
}

/** What the index knows of one URL: who claims it, and when its owner first appeared there. */
export interface UrlRecord {
  /** Sources whose post has this path, sorted; the owner is chosen by `ownerOf`. */
  claims: string[];
  /** Kept after every claimant is gone, so that a re-upload or rename is not new. */
  appearance?: Appearance;
}

/** A published post's claim on an old URL (an alias), kept by the page index per alias file. */
export interface AliasClaim {
  /** The alias as written, e.g. `/2019/old-name/`. */
  alias: string;
  source: string;
  /** The post's own path: where the redirect sends readers. */
  path: string;
}

/**
 * Families of sharded maps: entries by source, URL records by path, static sizes by key, published
 * bundle resources by content key, where each published post sits in the page index (its date
 * and path) by source, the published posts claiming each alias file, and the published posts
 * showing each image URL.
 */
export type ShardFamily = 'entries' | 'urls' | 'statics' | 'resources' | 'pagerows' | 'aliases' | 'images';
export type ShardValue<F extends ShardFamily> = F extends 'entries'
  ? PostEntry
  : F extends 'urls'
    ? UrlRecord
    : F extends 'resources'
      ? ResourceRecord
      : F extends 'pagerows'
        ? Pick<PostEntry, 'published' | 'path'>
        : F extends 'aliases'
          ? AliasClaim[]
          : F extends 'images'
            ? string[]
            : number;

const IO_CONCURRENCY = 16;
const INDEX_KEY = 'index.json';
const RECORDS = 'records/';
const ERRORS = 'errors/';

/** Which of 256 shards a key belongs to. */
function shardOf(key: string): string {
  return createHash('sha1').update(key).digest('hex').slice(0, 2);
}

/** Reads and writes the objects of the index's state bucket. */
export class IndexStore {
  constructor(private readonly store: BlobStore) {}

  /** The raw head, whatever its version, or undefined when there is none. */
  readHead(): Promise<{ version?: unknown } | undefined> {
    return this.readJson(INDEX_KEY);
  }

  writeHead(head: IndexHead): Promise<void> {
    return this.writeJson(INDEX_KEY, head);
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

  readRecord(key: string): Promise<Post | undefined> {
    return this.readJson<Post>(`${RECORDS}${key}.json`);
  }

  writeRecord(post: Post): Promise<void> {
    return this.writeJson(`${RECORDS}${post.source}.json`, post);
  }

  deleteRecord(key: string): Promise<void> {
    return this.store.delete(`${RECORDS}${key}.json`);
  }

  /** A readable copy of a post's error, for people looking in the state bucket. */
  writeError(error: ErrorRecord): Promise<void> {
    return this.store.put(`${ERRORS}${error.key}.json`, `${JSON.stringify(error, null, 2)}\n`, {
      contentType: 'application/json',
    });
  }

  deleteError(key: string): Promise<void> {
    return this.store.delete(`${ERRORS}${key}.json`);
  }

  /** Keys of every post record or error record. */
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
 * Shards read during one run, written back once (only those that changed). A rebuild starts from
 * empty shards through the same cache, so it fills the same structures as incremental runs.
 */
export class ShardCache {
  private readonly loaded = new Map<string, Record<string, unknown>>();
  private readonly dirty = new Set<string>();

  constructor(private readonly store: IndexStore) {}

  async get<F extends ShardFamily>(family: F, key: string): Promise<Record<string, ShardValue<F>>> {
    const id = `${family}/${shardOf(key)}`;
    let values = this.loaded.get(id);
    if (values === undefined) {
      values = await this.store.readShard(family, shardOf(key));
      this.loaded.set(id, values);
    }
    return values as Record<string, ShardValue<F>>;
  }

  /** Marks the shard holding `key` as changed. */
  touch(family: ShardFamily, key: string): void {
    this.dirty.add(`${family}/${shardOf(key)}`);
  }

  /**
   * Replaces every stored shard of a family with what `keep` retains of it (nothing by default):
   * the start of a rebuild.
   * @param returnFormer - also return every value the family held (else the map is empty)
   */
  async reset<F extends ShardFamily>(
    family: F,
    keep?: (value: ShardValue<F>) => ShardValue<F> | undefined,
    returnFormer = false,
  ): Promise<Map<string, ShardValue<F>>> {
    const former = new Map<string, ShardValue<F>>();
    await mapLimit(await this.store.shardNames(family), IO_CONCURRENCY, async (shard) => {
      const kept: Record<string, ShardValue<F>> = {};
      this.loaded.set(`${family}/${shard}`, kept);
      this.dirty.add(`${family}/${shard}`);
      if (keep === undefined && !returnFormer) return;
      const values = await this.store.readShard(family, shard);
      for (const [key, value] of Object.entries(values)) {
        if (returnFormer) former.set(key, value);
        const retained = keep?.(value);
        if (retained !== undefined) kept[key] = retained;
      }
    });
    return former;
  }

  /**
   * Every stored shard of a family: those loaded and unchanged since (or written by a flush) from
   * memory, the rest read. A rebuild holds every entry shard after its flush: reading them again
   * kept a second copy of every entry (the largest part of its state) and cost a request each.
   */
  async all<F extends ShardFamily>(family: F): Promise<Record<string, ShardValue<F>>[]> {
    return mapLimit(await this.store.shardNames(family), IO_CONCURRENCY, async (shard) => {
      const id = `${family}/${shard}`;
      const loaded = this.loaded.get(id);
      if (loaded !== undefined && !this.dirty.has(id)) return loaded as Record<string, ShardValue<F>>;
      return this.store.readShard(family, shard);
    });
  }

  async flush(): Promise<void> {
    // A rebuild dirties every shard of every family (over a thousand): written a few at a time.
    await mapLimit([...this.dirty], IO_CONCURRENCY, (id) => {
      const [family, shard] = id.split('/') as [ShardFamily, string];
      return this.store.writeShard(family, shard, (this.loaded.get(id) ?? {}) as Record<string, never>);
    });
    this.dirty.clear();
  }
}
