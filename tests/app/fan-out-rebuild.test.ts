import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { MemoryRebuildQueue } from '../../functions/adapters/memory-rebuild-queue.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { publishChanges, rebuildSite } from '../../functions/app/publish-site.ts';
import { finishRebuild } from '../../functions/app/rebuild/finish-rebuild.ts';
import { type FanOutDeps, startRebuild } from '../../functions/app/rebuild/plan-rebuild.ts';
import { runRebuildWork } from '../../functions/app/rebuild/rebuild-shards.ts';
import type { BlobStore, PutOptions } from '../../functions/ports/blob-store.ts';
import type { Logger } from '../../functions/ports/logger.ts';
import type { RebuildMessage } from '../../functions/ports/rebuild-queue.ts';
import { postFile, SITE_YAML } from '../helpers/memory-content.ts';

const NOW = new Date('2024-06-01T00:00:00Z');
const POSTS = 300;
const SHARD = 50;
const CATEGORIES = ['News', 'Tech', 'Life', 'Café & Co'];

const PHOTO = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5, 6]);

/**
 * A site of 300 posts with every feature a rebuild must get right: categories, tags and series (a
 * term spelt in two cases), drafts, scheduled and expired posts, two posts claiming one URL, a post
 * that does not parse, links between posts (one to a missing post, one to the post that fails for
 * it), aliases (two claiming one old URL, one naming a real post's URL), page bundles with resources
 * (one expired), a translation, a category's _index.md, images with sizes.
 */
function siteFiles(): Record<string, string | Uint8Array> {
  const files: Record<string, string | Uint8Array> = {
    'site.yaml': `${SITE_YAML}feedLimit: 5\npageSize: 7\nlanguages:\n  ja: {}\n`,
    'static/images/a.png': new Uint8Array(123),
    'categories/Tech/_index.md': '---\ntitle: Technology\ndescription: Machines & <code>.\n---\n',
    'posts/Image Gallery/index.md': postFile(
      'Image Gallery',
      '2023-02-01',
      'image: photo.png\ntags: [Photos]',
      '![A photo](photo.png) and [the notes](files/notes.pdf).',
    ),
    'posts/Image Gallery/photo.png': PHOTO,
    'posts/Image Gallery/files/notes.pdf': '%PDF-1.4 tiny',
    'posts/Image Gallery/index.ja.md': postFile('ギャラリー', '2023-02-01', '', '日本語'),
    'posts/hello.fr.md': postFile('Bonjour', '2023-02-02'),
    'posts/gone-bundle/index.md': postFile('Gone bundle', '2023-02-03', 'expiryDate: 2024-01-01'),
    'posts/gone-bundle/old.png': PHOTO,
  };
  for (let i = 0; i < POSTS; i++) {
    const day = new Date(Date.UTC(2023, 0, 1) + i * 37_000_000).toISOString();
    const extra = [
      `categories: [${CATEGORIES.filter((_, c) => (i + c) % 3 === 0).join(', ')}]`,
      i % 4 === 0 ? `tags: [${i % 8 === 0 ? 'Writing' : 'writing'}, t${i % 5}]` : '',
      i % 9 === 0 ? `series: [Series ${i % 2}]` : '',
      i % 41 === 0 ? 'draft: true' : '',
      i % 10 === 0 ? 'image: /images/a.png' : '',
      i === 7 || i === 8 ? 'slug: shared' : '',
      i === 50 || i === 51 ? `aliases: [/old/p${i}/, /old/shared/]` : '',
      i === 52 ? 'aliases: [/posts/p053/]' : '',
      i === 60 || i === 61 ? 'expiryDate: 2024-03-01' : '',
    ].join('\n');
    const next = String(i + 1).padStart(3, '0');
    const body =
      i === 13
        ? 'See {{< ref "missing.md" >}}.'
        : i === 14
          ? 'See {{< ref "p013.md" >}}.'
          : i % 25 === 0
            ? `See {{< ref "p${next}.md" >}} and {{< relref "z-later.md" >}}.`
            : undefined;
    files[`posts/p${String(i).padStart(3, '0')}.md`] = postFile(`Post ${i}`, day, extra, body);
  }
  files['posts/z-later.md'] = postFile('Later', '2024-09-01');
  files['posts/z-broken.md'] = postFile('Broken', 'never');
  return files;
}

