/**
 * The page index: every published post in the order pages show them (newest first), per list (the
 * site's and each category's, tag's and series'), so that a publish renders only the pages one change touches: the
 * post's page and its neighbours', the archive page and sitemap it falls in, the home pages. Posts
 * are kept in chunks of at most {@link CHUNK_MAX} rows with a small directory (first row and count of
 * each chunk) in the head, so finding a post's place, its neighbours or the posts of archive page n
 * reads one or two chunks, whatever the size of the site.
 *
 * What changed is recorded as the index is updated ({@link ListChanges}), in positions counted from
 * the oldest post: archive pages and sitemaps are numbered that way, so an insertion at position p
 * changes only what is at p or after, and a new post (the newest) changes only the last page.
 *
 * How the state bucket holds it is private to this folder.
 */

import { compareText, newestFirst } from '../../core/site/order.ts';
import type { PostEntry } from '../../core/site/post-entry.ts';
import { folderTerm, TAXONOMIES, termFolder, termsNamed } from '../../core/site/taxonomies.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { mapLimit } from '../map-limit.ts';
import { type AliasClaim, IndexStore, ShardCache } from './index-store.ts';

export type { AliasClaim } from './index-store.ts';

/**
 * What the lists keep of a published post: its entry without the image's size (which follows the
 * static file, not the post). The image stays: tag and series feeds are planned from these lists.
 */
export type PageRow = Omit<PostEntry, 'imageSize'>;

/** Where a row sits in the order: its date and path (unique among published posts). */
export type RowKey = Pick<PostEntry, 'published' | 'path'>;

/** A chunk of a list, as the directory in the head knows it. */
interface ChunkRef {
  id: string;
  /** Its newest row's key: the chunk holds rows from this one to the next chunk's first, excluded. */
  first: RowKey;
  count: number;
}

/** One list of the index, newest first. */
interface ListHead {
  chunks: ChunkRef[];
  /** Its newest row: the lists sitemap and category names need it without reading a chunk. */
  newest?: PageRow;
}

interface PagesHead {
  /**
   * 2 keeps each row's image (for term feeds); 3 adds the alias claims. An index of an older
   * version is written anew.
   */
  version: 3;
  /** The site configuration the pages were written with. */
  configHash: string;
  /** Names chunks: never reused, so a split never overwrites a chunk another list still names. */
  nextChunk: number;
  /** By folder: `` for the site, `<taxonomy>/<slug>/` for a term. */
  lists: Record<string, ListHead>;
  /** Signatures of the pages written from outside the index (the newsletter archive), by key. */
  signatures: Record<string, string>;
  /**
   * The posts showing each image are indexed (`images` shards). An index written before that has
   * them built on first need.
   */
  images?: true;
}

/** What changed in one list during a run, to find the pages to write. */
export interface ListChanges {
  /** Posts in the list when the run started; undefined when the list did not exist. */
  countBefore: number | undefined;
  /** The lowest position (from the oldest post, 0 first) where a post came or went; all after moved. */
  shiftFrom?: number;
  /** Positions (from the oldest) of posts changed in place, final. */
  updated: number[];
  /** The newest post when the run started. */
  newestBefore?: PageRow;
}

const HEAD_KEY = 'pages/head.json';
const CHUNKS = 'pages/chunks/';
/** A chunk that grows past this splits in two; a whole index is written half full. */
export const CHUNK_MAX = 1000;
const IO_CONCURRENCY = 16;

/** The order of rows: newest first, ties by path, as feeds and a full build order posts. */
export function compareRows(a: RowKey, b: RowKey): number {
  return newestFirst(
    { ms: Date.parse(a.published), path: a.path },
    { ms: Date.parse(b.published), path: b.path },
  );
}

