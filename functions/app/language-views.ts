import { otherLanguages } from '../core/posts/content-files.ts';
import type { BlobInfo, BlobStore, PutOptions, VersionedBlob } from '../ports/blob-store.ts';
import { mapLimit } from './map-limit.ts';
import { STATIC_PREFIX } from './site-output.ts';

// Each other language of a site is published by the same use-cases as the site's own, over views
// of the same stores: the content bucket as it is (static files aside: they are published once, at
// the root), the site bucket under `<code>/`, and the private state under `languages/<code>/`, so
// that each language has its own post index, page index and feed heads.

/** A store seen from inside one of its folders: keys are relative to `prefix`. */
export class PrefixedStore implements BlobStore {
  constructor(
    private readonly store: BlobStore,
    private readonly prefix: string,
  ) {}

  get(key: string): Promise<Uint8Array | undefined> {
    return this.store.get(this.prefix + key);
  }

  getVersioned(key: string): Promise<VersionedBlob | undefined> {
    return this.store.getVersioned(this.prefix + key);
  }

  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    return this.store.put(this.prefix + key, body, options);
  }

  delete(key: string): Promise<void> {
    return this.store.delete(this.prefix + key);
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    for await (const info of this.store.list(this.prefix + prefix))
      yield { ...info, key: info.key.slice(this.prefix.length) };
  }
}

/** The content bucket without its static files, which the site's own language publishes. */
class ContentWithoutStatic implements BlobStore {
  constructor(private readonly store: BlobStore) {}

  get(key: string): Promise<Uint8Array | undefined> {
    return key.startsWith(STATIC_PREFIX) ? Promise.resolve(undefined) : this.store.get(key);
  }

  getVersioned(key: string): Promise<VersionedBlob | undefined> {
    return key.startsWith(STATIC_PREFIX) ? Promise.resolve(undefined) : this.store.getVersioned(key);
  }

  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    return this.store.put(key, body, options);
  }

  delete(key: string): Promise<void> {
    return this.store.delete(key);
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    for await (const info of this.store.list(prefix)) if (!info.key.startsWith(STATIC_PREFIX)) yield info;
  }
}

/** The stores every publish use-case takes. */
interface Stores {
  content: BlobStore;
  output: BlobStore;
  state?: BlobStore;
}

/** Where the private state of the site's other languages is, each in `<code>/`. */
const LANGUAGES_STATE = 'languages/';
const IO_CONCURRENCY = 16;

/** The private state of one other language: its post index, page index and feed heads. */
export function languageState(state: BlobStore, code: string): BlobStore {
  return new PrefixedStore(state, `${LANGUAGES_STATE}${code}/`);
}

/**
 * The ports of one other language's run: the same content, the site bucket's `<code>/` folder and
 * that language's own state.
 */
export function languageStores<T extends Stores>(deps: T, code: string): T {
  return {
    ...deps,
    content: new ContentWithoutStatic(deps.content),
    output: new PrefixedStore(deps.output, `${code}/`),
    ...(deps.state === undefined ? {} : { state: languageState(deps.state, code) }),
  };
}

/**
 * Runs `run` for each other language the site publishes, after the site's own run.
 * @param site - the site's configuration, as its own run read it; a language's view runs nothing more
 * @returns each language's code and what its run returned
 */
export async function forEachLanguage<R>(
  site: { language: string; languages?: Readonly<Record<string, unknown>>; defaultLanguage?: string },
  run: (code: string) => Promise<R>,
): Promise<{ code: string; report: R }[]> {
  if (site.defaultLanguage !== undefined) return [];
  const reports: { code: string; report: R }[] = [];
  for (const code of otherLanguages(site)) reports.push({ code, report: await run(code) });
  return reports;
}

/**
 * After a rebuild of the site's own language: removes what languages the site no longer publishes
 * (taken out of `languages`, or `disabled`) left in the site bucket under `<code>/`, and their
 * private state. What the rebuild itself wrote there stays: static files (`static/ja/x.txt` is
 * published at `ja/x.txt`) and pages of posts whose URL is now under that folder.
 * @param site - the site's configuration, as the rebuild read it
 * @param keep - keys of the site bucket the rebuild wrote
 * @returns the keys removed from the site bucket
 */
export async function removeFormerLanguages(
  deps: { output: BlobStore; state: BlobStore },
  site: { language: string; languages?: Readonly<Record<string, unknown>>; defaultLanguage?: string },
  keep: ReadonlySet<string>,
): Promise<string[]> {
  if (site.defaultLanguage !== undefined) return [];
  const published = new Set(otherLanguages(site));
  const former = new Set<string>();
  for await (const info of deps.state.list(LANGUAGES_STATE)) {
    const code = info.key.slice(LANGUAGES_STATE.length).split('/')[0] ?? '';
    if (code !== '' && !published.has(code)) former.add(code);
  }
  const removed: string[] = [];
  for (const code of former) {
    const stale: string[] = [];
    for await (const info of deps.output.list(`${code}/`)) if (!keep.has(info.key)) stale.push(info.key);
    await mapLimit(stale, IO_CONCURRENCY, (key) => deps.output.delete(key));
    removed.push(...stale);
    // Its state last: a crash before this point finds the language again on the next rebuild.
    const state: string[] = [];
    for await (const info of deps.state.list(`${LANGUAGES_STATE}${code}/`)) state.push(info.key);
    await mapLimit(state, IO_CONCURRENCY, (key) => deps.state.delete(key));
  }
  return removed;
}