/** A repeatable random number generator (numbers in [0, 1)), so that a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function storeOf(files: Record<string, string | Uint8Array>): Promise<MemoryBlobStore> {
  const store = new MemoryBlobStore();
  for (const [key, body] of Object.entries(files)) await store.put(key, body);
  return store;
}

/** Every object of a store, as text, except the rebuild's own working objects. */
function objects(store: MemoryBlobStore): Record<string, string> {
  const all: Record<string, string> = {};
  for (const key of [...store.objects.keys()].sort())
    if (!key.startsWith('rebuild/')) all[key] = store.text(key) ?? '';
  return all;
}

/**
 * The state bucket's objects as data: the same index, whatever order its shards list their keys in
 * (that follows the order posts were indexed in, which a one-run rebuild does not fix either), and
 * with the page index's chunks numbered in the order its head lists them. A chunk's name is never
 * reused, so a final step run again after a crash names its chunks after those of the first try:
 * the same rows under other names.
 */
function stateOf(store: MemoryBlobStore): Record<string, unknown> {
  const sorted = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sorted)
      : typeof value === 'object' && value !== null
        ? Object.fromEntries(
            Object.entries(value)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, v]) => [k, sorted(v)]),
          )
        : value;
  const state = Object.fromEntries(
    Object.entries(objects(store)).map(([key, text]) => [key, JSON.parse(text)]),
  );
  const head = state['pages/head.json'] as
    | { nextChunk: number; lists: Record<string, { chunks: { id: string }[] }> }
    | undefined;
  if (head !== undefined) {
    const names = new Map<string, string>();
    for (const folder of Object.keys(head.lists).sort())
      for (const chunk of head.lists[folder]?.chunks ?? []) {
        const name = `chunk-${names.size}`;
        names.set(chunk.id, name);
        state[`pages/chunks/${name}.json`] = state[`pages/chunks/${chunk.id}.json`];
        delete state[`pages/chunks/${chunk.id}.json`];
        chunk.id = name;
      }
    head.nextChunk = names.size;
  }
  return sorted(state) as Record<string, unknown>;
}

/** A store that fails one write matching `when` (the first `times` such writes), as a crash would. */
class FailingStore implements BlobStore {
  failures = 0;
  constructor(
    readonly inner: MemoryBlobStore,
    private readonly when: (key: string) => boolean,
    private times = 1,
  ) {}
  get = (key: string) => this.inner.get(key);
  getVersioned = (key: string) => this.inner.getVersioned(key);
  delete = (key: string) => this.inner.delete(key);
  list = (prefix: string) => this.inner.list(prefix);
  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    if (this.times > 0 && this.when(key)) {
      this.times--;
      this.failures++;
      throw new Error(`injected crash writing ${key}`);
    }
    return this.inner.put(key, body, options);
  }
}

interface Stores {
  content: MemoryBlobStore;
  output: MemoryBlobStore;
  state: MemoryBlobStore;
}

let expectedRun: Promise<Stores> | undefined;
/** The one-run rebuild of {@link siteFiles}, made once: what every fan-out must equal. */
function expectedSite(): Promise<Stores> {
  expectedRun ??= singleRun();
  return expectedRun;
}

/** Stores holding what `stores` hold, to change without changing them. */
function copyOf(stores: Stores): Stores {
  const copy = (store: MemoryBlobStore) => {
    const copied = new MemoryBlobStore();
    for (const [key, blob] of store.objects) copied.objects.set(key, { ...blob });
    return copied;
  };
  return { content: copy(stores.content), output: copy(stores.output), state: copy(stores.state) };
}

async function singleRun(files = siteFiles()): Promise<Stores> {
  const stores = {
    content: await storeOf(files),
    output: new MemoryBlobStore(),
    state: new MemoryBlobStore(),
  };
  await rebuildSite({ ...stores, clock: fixedClock(NOW), log: silentLogger });
  return stores;
}

/**
 * Runs a fan-out rebuild to its end, as SQS would deliver its messages: a message whose step throws
 * comes back later; `between` runs after each message (uploads during the rebuild).
 */