/** One run's view of the page index: reads chunks as needed, writes changed ones in {@link save}. */
export class PageIndex {
  private readonly chunks = new Map<string, PageRow[]>();
  private readonly dirty = new Set<string>();
  private readonly gone = new Set<string>();
  private readonly where: ShardCache;
  /** Lists changed in this run, by folder. */
  readonly changes = new Map<string, ListChanges>();
  /** Rows of the site list whose page (or a neighbour's link to it) changed; final state is looked up. */
  private readonly touchedPosts = new Map<string, RowKey>();
  /** Paths of pages that belonged to rows removed in this run. */
  readonly removedPaths = new Set<string>();
  /** Alias files (see {@link aliasFile}) whose redirect may have changed in this run. */
  readonly aliasFiles = new Set<string>();
  /** Posts whose row came, went or changed in this run. */
  readonly changedSources = new Set<string>();

  private constructor(
    private readonly state: BlobStore,
    private readonly head: PagesHead,
    private readonly chunkMax: number,
  ) {
    this.where = new ShardCache(new IndexStore(state));
  }

  /**
   * Opens the page index for an incremental run.
   * @param chunkMax - rows a chunk holds before it splits (small in tests, to exercise splits)
   * @returns undefined when there is none, or it was written with another configuration
   */
  static async open(
    state: BlobStore,
    configHash: string,
    chunkMax = CHUNK_MAX,
  ): Promise<PageIndex | undefined> {
    const head = await readHead(state);
    if (head === undefined || head.configHash !== configHash) return undefined;
    return new PageIndex(state, head, chunkMax);
  }

  /**
   * Opens the page index as it is, whatever configuration wrote it, to look posts up (another
   * language's run asks which of its translations are published).
   * @returns undefined when there is none
   */
  static async read(state: BlobStore): Promise<PageIndex | undefined> {
    const head = await readHead(state);
    return head === undefined ? undefined : new PageIndex(state, head, CHUNK_MAX);
  }

  /**
   * Writes the whole index from every published post (a rebuild), replacing what was there.
   * @param published - every published post that owns its URL, newest first
   * @param chunkMax - rows a chunk holds before it splits
   */
  static async write(
    state: BlobStore,
    configHash: string,
    published: readonly PageRow[],
    chunkMax = CHUNK_MAX,
  ): Promise<PageIndex> {
    const old = await readHead(state);
    // Chunk names continue from the previous index's, so none of its chunks is overwritten by mistake.
    const head: PagesHead = {
      version: 3,
      configHash,
      nextChunk: old?.nextChunk ?? 0,
      lists: {},
      signatures: {},
    };
    const index = new PageIndex(state, head, chunkMax);
    const lists = new Map<string, PageRow[]>([['', []]]);
    for (const row of published)
      for (const folder of foldersOf(row)) {
        const rows = lists.get(folder) ?? [];
        rows.push(row);
        lists.set(folder, rows);
      }
    for (const [folder, rows] of lists) {
      const list: ListHead = { chunks: [] };
      const fill = Math.max(1, chunkMax >> 1);
      for (let i = 0; i < rows.length; i += fill) list.chunks.push(index.newChunk(rows.slice(i, i + fill)));
      await index.setNewest(list);
      head.lists[folder] = list;
    }
    await index.where.reset('pagerows');
    await index.where.reset('aliases');
    await index.where.reset('images');
    head.images = true;
    for (const row of published) {
      await index.setWhere(row.source, { published: row.published, path: row.path });
      await index.claimAliases(row, true);
      await index.showImage(row, true);
    }
    index.aliasFiles.clear();
    // Chunks of the previous index that this one does not reuse (names are never reused).
    if (old !== undefined)
      for (const list of Object.values(old.lists)) for (const c of list.chunks) index.gone.add(c.id);
    return index;
  }

  /** The folders of the lists that have posts: `` and each term with a published post, sorted. */
  folders(): string[] {
    return Object.keys(this.head.lists).sort();
  }

