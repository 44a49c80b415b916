import type { Neighbour } from '../../core/pages/page-plan.ts';
import type { PostMeta } from '../../core/posts/post.ts';
import type { PostEntry } from '../../core/site/post-entry.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { mapLimit } from '../map-limit.ts';

// The state of a fan-out rebuild in the state bucket, under `rebuild/`. Private to this folder.
//
//   rebuild/current.json                the rebuild under way (absent: none)
//   rebuild/<id>/plan.json              its instant, configuration hash and number of shards
//   rebuild/<id>/keys/<n>.json          the post keys of shard n, a range of the sorted listing
//   rebuild/<id>/read/<n>.json          shard n read: front matter and the version of each file
//   rebuild/<id>/work/<n>.json          what shard n renders (written by the catalogue)
//   rebuild/<id>/catalogue.json         what is published; its presence means the catalogue is done
//   rebuild/<id>/rendered/<n>.json      shard n rendered: entries and the post pages written
//   rebuild/<id>/listed/<n>.json        list share n written: the pages and their signatures
//   rebuild/<id>/finishing.json         the final step has started: late copies of steps stop writing
//
// Each output is one object written once its step is complete, so its presence is the step's
// completion; a step that crashed wrote nothing that counts and simply runs again.

const PREFIX = 'rebuild/';
const CURRENT = `${PREFIX}current.json`;
const IO_CONCURRENCY = 16;

/** The rebuild under way, recorded when it starts and removed by its final step. */
export interface RebuildMarker {
  id: string;
  /** ISO 8601. */
  startedAt: string;
  /** When the rebuild's missing work was last sent again (ISO 8601), see `resumeStalled`. */
  resumedAt?: string;
}

export interface RebuildPlan {
  id: string;
  /** The instant the rebuild publishes as of (ISO 8601): fixed, so that every step and retry agree. */
  now: string;
  configHash: string;
  shards: number;
}

/** A post that cannot be published, as stored (a PostError without its class). */
export interface FailedPost {
  file: string;
  field: string;
  reason: string;
}

/** What reading one shard found. */
export interface ReadShard {
  /** Posts that parsed, without their bodies. */
  posts: PostMeta[];
  failed: FailedPost[];
  /** The entity tag of each file as read (null: gone by then): what the final step compares. */
  versions: Record<string, string | null>;
}

/** What the catalogue decided, for the render shards and the final step. */
export interface CatalogueResult {
  /** Every post that is not a draft (source and URL): what `ref` and `post_url` resolve against. */
  links: { source: string; url: string }[];
  /** The sources of the posts published. */
  published: string[];
  /** Every post not published (slug conflicts and broken links too), sorted by file. */
  failed: FailedPost[];
  /** Files among `failed` that lost a slug conflict: not recorded as errors. */
  conflicts: string[];
  /** Posts left out for a link to a missing post. */
  brokenLinks: string[];
  /**
   * How many list steps write the site's list pages once every shard is rendered (0 or absent,
   * as in a rebuild planned by an older Herald: the final step writes them).
   */
  listShards?: number;
}

/** What one shard renders: every non-draft post that parsed, with its page's neighbours if published. */
export interface RenderWork {
  posts: { source: string; page?: { newer: Neighbour | null; older: Neighbour | null } }[];
  /** The site's name of each term the shard's published posts show, by list folder. */
  names: Record<string, string>;
}

/** What rendering one shard did. */
export interface RenderedShard {
  entries: PostEntry[];
  /** What the links of posts that have any resolved to, by source. */
  links: Record<string, Record<string, string | null>>;
  /** Signatures of the post pages written, by key. */
  pages: Record<string, string>;
  /** Posts that changed under the rebuild and no longer render: the final step publishes them anew. */
  skipped: string[];
}

/** What one list step wrote: its share of the list pages, with their signatures, by key. */
export interface ListedShard {
  pages: Record<string, string>;
}

/** Reads and writes a rebuild's objects. */
export class RebuildStore {
  constructor(private readonly state: BlobStore) {}