async function fanOut(
  stores: Stores,
  options: {
    output?: BlobStore;
    state?: BlobStore;
    log?: Logger;
    deliver?: (message: RebuildMessage) => RebuildMessage[];
    between?: (step: number, deps: FanOutDeps) => Promise<void>;
  } = {},
): Promise<{ steps: number; retried: number }> {
  const queue = new MemoryRebuildQueue();
  const deps: FanOutDeps = {
    content: stores.content,
    output: options.output ?? stores.output,
    state: options.state ?? stores.state,
    clock: fixedClock(NOW),
    log: options.log ?? silentLogger,
    rebuild: { queue, shardSize: SHARD },
  };
  let steps = 0;
  let retried = 0;
  try {
    await startRebuild(deps);
  } catch {
    // The publish function's event comes back, as SQS redelivers it.
    retried++;
    await startRebuild(deps);
  }
  for (let message = queue.take(); message !== undefined; message = queue.take()) {
    for (const delivered of options.deliver?.(message) ?? [message]) {
      try {
        if (delivered.step === 'finish') await finishRebuild(deps, delivered);
        else await runRebuildWork(deps, delivered);
      } catch {
        retried++;
        queue.messages.push(delivered);
      }
      steps++;
      await options.between?.(steps, deps);
    }
    if (steps > 1000) throw new Error('the rebuild does not end');
  }
  return { steps, retried };
}