  /** How many posts a list has (0 when it does not exist). */
  count(folder: string): number {
    return (this.head.lists[folder]?.chunks ?? []).reduce((sum, c) => sum + c.count, 0);
  }

  /** The published posts claiming an alias file, by source. */
  async aliasClaims(file: string): Promise<AliasClaim[]> {
    return (await this.where.get('aliases', file))[file] ?? [];
  }

  /** A list's newest post. */
  newest(folder: string): PageRow | undefined {
    return this.head.lists[folder]?.newest;
  }

  /** The name a term's list goes by: its newest post's spelling (undefined when it has no post). */
  termName(folder: string): string | undefined {
    return termNameIn(folder, this.head.lists[folder]?.newest);
  }

  /** Folders of terms that still have posts and are named anew in this run (their newest post's spelling). */
  renamed(): string[] {
    return [...this.changes]
      .filter(([folder, changes]) => {
        if (folder === '' || changes.newestBefore === undefined) return false;
        const name = this.termName(folder);
        return name !== undefined && name !== termNameIn(folder, changes.newestBefore);
      })
      .map(([folder]) => folder);
  }

  /** Signatures of pages written from outside the index. */
  get signatures(): Record<string, string> {
    return this.head.signatures;
  }

  set signatures(value: Record<string, string>) {
    this.head.signatures = value;
  }

  /**
   * Makes each post's place in every list what its row says: added, moved, changed in place or
   * removed (undefined: not published now). Changes are recorded for {@link changes}. Removals come
   * first, so that a post taking over another's URL and date (a rename) never meets it in a list.
   * @param changes - at most one per source
   */
  async apply(changes: readonly { source: string; row: PageRow | undefined }[]): Promise<void> {
    const added: PageRow[] = [];
    for (const { source, row } of changes) {
      const key = (await this.where.get('pagerows', source))[source];
      const old = key === undefined ? undefined : await this.find(key, source);
      if (old === undefined && row === undefined) continue;
      if (old !== undefined && row !== undefined && JSON.stringify(old) === JSON.stringify(row)) continue;
      this.changedSources.add(source);
      const folders = row ? foldersOf(row) : [];
      if (old !== undefined) await this.claimAliases(old, false);
      if (row !== undefined) await this.claimAliases(row, true);
      if (this.head.images && old?.image !== row?.image) {
        if (old !== undefined) await this.showImage(old, false);
        if (row !== undefined) await this.showImage(row, true);
      }
      if (
        old !== undefined &&
        row !== undefined &&
        compareRows(old, row) === 0 &&
        foldersOf(old).join('\n') === folders.join('\n')
      ) {
        for (const folder of folders) await this.replace(folder, row);
        continue;
      }
      if (old !== undefined) {
        for (const folder of foldersOf(old)) await this.remove(folder, old);
        this.removedPaths.add(old.path);
        await this.setWhere(source, undefined);
      }
      if (row !== undefined) added.push(row);
    }
    for (const row of added) {
      for (const folder of foldersOf(row)) await this.insert(folder, row);
      await this.setWhere(row.source, keyOf(row));
    }
  }

  /**
   * Rows of a list by position, newest first: `from` (included) to `to` (excluded).
   * Reads only the chunks that hold them.
   */
  async rows(folder: string, from: number, to: number): Promise<PageRow[]> {
    const list = this.head.lists[folder];
    if (list === undefined) return [];
    const found: PageRow[] = [];
    let start = 0;
    for (const ref of list.chunks) {
      const end = start + ref.count;
      if (end > from && start < to) {
        const rows = await this.chunk(ref.id);
        found.push(...rows.slice(Math.max(0, from - start), Math.min(ref.count, to - start)));
      }
      if (end >= to) break;
      start = end;
    }
    return found;
  }