  current(): Promise<RebuildMarker | undefined> {
    return this.readJson(CURRENT);
  }

  setCurrent(marker: RebuildMarker): Promise<void> {
    return this.writeJson(CURRENT, marker);
  }

  async clearCurrent(): Promise<void> {
    await this.state.delete(CURRENT);
  }

  plan(id: string): Promise<RebuildPlan | undefined> {
    return this.readJson(`${PREFIX}${id}/plan.json`);
  }

  writePlan(plan: RebuildPlan): Promise<void> {
    return this.writeJson(`${PREFIX}${plan.id}/plan.json`, plan);
  }

  async keys(id: string, shard: number): Promise<string[]> {
    return (await this.readJson<string[]>(this.shardKey(id, 'keys', shard))) ?? [];
  }

  writeKeys(id: string, shard: number, keys: readonly string[]): Promise<void> {
    return this.writeJson(this.shardKey(id, 'keys', shard), keys);
  }

  read(id: string, shard: number): Promise<ReadShard | undefined> {
    return this.readJson(this.shardKey(id, 'read', shard));
  }

  writeRead(id: string, shard: number, result: ReadShard): Promise<void> {
    return this.writeJson(this.shardKey(id, 'read', shard), result);
  }

  work(id: string, shard: number): Promise<RenderWork | undefined> {
    return this.readJson(this.shardKey(id, 'work', shard));
  }

  writeWork(id: string, shard: number, work: RenderWork): Promise<void> {
    return this.writeJson(this.shardKey(id, 'work', shard), work);
  }

  catalogue(id: string): Promise<CatalogueResult | undefined> {
    return this.readJson(`${PREFIX}${id}/catalogue.json`);
  }

  writeCatalogue(id: string, result: CatalogueResult): Promise<void> {
    return this.writeJson(`${PREFIX}${id}/catalogue.json`, result);
  }

  rendered(id: string, shard: number): Promise<RenderedShard | undefined> {
    return this.readJson(this.shardKey(id, 'rendered', shard));
  }

  writeRendered(id: string, shard: number, result: RenderedShard): Promise<void> {
    return this.writeJson(this.shardKey(id, 'rendered', shard), result);
  }

  /** Whether the final step of rebuild `id` has started. */
  async finishing(id: string): Promise<boolean> {
    return (await this.state.get(`${PREFIX}${id}/finishing.json`)) !== undefined;
  }

  markFinishing(id: string): Promise<void> {
    return this.writeJson(`${PREFIX}${id}/finishing.json`, {});
  }

  listed(id: string, shard: number): Promise<ListedShard | undefined> {
    return this.readJson(this.shardKey(id, 'listed', shard));
  }

  writeListed(id: string, shard: number, result: ListedShard): Promise<void> {
    return this.writeJson(this.shardKey(id, 'listed', shard), result);
  }

  /** The shards whose step is done, by number. */
  async done(id: string, step: 'read' | 'rendered' | 'listed'): Promise<Set<number>> {
    const done = new Set<number>();
    const prefix = `${PREFIX}${id}/${step}/`;
    for await (const info of this.state.list(prefix)) done.add(Number(info.key.slice(prefix.length, -5)));
    return done;
  }

  /** Removes every object of rebuilds other than `keep` (all of them without it). */
  async clear(keep?: string): Promise<void> {
    const keys: string[] = [];
    for await (const info of this.state.list(PREFIX))
      if (info.key !== CURRENT && (keep === undefined || !info.key.startsWith(`${PREFIX}${keep}/`)))
        keys.push(info.key);
    await mapLimit(keys, IO_CONCURRENCY, (key) => this.state.delete(key));
  }

  private shardKey(id: string, step: string, shard: number): string {
    return `${PREFIX}${id}/${step}/${String(shard).padStart(5, '0')}.json`;
  }

  private async readJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.state.get(key);
    return bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as T);
  }

  private async writeJson(key: string, value: unknown): Promise<void> {
    await this.state.put(key, JSON.stringify(value), { contentType: 'application/json' });
  }
}