describe('fan-out rebuild', () => {
  it('writes byte for byte what the one-run rebuild writes: feeds, pages, index and records', async () => {
    const expected = await expectedSite();
    const stores = {
      content: await storeOf(siteFiles()),
      output: new MemoryBlobStore(),
      state: new MemoryBlobStore(),
    };
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (message) => warnings.push(message) };
    const { steps } = await fanOut(stores, { log });
    // 7 shards read, the catalogue, 7 shards rendered, 2 shares of the list pages (5 shards' worth of
    // published posts each), the finish.
    expect(steps).toBe(18);
    expect(Object.keys(objects(stores.output)).length).toBeGreaterThan(300);
    // The site holds what makes it hard (so that equality below means something).
    const site = objects(expected.output);
    for (const key of [
      'posts/image-gallery/photo.png',
      'posts/image-gallery/files/notes.pdf',
      'old/p50/index.html',
      'old/shared/index.html',
      'tags/writing/index.html',
      'series/series-1/rss.xml',
      'posts/shared/index.html',
    ])
      expect(site[key], key).toBeDefined();
    for (const key of ['posts/p013/index.html', 'posts/p014/index.html', 'posts/p060/index.html'])
      expect(site[key], key).toBeUndefined();
    expect(Object.keys(site).filter((key) => key.startsWith('posts/gone-bundle/'))).toEqual([]);
    expect(site['categories/tech/index.html']).toContain('<h1>Technology</h1>');
    expect(site['posts/p025/index.html']).toContain('https://example.org/posts/p026/');
    const links = JSON.parse(expected.state.text('index.json') ?? '{}').links;
    expect(links['posts/p013.md']).toBeNull();
    expect(links['posts/p025.md']['z-later.md']).toBe('https://example.org/posts/z-later/');
    // The translation is published in its language's folder, never in the site's own.
    expect(Object.keys(site).filter((key) => key.includes('ja') && !key.startsWith('ja/'))).toEqual([]);
    expect(site['ja/posts/image-gallery/index.html']).toContain('ギャラリー');
    // The post and its translation link each other, though the translation's language is rebuilt
    // after the fan-out of the site's own.
    for (const key of ['posts/image-gallery/index.html', 'ja/posts/image-gallery/index.html'])
      expect(site[key]).toContain(
        '<link rel="alternate" hreflang="ja" href="https://example.org/ja/posts/image-gallery/">\n<link rel="alternate" hreflang="x-default" href="https://example.org/posts/image-gallery/">',
      );
    expect(objects(stores.output)).toEqual(objects(expected.output));
    expect(stateOf(stores.state)).toEqual(stateOf(expected.state));
    // Nothing of the rebuild is left behind, and no post page had to be written again at the end.
    expect([...stores.state.objects.keys()].filter((k) => k.startsWith('rebuild/'))).toEqual([]);
    expect(warnings).not.toContain('pages written again at the end of the rebuild');
  });

  it.each([
    ['a render shard', (key: string) => key.startsWith('posts/p1') && key.endsWith('/index.html'), 'output'],
    ['the catalogue', (key: string) => key.endsWith('/catalogue.json'), 'state'],
    ['a list step', (key: string) => key.startsWith('tags/') && key.endsWith('/index.html'), 'output'],
    ['the final step, before the index head', (key: string) => key === 'index.json', 'state'],
    ['the final step, among the feeds', (key: string) => key === 'categories/tech/atom.xml', 'output'],
  ] as const)('resumes after a crash in %s to the same output', async (_where, when, store) => {
    const expected = await expectedSite();
    const stores = {
      content: await storeOf(siteFiles()),
      output: new MemoryBlobStore(),
      state: new MemoryBlobStore(),
    };
    const failing = new FailingStore(stores[store], when);
    const { retried } = await fanOut(stores, { [store]: failing });
    expect(failing.failures).toBe(1);
    expect(retried).toBe(1);
    expect(objects(stores.output)).toEqual(objects(expected.output));
    expect(stateOf(stores.state)).toEqual(stateOf(expected.state));
  });

  it('resumes after a crash at random writes of any step (plan, shards, final step) to the same output', async () => {
    const expected = await expectedSite();
    const fresh = async () => ({
      content: await storeOf(siteFiles()),
      output: new MemoryBlobStore(),
      state: new MemoryBlobStore(),
    });
    // Every write of an uninterrupted fan-out, to both buckets, numbered in order.
    let writes = 0;
    const counted = await fresh();
    const count = () => {
      writes++;
      return false;
    };
    await fanOut(counted, {
      output: new FailingStore(counted.output, count),
      state: new FailingStore(counted.state, count),
    });
    expect(writes).toBeGreaterThan(500);
    const random = seeded(14);
    for (let round = 0; round < 2; round++) {
      const at = 1 + Math.floor(random() * writes);
      let seen = 0;
      const crash = () => ++seen === at;
      const stores = await fresh();
      const output = new FailingStore(stores.output, crash);
      const state = new FailingStore(stores.state, crash);
      const { retried } = await fanOut(stores, { output, state });
      expect(output.failures + state.failures, `crash at write ${at}`).toBe(1);
      expect(retried).toBe(1);
      expect(objects(stores.output), `crash at write ${at}`).toEqual(objects(expected.output));
      expect(stateOf(stores.state), `crash at write ${at}`).toEqual(stateOf(expected.state));
    }
  });

  it('is not harmed by every message arriving twice, or by a message of a finished rebuild', async () => {
    const expected = await expectedSite();
    const stores = {
      content: await storeOf(siteFiles()),
      output: new MemoryBlobStore(),
      state: new MemoryBlobStore(),
    };
    const seen: RebuildMessage[] = [];
    await fanOut(stores, {
      deliver: (message) => {
        seen.push(message);
        return [message, message];
      },
    });
    expect(objects(stores.output)).toEqual(objects(expected.output));
    expect(stateOf(stores.state)).toEqual(stateOf(expected.state));
    // Late copies of the whole rebuild's messages, after it finished, change nothing.
    const queue = new MemoryRebuildQueue();
    const deps: FanOutDeps = { ...stores, clock: fixedClock(NOW), log: silentLogger, rebuild: { queue } };
    for (const message of seen)
      if (message.step === 'finish') await finishRebuild(deps, message);
      else await runRebuildWork(deps, message);
    expect(queue.messages).toEqual([]);
    expect(objects(stores.output)).toEqual(objects(expected.output));
  });

  it('stops a copy of a list or render step that arrives while the final step runs: it writes no page', async () => {
    const expected = await expectedSite();
    const stores = {
      content: await storeOf(siteFiles()),
      output: new MemoryBlobStore(),
      state: new MemoryBlobStore(),
    };
    const late: RebuildMessage[] = [];
    let deps: FanOutDeps | undefined;
    const lateWrites: string[] = [];
    let ran = false;
    // The final step's first feed: the moment a redelivered copy of earlier steps arrives.
    const output = Object.create(stores.output) as MemoryBlobStore;
    output.put = async (key, body, options) => {
      if (key === 'feed.json' && !ran && deps !== undefined) {
        ran = true;
        const counting = Object.create(stores.output) as MemoryBlobStore;
        counting.put = async (k) => {
          lateWrites.push(k);
        };
        for (const message of late) await runRebuildWork({ ...deps, output: counting }, message as never);
      }
      return stores.output.put(key, body, options);
    };
    await fanOut(stores, {
      output,
      deliver: (message) => {
        if ((message.step === 'lists' || message.step === 'render') && message.shard === 0)
          late.push(message);
        return [message];
      },
      between: async (_step, given) => {
        deps = given;
      },
    });
    expect(ran).toBe(true);
    expect(lateWrites).toEqual([]);
    expect(late.map((m) => m.step)).toEqual(['render', 'lists']);
    expect(objects(stores.output)).toEqual(objects(expected.output));
  });

  it('leaves the live feeds and index alone until the final step, then equals a one-run rebuild over the same site', async () => {
    // A new site.yaml, and posts gone without their events (a bundle's post with it: its resources
    // leave the site; a post whose page goes).
    const change = async (site: Stores) => {
      await site.content.put(
        'site.yaml',
        `${SITE_YAML}feedLimit: 3\npageSize: 7\ntitle: Renamed\nlanguages:\n  ja: {}\n`.replace(
          'title: Test Site\n',
          '',
        ),
      );
      await site.content.delete('posts/Image Gallery/index.md');
      await site.content.delete('posts/p100.md');
    };
    const stores = copyOf(await expectedSite());
    const before = { output: objects(stores.output), index: stores.state.text('index.json') };
    await change(stores);
    await fanOut(stores, {
      between: async (step) => {
        if (step >= 15) return; // the finish is step 16
        expect(stores.state.text('index.json')).toBe(before.index);
        for (const key of [
          'rss.xml',
          'atom.xml',
          'feed.json',
          'index.html',
          'categories/news/rss.xml',
          'sitemap.xml',
        ])
          expect(stores.output.text(key)).toBe(before.output[key]);
      },
    });
    expect(stores.output.text('rss.xml')).toContain('Renamed');
    const single = copyOf(await expectedSite());
    await change(single);
    await rebuildSite({ ...single, clock: fixedClock(NOW), log: silentLogger });
    expect(objects(stores.output)).toEqual(objects(single.output));
    expect(stateOf(stores.state)).toEqual(stateOf(single.state));
    expect(stores.output.objects.has('posts/image-gallery/photo.png')).toBe(false);
    expect(stores.output.objects.has('posts/p100/index.html')).toBe(false);
  });

  it('publishes what was uploaded while it ran: the result is a full build of the content at its end', async () => {
    const stores = {
      content: await storeOf(siteFiles()),
      output: new MemoryBlobStore(),
      state: new MemoryBlobStore(),
    };
    const changes: Record<number, () => Promise<string>> = {
      3: async () => {
        await stores.content.put(
          'posts/p010.md',
          postFile('Edited during the rebuild', '2024-05-30', 'categories: [Tech]'),
        );
        return 'posts/p010.md';
      },
      9: async () => {
        await stores.content.delete('posts/p100.md');
        return 'posts/p100.md';
      },
      12: async () => {
        await stores.content.put('posts/new.md', postFile('Uploaded during the rebuild', '2024-05-31'));
        return 'posts/new.md';
      },
      5: async () => {
        await stores.content.put('posts/Image Gallery/extra.png', PHOTO);
        return 'posts/Image Gallery/extra.png';
      },
      6: async () => {
        await stores.content.put('posts/p003.de.md', postFile('Übersetzt', '2024-05-30'));
        return 'posts/p003.de.md';
      },
      11: async () => {
        await stores.content.delete('posts/Image Gallery/files/notes.pdf');
        return 'posts/Image Gallery/files/notes.pdf';
      },
      13: async () => {
        // The post the broken link chain needs appears: p013 and p014 publish.
        await stores.content.put('posts/missing.md', postFile('No longer missing', '2024-05-28'));
        return 'posts/missing.md';
      },
      14: async () => {
        await stores.content.put('posts/z-broken.md', postFile('Fixed', '2024-05-29'));
        return 'posts/z-broken.md';
      },
    };
    await fanOut(stores, {
      between: async (step, deps) => {
        const change = changes[step];
        if (change === undefined) return;
        // The upload's event reaches the publish function, which leaves it to the rebuild.
        const report = await publishChanges(deps, [await change()]);
        expect(report.rebuilding).toBeDefined();
      },
    });
    const built = new MemoryBlobStore();
    await buildSite({ content: stores.content, output: built, clock: fixedClock(NOW), log: silentLogger });
    expect(objects(stores.output)).toEqual(objects(built));
    expect(stores.output.text('feed.json')).toContain('Uploaded during the rebuild');
    expect(stores.output.objects.has('posts/image-gallery/extra.png')).toBe(true);
    expect(stores.output.objects.has('posts/image-gallery/files/notes.pdf')).toBe(false);
    expect(stores.output.objects.has('posts/p014/index.html')).toBe(true);
    // Publishing works as usual once the rebuild is over.
    await stores.content.put('posts/after.md', postFile('After the rebuild', '2024-05-31T12:00:00Z'));
    const after = await publishChanges({ ...stores, clock: fixedClock(NOW), log: silentLogger }, [
      'posts/after.md',
    ]);
    expect(after.rebuilding).toBeUndefined();
    expect(stores.output.text('feed.json')).toContain('After the rebuild');
  });
});
