import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { type PublishDeps, publishChanges, publishDue } from '../../functions/app/publish-site.ts';
import { contentStore, postFile, SITE_YAML } from '../helpers/memory-content.ts';

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

// Categories and tags in two cases: one term each, named by its newest post in both modes.
const CATEGORIES = ['News', 'Tech', 'Life', 'news'];
const TAGS = ['Go', 'go', 'Rust', 'web dev'];
const UNSAFE_KEYS = [
  'posts/../x.md',
  'posts/./p1.md',
  'posts//p2.md',
  'posts/a\\..\\b.md',
  'static/../i.png',
  'static//images/i9.png',
];

/** The site's feed and page files as text, and the bundle resources it publishes, by key. */
function feedFiles(store: MemoryBlobStore): Record<string, string> {
  const files: Record<string, string> = {};
  for (const key of [...store.objects.keys()].sort()) {
    if (/(^|\/)(rss\.xml|atom\.xml|feed\.json|index\.html|404\.html|sitemap(-[a-z0-9-]+)?\.xml)$/.test(key))
      files[key] = store.text(key) ?? '';
    else if (!key.startsWith('images/')) files[key] = `${store.objects.get(key)?.body.byteLength} bytes`;
  }
  return files;
}

/**
 * Odd seeds' sites publish Japanese too (translations are its posts, under /ja/); even seeds' name
 * no languages, so the same `.ja.md` files are posts or a bundle's resources, as Hugo reads them.
 * Half and half keeps the suite's time: a second language doubles each run's work.
 */
const languagesFor = (seed: number) => (seed % 2 === 1 ? 'languages:\n  ja: { title: ブログ }\n' : '');

/** Page bundles of the random history: their index files, translations and resources. */
const BUNDLES = ['posts/b0/', 'posts/b1/', 'posts/b1/inner/'];
const RESOURCES = ['r0.png', 'photos/r1.jpg', 'doc.pdf'];

/**
 * Six seeds keep the suite inside its time budget; `HERALD_EQUIVALENCE_SEEDS=200 npx vitest run
 * tests/app/publish-equivalence.test.ts` walks more histories when the publish path changes. Each
 * history has pages and aliases, except every sixth: a feeds-only site (tag and series feeds planned
 * from the page index's lists, no pages), and the one before it, without aliases (a publish then
 * plans pages from the lists alone, never every page).
 */
const HISTORIES = Array.from({ length: Number(process.env.HERALD_EQUIVALENCE_SEEDS ?? 6) }, (_, i) => {
  const seed = i + 1;
  return { seed, pages: seed % 6 !== 0, aliases: seed % 6 !== 5 };
});