  /**
   * The lists whose newest `depth` posts include one showing an image: the feeds whose enclosure
   * sizes change with that image's file. Reads the rows of the posts showing it, not every row.
   * @param urls - image URLs as rows hold them
   */
  async listsShowing(urls: Iterable<string>, depth: number): Promise<Set<string>> {
    if (!this.head.images) {
      // An index written before images were indexed: built once from its rows.
      await this.where.reset('images');
      for (const row of await this.rows('', 0, this.count(''))) await this.showImage(row, true);
      this.head.images = true;
    }
    const folders = new Set<string>();
    for (const url of urls)
      for (const source of (await this.where.get('images', url))[url] ?? []) {
        const key = (await this.where.get('pagerows', source))[source];
        const row = key === undefined ? undefined : await this.find(key, source);
        if (row === undefined) continue;
        for (const folder of foldersOf(row)) {
          const rank = await this.rankOf(folder, row, source);
          if (rank !== undefined && rank < depth) folders.add(folder);
        }
      }
    return folders;
  }

  /** The position (newest first) of a row in a list, or undefined when it is not there. */
  async rankOf(folder: string, key: RowKey, source: string): Promise<number | undefined> {
    const list = this.head.lists[folder];
    if (list === undefined) return undefined;
    const at = this.chunkAt(list, key);
    const ref = list.chunks[at];
    if (ref === undefined) return undefined;
    const rows = await this.chunk(ref.id);
    const i = lowerBound(rows, key);
    if (rows[i]?.source !== source) return undefined;
    return list.chunks.slice(0, at).reduce((sum, c) => sum + c.count, 0) + i;
  }

  /** The path of a published post's page, or undefined when the post has no row. */
  async pathOf(source: string): Promise<string | undefined> {
    return (await this.where.get('pagerows', source))[source]?.path;
  }

  /**
   * Has the page of a published post written again, though its row did not change (a translation
   * of it changed). Does nothing for a source with no row.
   */
  async touchPost(source: string): Promise<void> {
    const key = (await this.where.get('pagerows', source))[source];
    if (key !== undefined && !this.touchedPosts.has(source)) this.touchedPosts.set(source, key);
  }

  /** Rows of the site list whose post page must be written, with where they were. */
  postsToWrite(): [string, RowKey][] {
    return [...this.touchedPosts];
  }

  /** Writes changed chunks and the head. */
  async save(): Promise<void> {
    await mapLimit([...this.dirty], IO_CONCURRENCY, (id) =>
      this.state.put(`${CHUNKS}${id}.json`, JSON.stringify(this.chunks.get(id) ?? []), {
        contentType: 'application/json',
      }),
    );
    await mapLimit(
      [...this.gone].filter((id) => !this.dirty.has(id)),
      IO_CONCURRENCY,
      (id) => this.state.delete(`${CHUNKS}${id}.json`),
    );
    await this.where.flush();
    await this.state.put(HEAD_KEY, JSON.stringify(this.head), { contentType: 'application/json' });
    this.dirty.clear();
    this.gone.clear();
  }

  private async find(key: RowKey, source: string): Promise<PageRow | undefined> {
    const list = this.head.lists[''];
    if (list === undefined) return undefined;
    const ref = list.chunks[this.chunkAt(list, key)];
    if (ref === undefined) return undefined;
    const rows = await this.chunk(ref.id);
    const row = rows[lowerBound(rows, key)];
    return row?.source === source ? row : undefined;
  }

  private async setWhere(source: string, key: RowKey | undefined): Promise<void> {
    const where = await this.where.get('pagerows', source);
    if (key === undefined) delete where[source];
    else where[source] = key;
    this.where.touch('pagerows', source);
  }

  /**
   * Adds or removes a row's claims on its alias files, and notes the files whose redirect may
   * change: those it claims, and its own page's (a real page wins over any alias there).
   */
  private async claimAliases(row: PageRow, add: boolean): Promise<void> {
    this.aliasFiles.add(aliasFile(row.path));
    for (const alias of row.aliases ?? []) {
      const file = aliasFile(alias);
      this.aliasFiles.add(file);
      const claims = await this.where.get('aliases', file);
      const rest = (claims[file] ?? []).filter((c) => !(c.source === row.source && c.alias === alias));
      const next = add ? [...rest, { alias, source: row.source, path: row.path }] : rest;
      next.sort((a, b) => compareText(a.source, b.source) || compareText(a.alias, b.alias));
      if (next.length === 0) delete claims[file];
      else claims[file] = next;
      this.where.touch('aliases', file);
    }
  }

  /** Adds or removes a row's post among those showing its image. */
  private async showImage(row: PageRow, add: boolean): Promise<void> {
    const url = row.image;
    if (url === undefined) return;
    const users = await this.where.get('images', url);
    const rest = (users[url] ?? []).filter((source) => source !== row.source);
    if (add) {
      rest.push(row.source);
      rest.sort(compareText);
    }
    if (rest.length === 0) delete users[url];
    else users[url] = rest;
    this.where.touch('images', url);
  }

  private changesOf(folder: string): ListChanges {
    let changes = this.changes.get(folder);
    if (changes === undefined) {
      const list = this.head.lists[folder];
      changes = {
        countBefore: list === undefined ? undefined : this.count(folder),
        updated: [],
        ...(list?.newest ? { newestBefore: list.newest } : {}),
      };
      this.changes.set(folder, changes);
    }
    return changes;
  }

  private async replace(folder: string, row: PageRow): Promise<void> {
    const changes = this.changesOf(folder);
    const list = this.head.lists[folder] as ListHead;
    const at = this.chunkAt(list, row);
    const ref = list.chunks[at] as ChunkRef;
    const rows = await this.chunk(ref.id);
    const i = lowerBound(rows, row);
    rows[i] = row;
    this.dirty.add(ref.id);
    await this.setNewest(list);
    const rank = list.chunks.slice(0, at).reduce((sum, c) => sum + c.count, 0) + i;
    changes.updated.push(this.count(folder) - 1 - rank);
    if (folder === '') await this.touchAround(rank);
  }

  private async remove(folder: string, row: PageRow): Promise<void> {
    const changes = this.changesOf(folder);
    const list = this.head.lists[folder] as ListHead;
    const count = this.count(folder);
    const at = this.chunkAt(list, row);
    const ref = list.chunks[at] as ChunkRef;
    const rows = await this.chunk(ref.id);
    const i = lowerBound(rows, row);
    const rank = list.chunks.slice(0, at).reduce((sum, c) => sum + c.count, 0) + i;
    rows.splice(i, 1);
    ref.count--;
    this.dirty.add(ref.id);
    if (rows.length === 0) {
      list.chunks.splice(at, 1);
      this.gone.add(ref.id);
      this.dirty.delete(ref.id);
    } else if (i === 0) ref.first = keyOf(rows[0] as PageRow);
    this.shift(changes, count - 1 - rank);
    if (list.chunks.length === 0 && folder !== '') delete this.head.lists[folder];
    else await this.setNewest(list);
    // Its neighbours now link to each other.
    if (folder === '') await this.touchRanks([rank - 1, rank]);
  }

  private async insert(folder: string, row: PageRow): Promise<void> {
    const changes = this.changesOf(folder);
    let list = this.head.lists[folder];
    if (list === undefined) {
      list = { chunks: [] };
      this.head.lists[folder] = list;
    }
    if (list.chunks.length === 0) list.chunks.push(this.newChunk([]));
    const at = this.chunkAt(list, row);
    const ref = list.chunks[at] as ChunkRef;
    const rows = await this.chunk(ref.id);
    const i = lowerBound(rows, row);
    rows.splice(i, 0, row);
    ref.count++;
    if (i === 0) ref.first = keyOf(row);
    this.dirty.add(ref.id);
    const rank = list.chunks.slice(0, at).reduce((sum, c) => sum + c.count, 0) + i;
    if (rows.length > this.chunkMax) {
      const half = rows.splice(rows.length >> 1);
      ref.count = rows.length;
      list.chunks.splice(at + 1, 0, this.newChunk(half));
    }
    await this.setNewest(list);
    this.shift(changes, this.count(folder) - 1 - rank);
    if (folder === '') await this.touchRanks([rank - 1, rank, rank + 1]);
  }