describe('incremental publishing', () => {
  it.each(HISTORIES)(
    'writes what a full build of the last good posts writes (random history, seed $seed, pages $pages, aliases $aliases)',
    async ({ seed, pages, aliases }) => {
      const next = random(seed);
      const siteYaml = `${SITE_YAML.replace('timezone: UTC', 'timezone: Europe/Paris')}feedLimit: 3\npageSize: 2\npages: ${pages}\n${languagesFor(seed)}`;
      let now = new Date('2024-06-01T00:00:00Z');
      const deps: PublishDeps & { content: MemoryBlobStore; output: MemoryBlobStore } = {
        content: await contentStore({}, siteYaml),
        output: new MemoryBlobStore(),
        state: new MemoryBlobStore(),
        clock: { now: () => now },
        log: silentLogger,
      };
      // What a full build should see: the content, except that a broken upload leaves the last good
      // version of its post in place (or nothing, if it never had one), as publishing promises.
      const lastGood = await contentStore({}, siteYaml);
      await publishChanges(deps, []);
      /** Deletes a file, or writes it with a new size, in both stores. */
      const addOrRemoveFile = async (key: string): Promise<void> => {
        if (next() < 0.3) {
          await deps.content.delete(key);
          await lastGood.delete(key);
        } else {
          const bytes = new Uint8Array(1 + Math.floor(next() * 50));
          await deps.content.put(key, bytes);
          await lastGood.put(key, bytes);
        }
      };
      /**
       * Uploads a version that does not parse. The full build sees the last good version, or the
       * broken file if there never was one: a broken index file publishes nothing, yet still makes
       * its folder a bundle (the other markdown there its resources), in a full build as on upload.
       */
      const putBroken = async (key: string): Promise<void> => {
        const broken = '---\ntitle: Broken\ndate: never\n---\nx\n';
        await deps.content.put(key, broken);
        if ((await lastGood.get(key)) === undefined) await lastGood.put(key, broken);
      };
      for (let step = 0; step < 80; step++) {
        const bundle = BUNDLES[Math.floor(next() * BUNDLES.length)] ?? 'posts/b0/';
        let key = next() < 0.25 ? `${bundle}index.md` : `posts/p${Math.floor(next() * 14)}.md`;
        const roll = next();
        if (roll < 0.06) {
          // Resources of bundles (and of a bundle inside a bundle) come, change and go.
          key = `${bundle}${RESOURCES[Math.floor(next() * RESOURCES.length)]}`;
          await addOrRemoveFile(key);
        } else if (roll < 0.1) {
          // Translations (of bundles and of single-file posts) and a bundle's other markdown come,
          // change, break and go: a translation never takes the post's URL, and is published in its
          // language's folder; a bundle's markdown is no post.
          const n = Math.floor(next() * 14);
          const choice = next();
          key =
            choice < 0.4 ? `${bundle}index.ja.md` : choice < 0.8 ? `posts/p${n}.ja.md` : `${bundle}notes.md`;
          const file = postFile(
            `Japanese ${step}`,
            '2024-05-03',
            // Static images (at the root in every language) give each language's items enclosures.
            `${next() < 0.5 ? 'slug: shared 0' : 'tags: [Go]'}\nimage: /images/i${step % 3}.png`,
          );
          const what = next();
          if (what < 0.25) {
            await deps.content.delete(key);
            await lastGood.delete(key);
          } else if (what < 0.35) {
            await putBroken(key);
          } else {
            await deps.content.put(key, file);
            await lastGood.put(key, file);
          }
        } else if (roll < 0.12) {
          // Images come and go; posts that use them gain or lose their enclosure.
          key = `static/images/i${Math.floor(next() * 3)}.png`;
          await addOrRemoveFile(key);
        } else if (roll < 0.2) {
          await deps.content.delete(key);
          await lastGood.delete(key);
        } else if (roll < 0.27) {
          await putBroken(key);
        } else if (roll < 0.31) {
          // Keys that are not one canonical path are never posts or files, in either kind of run.
          key = UNSAFE_KEYS[Math.floor(next() * UNSAFE_KEYS.length)] ?? 'posts/../x.md';
          await deps.content.put(key, postFile(`Unsafe ${step}`, '2024-05-02', 'image: /images/i0.png'));
        } else {
          const day = 1 + Math.floor(next() * 40);
          const date = new Date(Date.UTC(2024, 4, day, Math.floor(next() * 24))).toISOString();
          const cats = CATEGORIES.filter(() => next() < 0.4);
          const tags = TAGS.filter(() => next() < 0.3);
          const extra = [
            cats.length > 0 ? `categories: [${cats.join(', ')}]` : '',
            tags.length > 0 ? `tags: [${tags.join(', ')}]` : '',
            next() < 0.15 ? `series: [Series ${Math.floor(next() * 2)}]` : '',
            next() < 0.1 ? 'draft: true' : '',
            next() < 0.1 ? `slug: shared ${Math.floor(next() * 2)}` : '',
            // A bundle's own image: its enclosure has the resource's size.
            key.endsWith('/index.md') && next() < 0.5
              ? 'image: r0.png'
              : next() < 0.3
                ? `image: /images/i${Math.floor(next() * 3)}.png`
                : '',
            key.endsWith('/index.md') && next() < 0.2 ? 'headless: true' : '',
            // Expiring posts leave at their expiry, which the tick must notice.
            next() < 0.2
              ? `expiryDate: ${new Date(Date.parse(date) + Math.floor(next() * 20) * 86_400_000).toISOString()}`
              : '',
            // Aliases redirect; they collide with each other and with real posts' URLs.
            next() < 0.25 && aliases
              ? `aliases: [/old/${key.slice(6, -3)}/, ${next() < 0.5 ? '/old/shared/' : `/posts/p${Math.floor(next() * 14)}/`}]`
              : '',
            next() < 0.05 ? `url: /pages/p${Math.floor(next() * 3)}/` : '',
          ].join('\n');
          await deps.content.put(key, postFile(`Title ${step}`, date, extra));
          await lastGood.put(key, postFile(`Title ${step}`, date, extra));
        }
        if (next() < 0.15) now = new Date(now.getTime() + 3 * 86_400_000);
        await publishChanges(deps, [key]);
        if (next() < 0.15) {
          now = new Date(now.getTime() + 2 * 86_400_000);
          await publishDue(deps);
        }

        const built = new MemoryBlobStore();
        await buildSite({ content: lastGood, output: built, clock: fixedClock(now), log: silentLogger });
        expect({ step, files: feedFiles(deps.output) }).toEqual({ step, files: feedFiles(built) });
      }
    },
  );
});