  private shift(changes: ListChanges, position: number): void {
    if (changes.shiftFrom === undefined || position < changes.shiftFrom) changes.shiftFrom = position;
  }

  private async touchAround(rank: number): Promise<void> {
    await this.touchRanks([rank - 1, rank, rank + 1]);
  }

  private async touchRanks(ranks: number[]): Promise<void> {
    const from = Math.max(0, Math.min(...ranks));
    for (const row of await this.rows('', from, Math.max(...ranks) + 1))
      this.touchedPosts.set(row.source, keyOf(row));
  }

  private async setNewest(list: ListHead): Promise<void> {
    const first = list.chunks[0];
    const newest = first === undefined ? undefined : (await this.chunk(first.id))[0];
    if (newest === undefined) delete list.newest;
    else list.newest = newest;
  }

  private newChunk(rows: PageRow[]): ChunkRef {
    const id = (this.head.nextChunk++).toString(36);
    this.chunks.set(id, rows);
    this.dirty.add(id);
    const first = rows[0];
    return { id, first: first ? keyOf(first) : { published: '', path: '' }, count: rows.length };
  }

  /** The chunk whose range holds `key`: the last one whose first row is not after it. */
  private chunkAt(list: ListHead, key: RowKey): number {
    let lo = 0;
    let hi = list.chunks.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (compareRows((list.chunks[mid] as ChunkRef).first, key) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private async chunk(id: string): Promise<PageRow[]> {
    let rows = this.chunks.get(id);
    if (rows === undefined) {
      const bytes = await this.state.get(`${CHUNKS}${id}.json`);
      if (bytes === undefined) throw new Error(`page index chunk ${id} is missing; run herald rebuild`);
      rows = JSON.parse(new TextDecoder().decode(bytes)) as PageRow[];
      this.chunks.set(id, rows);
    }
    return rows;
  }
}

async function readHead(state: BlobStore): Promise<PagesHead | undefined> {
  const bytes = await state.get(HEAD_KEY);
  if (bytes === undefined) return undefined;
  const head = JSON.parse(new TextDecoder().decode(bytes)) as Partial<PagesHead>;
  // An index of an older layout (before tags and series, or rows without images) is written anew.
  return head.version === 3 ? (head as PagesHead) : undefined;
}

/** The lists a post is in: the site's, and the list of each of its categories, tags and series. */
export function foldersOf(row: Pick<PageRow, 'categories' | 'tags' | 'series'>): string[] {
  return [
    '',
    ...TAXONOMIES.flatMap((taxonomy) => termsNamed(row[taxonomy]).map((t) => termFolder(taxonomy, t.slug))),
  ];
}

/** How a row spells the term of a list folder (undefined for the site list, or no row). */
function termNameIn(folder: string, row: PageRow | undefined): string | undefined {
  const term = folderTerm(folder);
  if (term === undefined || row === undefined) return undefined;
  return termsNamed(row[term.taxonomy]).find((t) => t.slug === term.slug)?.name;
}

/** The file an alias or a post's page is written to: `/a/` and `/a/index.html` are one file. */
export function aliasFile(path: string): string {
  return path.endsWith('/') ? `${path}index.html` : path;
}

function keyOf(row: RowKey): RowKey {
  return { published: row.published, path: row.path };
}

/** The first index whose row is not before `key`. */
function lowerBound(rows: readonly RowKey[], key: RowKey): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareRows(rows[mid] as RowKey, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
