import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { MAX_PENDING_WRITES } from '../../functions/app/post-index/post-index.ts';
import {
  type PublishDeps,
  publishChanges,
  publishDue,
  rebuildSite,
} from '../../functions/app/publish-site.ts';
import type { Logger } from '../../functions/ports/logger.ts';
import { contentStore, postFile, SITE_YAML } from '../helpers/memory-content.ts';

const NOW = new Date('2024-06-01T00:00:00Z');
const SMALL_SITE = `${SITE_YAML}feedLimit: 3\n`;

async function setup(files: Record<string, string | Uint8Array>, siteYaml = SMALL_SITE) {
  const deps: PublishDeps & { content: MemoryBlobStore; output: MemoryBlobStore; state: MemoryBlobStore } = {
    content: await contentStore(files, siteYaml),
    output: new MemoryBlobStore(),
    state: new MemoryBlobStore(),
    clock: fixedClock(NOW),
    log: silentLogger,
  };
  return deps;
}

/** The state store with every key read through it recorded. */
function watchReads(state: PublishDeps['state']): { read: Set<string>; watched: PublishDeps['state'] } {
  const read = new Set<string>();
  const watched: PublishDeps['state'] = {
    get: (key) => {
      read.add(key);
      return state.get(key);
    },
    getVersioned: (key) => state.getVersioned(key),
    put: (key, body, options) => state.put(key, body, options),
    delete: (key) => state.delete(key),
    list: (prefix) => state.list(prefix),
  };
  return { read, watched };
}

function titles(site: MemoryBlobStore, folder = ''): string[] {
  const json = site.text(`${folder}feed.json`);
  return json === undefined ? [] : JSON.parse(json).items.map((i: { title: string }) => i.title);
}

const five = {
  'posts/a.md': postFile('A', '2024-01-01', 'categories: [News]'),
  'posts/b.md': postFile('B', '2024-01-02', 'categories: [News]'),
  'posts/c.md': postFile('C', '2024-01-03', 'categories: [Tech]'),
  'posts/d.md': postFile('D', '2024-01-04'),
  'posts/e.md': postFile('E', '2024-01-05'),
};

describe('publishChanges', () => {
  it('links a new post to others with ref and logs what it removed, once', async () => {
    const logged: Record<string, unknown>[] = [];
    const deps = await setup(five);
    deps.log = { ...silentLogger, warn: (message, fields = {}) => logged.push({ message, ...fields }) };
    await publishChanges(deps, []);
    await deps.content.put(
      'posts/f.md',
      postFile('F', '2024-02-01', '', 'See [A]({{< ref "a.md" >}}) and {{< tabs >}}{{< tabs >}}.'),
    );
    const report = await publishChanges(deps, ['posts/f.md']);
    expect(report.rebuilt).toBe(false);
    const items = JSON.parse(deps.output.text('feed.json') ?? '{}').items as { content_html: string }[];
    expect(items[0]?.content_html).toBe('<p>See <a href="https://example.org/posts/a/">A</a> and .</p>');
    expect(logged).toEqual([
      {
        message: 'post published with a change',
        key: 'posts/f.md',
        warning: 'shortcode {{< tabs >}} is not built in and there is no shortcodes/tabs.html: removed',
      },
    ]);
  });

  it('rebuilds on first run and writes the same feeds as herald build', async () => {
    const deps = await setup(five);
    const report = await publishChanges(deps, ['posts/a.md']);
    expect(report.rebuilt).toBe(true);
    const built = new MemoryBlobStore();
    await buildSite({ content: deps.content, output: built, clock: deps.clock, log: silentLogger });
    expect([...deps.output.objects.keys()].sort()).toEqual([...built.objects.keys()].sort());
    for (const [key, blob] of built.objects)
      expect([key, deps.output.text(key)]).toEqual([key, new TextDecoder().decode(blob.body)]);
    expect(titles(deps.output)).toEqual(['E', 'D', 'C']);
  });

  it('publishes a new post into the site feed and its category only', async () => {
    const deps = await setup(five);
    await publishChanges(deps, []);
    await deps.content.put('posts/f.md', postFile('F', '2024-02-01', 'categories: [Tech]'));
    const report = await publishChanges(deps, ['posts/f.md']);
    expect(report.rebuilt).toBe(false);
    expect(report.regenerated.sort()).toEqual(['', 'categories/tech/']);
    expect(titles(deps.output)).toEqual(['F', 'E', 'D']);
    expect(titles(deps.output, 'categories/tech/')).toEqual(['F', 'C']);
  });

  it('rewrites no feed for an edit to a post no feed carries', async () => {
    const deps = await setup(five);
    await publishChanges(deps, []);
    await deps.content.put('posts/d.md', postFile('D', '2024-01-04', '', 'Edited body.'));
    const edited = await publishChanges(deps, ['posts/d.md']);
    expect(edited.regenerated).toEqual(['']);
    await deps.content.put('posts/a.md', postFile('A', '2024-01-01', 'categories: [News]', 'Edited body.'));
    const archived = await publishChanges(deps, ['posts/a.md']);
    // A is in no site-wide top 3, but it is one of the two News posts.
    expect(archived.regenerated).toEqual(['categories/news/']);
    await deps.content.put('posts/a.md', postFile('A', '2024-01-01', 'categories: [News]', 'Edited body.'));
    expect((await publishChanges(deps, ['posts/a.md'])).regenerated).toEqual([]);
  });

  it('keeps the last good version of a post when a bad upload replaces it, until it is fixed', async () => {
    const warnings: Record<string, unknown>[] = [];
    const log: Logger = { ...silentLogger, warn: (_m, f = {}) => warnings.push(f) };
    const deps = { ...(await setup(five)), log };
    await publishChanges(deps, []);
    const before = deps.output.text('rss.xml');
    await deps.content.put('posts/e.md', '---\ntitle: E\ndate: not a date\n---\nBroken.\n');
    const bad = await publishChanges(deps, ['posts/e.md']);
    expect(bad.failed.map((e) => e.message)).toEqual([
      'posts/e.md: date: "not a date" is not a date (try 2023-06-28 or June 28, 2023)',
    ]);
    expect(warnings).toContainEqual(
      expect.objectContaining({ key: 'posts/e.md', field: 'date', lastGoodVersionKept: true }),
    );
    expect(deps.output.text('rss.xml')).toBe(before);
    expect(JSON.parse(deps.state.text('errors/posts/e.md.json') ?? '{}')).toMatchObject({
      key: 'posts/e.md',
      field: 'date',
    });

    await deps.content.put('posts/e.md', postFile('E fixed', '2024-01-05'));
    const fixed = await publishChanges(deps, ['posts/e.md']);
    expect(fixed.failed).toEqual([]);
    expect(deps.state.text('errors/posts/e.md.json')).toBeUndefined();
    expect(titles(deps.output)).toEqual(['E fixed', 'D', 'C']);
  });

  it('does not publish a new post that fails, and reports it', async () => {
    const deps = await setup(five);
    await publishChanges(deps, []);
    await deps.content.put('posts/new.md', '---\ntitel: New\ndate: 2024-03-01\n---\nx\n');
    const report = await publishChanges(deps, ['posts/new.md']);
    expect(report.failed[0]?.message).toBe(
      'posts/new.md: title: is missing (found "titel"; did you mean "title"?)',
    );
    expect(report.regenerated).toEqual([]);
  });

  it('removes a deleted post, and the feeds of a category left empty', async () => {
    const deps = await setup(five);
    await publishChanges(deps, []);
    await deps.content.delete('posts/c.md');
    const report = await publishChanges(deps, ['posts/c.md']);
    expect(report.removed).toEqual(['categories/tech/']);
    expect(deps.output.objects.has('categories/tech/rss.xml')).toBe(false);
    expect(titles(deps.output)).toEqual(['E', 'D', 'B']);
    expect(deps.state.text('records/posts/c.md.json')).toBeUndefined();
  });

  it('reconciles duplicate and out-of-order events against the bucket', async () => {
    const deps = await setup(five);
    await publishChanges(deps, []);
    // A delete event that arrives after the object was put back must not remove the post.
    await deps.content.put('posts/f.md', postFile('F', '2024-02-01'));
    await publishChanges(deps, ['posts/f.md', 'posts/f.md', 'posts/f.md']);
    await publishChanges(deps, ['posts/f.md']);
    expect(titles(deps.output)).toEqual(['F', 'E', 'D']);
  });

  it('publishes a scheduled post once its date has passed, on the tick', async () => {
    const deps = await setup({ ...five, 'posts/later.md': postFile('Later', '2024-06-02T08:00:00Z') });
    await publishChanges(deps, []);
    expect(titles(deps.output)).toEqual(['E', 'D', 'C']);
    expect((await publishDue(deps)).regenerated).toEqual([]);
    const later = { ...deps, clock: fixedClock(new Date('2024-06-02T08:00:00Z')) };
    expect((await publishDue(later)).regenerated).toEqual(['']);
    expect(titles(deps.output)).toEqual(['Later', 'E', 'D']);
  });

  it('mirrors static files and gives enclosures their size', async () => {
    const deps = await setup({ 'posts/a.md': postFile('A', '2024-01-01', 'image: /images/a.png') });
    await publishChanges(deps, []);
    expect(deps.output.text('rss.xml')).not.toContain('<enclosure');
    await deps.content.put('static/images/a.png', new Uint8Array([1, 2, 3, 4]));
    const report = await publishChanges(deps, ['static/images/a.png']);
    expect(report.regenerated).toEqual(['']);
    expect(deps.output.objects.get('images/a.png')?.options.contentType).toBe('image/png');
    expect(deps.output.text('rss.xml')).toContain('<enclosure length="4" type="image/png"');
    await deps.content.delete('static/images/a.png');
    await publishChanges(deps, ['static/images/a.png']);
    expect(deps.output.objects.has('images/a.png')).toBe(false);
  });

  it('rebuilds everything when site.yaml changes', async () => {
    const deps = await setup(five);
    await publishChanges(deps, []);
    await deps.content.put('site.yaml', `${SMALL_SITE}title: Renamed\n`.replace('title: Test Site\n', ''));
    const report = await publishChanges(deps, ['site.yaml']);
    expect(report.rebuilt).toBe(true);
    expect(JSON.parse(deps.output.text('feed.json') ?? '{}').title).toBe('Renamed');
  });

  it('does not rebuild for a site.yaml uploaded again unchanged', async () => {
    const deps = await setup(five);
    await publishChanges(deps, []);
    expect((await publishChanges(deps, ['site.yaml'])).rebuilt).toBe(false);
  });

  it('heals a lost post record from the content bucket', async () => {
    const deps = await setup(five);
    await publishChanges(deps, []);
    await deps.state.delete('records/posts/e.md.json');
    await deps.content.put('posts/f.md', postFile('F', '2024-02-01'));
    await publishChanges(deps, ['posts/f.md']);
    expect(titles(deps.output)).toEqual(['F', 'E', 'D']);
    expect(deps.state.text('records/posts/e.md.json')).toBeDefined();
  });

  it('rebuildSite restores state and feeds from the listing alone', async () => {
    const deps = await setup(five);
    await publishChanges(deps, []);
    const feedsBefore = deps.output.text('atom.xml');
    deps.state.objects.clear();
    await deps.output.put('categories/gone/rss.xml', 'stale');
    const report = await rebuildSite(deps);
    expect(report.published).toBe(5);
    expect(deps.output.text('atom.xml')).toBe(feedsBefore);
    expect(deps.output.objects.has('categories/gone/rss.xml')).toBe(false);
  });

  it('rebuildSite with pages removes stale pages listed while it writes, and none it wrote', async () => {
    const deps = await setup(five, `${SMALL_SITE}pages: true\n`);
    await deps.output.put('posts/gone/index.html', 'stale');
    await deps.output.put('old-sitemap.html', 'stale');
    // The listing reaches the bucket only once the first pages are written: it sees both.
    const list = deps.output.list.bind(deps.output);
    deps.output.list = (prefix) =>
      (async function* () {
        while (deps.output.objects.size < 10) await new Promise((resolve) => setTimeout(resolve, 1));
        yield* list(prefix);
      })();
    const report = await rebuildSite(deps);
    expect(deps.output.objects.has('posts/gone/index.html')).toBe(false);
    expect(deps.output.objects.has('old-sitemap.html')).toBe(false);
    expect(report.pages).toEqual(expect.arrayContaining(['posts/gone/index.html', 'old-sitemap.html']));
    expect(deps.output.text('index.html')).toContain('<html');
    expect(
      [...deps.output.objects.keys()].filter((key) => key.endsWith('index.html')).length,
    ).toBeGreaterThan(5);
  });
});

describe('what a publish reads', () => {
  it.each([false, true])(
    'reads one entry shard for a new tagged post, not every one (pages %s)',
    async (pages) => {
      const files: Record<string, string> = {};
      for (let i = 0; i < 60; i++)
        files[`posts/p${i}.md`] = postFile(
          `P${i}`,
          `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`,
          `tags: [t${i % 5}, Shared]\nseries: [S${i % 3}]`,
        );
      const deps = await setup(files, `${SMALL_SITE}pages: ${pages}\n`);
      await publishChanges(deps, []);
      const { read, watched } = watchReads(deps.state);
      await deps.content.put(
        'posts/new.md',
        postFile('New', '2024-03-01', 'tags: [t1, Fresh]\nseries: [S2]'),
      );
      const report = await publishChanges({ ...deps, state: watched }, ['posts/new.md']);
      expect(report.regenerated).toEqual(['', 'series/s2/', 'tags/fresh/', 'tags/t1/']);
      expect([...read].filter((key) => key.startsWith('entries/'))).toHaveLength(1);
      expect(JSON.parse(deps.output.text('tags/t1/feed.json') ?? '{}').items[0].title).toBe('New');
    },
  );
});

describe('alias pages', () => {
  it('a publish writes the alias pages of the posts it changed, not every page', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++)
      files[`posts/p${i}.md`] = postFile(
        `P${i}`,
        `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`,
        `aliases: [/old/p${i}/]`,
      );
    const deps = await setup(files, `${SMALL_SITE}pages: true\npageSize: 5\n`);
    await publishChanges(deps, []);
    await deps.content.put('posts/new.md', postFile('New', '2024-03-01', 'aliases: [/old/p3/, /old/new/]'));
    const added = await publishChanges(deps, ['posts/new.md']);
    expect(added.pages.length).toBeLessThan(15);
    expect(added.pages).toContain('old/new/index.html');
    // Only the files the new post claims are planned again: no other post's alias page.
    expect(added.pages.filter((key) => key.startsWith('old/') && !/^old\/(new|p3)\//.test(key))).toEqual([]);
    expect(deps.output.text('old/new/index.html')).toContain('https://example.org/posts/new/');

    await deps.content.put('posts/p5.md', postFile('P5', '2024-01-06', 'aliases: [/older/p5/]'));
    const moved = await publishChanges(deps, ['posts/p5.md']);
    expect(moved.pages).toEqual(expect.arrayContaining(['old/p5/index.html', 'older/p5/index.html']));
    expect(deps.output.objects.has('old/p5/index.html')).toBe(false);
    expect(deps.output.text('older/p5/index.html')).toContain('https://example.org/posts/p5/');
    expect(moved.pages.length).toBeLessThan(15);
  });
});

describe('an image uploaded again', () => {
  it.each([true, false])(
    'rewrites the tag and series feeds showing it, without reading every entry (image index built before: %s)',
    async (indexed) => {
      // 60 posts; the three newest tagged 'pics' show /images/a.png, and so does an old post of 'old'.
      const files: Record<string, string | Uint8Array> = { 'static/images/a.png': new Uint8Array(4) };
      for (let i = 0; i < 60; i++) {
        const image = i >= 57 || i === 2 ? '\nimage: /images/a.png' : '';
        const tags = i >= 50 ? 'pics' : i < 10 ? 'old' : `t${i % 4}`;
        files[`posts/p${i}.md`] = postFile(
          `P${i}`,
          `2024-01-${String(1 + Math.floor(i / 3)).padStart(2, '0')}T${String(i % 3).padStart(2, '0')}:00:00Z`,
          `tags: [${tags}]\nseries: [${i % 2 === 0 ? 'Even' : 'Odd'}]${image}`,
        );
      }
      const deps = await setup(files, `${SMALL_SITE}pages: true\n`);
      await publishChanges(deps, []);
      if (!indexed) {
        // State from before images were indexed: the page index builds that on first need.
        const head = JSON.parse(deps.state.text('pages/head.json') ?? '{}');
        delete head.images;
        await deps.state.put('pages/head.json', JSON.stringify(head));
        for (const key of [...deps.state.objects.keys()])
          if (key.startsWith('images/')) await deps.state.delete(key);
      }
      const { read, watched } = watchReads(deps.state);
      await deps.content.put('static/images/a.png', new Uint8Array(9));
      const report = await publishChanges({ ...deps, state: watched }, ['static/images/a.png']);
      // The newest three (site feed, 'pics', both series) show it; P2 is not among the newest of 'old'.
      expect([...report.regenerated].sort()).toEqual(['', 'series/even/', 'series/odd/', 'tags/pics/']);
      expect(deps.output.text('tags/pics/rss.xml')).toContain('<enclosure length="9"');
      expect(deps.output.text('tags/old/rss.xml')).not.toContain('length="9"');
      expect([...read].filter((key) => key.startsWith('entries/'))).toEqual([]);

      const full = await setup(
        { ...files, 'static/images/a.png': new Uint8Array(9) },
        `${SMALL_SITE}pages: true\n`,
      );
      await buildSite({ content: full.content, output: full.output, clock: full.clock, log: silentLogger });
      for (const folder of ['', 'tags/pics/', 'tags/old/', 'series/even/', 'series/odd/'])
        expect(deps.output.text(`${folder}rss.xml`), folder).toBe(full.output.text(`${folder}rss.xml`));
    },
  );
});

describe('a term named anew', () => {
  it.each(['categories', 'tags'])(
    'a new spelling of one of the %s writes the pages showing it, not every page, as a full build would',
    async (taxonomy) => {
      // 40 posts in two terms; 'Go' has 6 of them. A new post spelling it 'GO' renames the term.
      const files: Record<string, string> = {};
      for (let i = 0; i < 40; i++)
        files[`posts/p${i}.md`] = postFile(
          `P${i}`,
          `2024-01-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z`,
          `${taxonomy}: [${i % 7 === 0 ? 'Go' : 'Rust'}]`,
        );
      const siteYaml = `${SMALL_SITE}pages: true\npageSize: 5\n`;
      const deps = await setup(files, siteYaml);
      const first = await publishChanges(deps, []);
      const slug = taxonomy === 'categories' ? 'categories/go/' : 'tags/go/';
      await deps.content.put('posts/new.md', postFile('New', '2024-03-01', `${taxonomy}: [GO]`));
      const renamed = await publishChanges(deps, ['posts/new.md']);
      const pages = renamed.pages.filter((key) => key.endsWith('.html'));
      // Its posts' pages name it: all six are written again, with the new name.
      for (let i = 0; i < 40; i += 7) expect(pages).toContain(`posts/p${i}/index.html`);
      expect(deps.output.text('posts/p7/index.html')).toContain('GO');
      expect(deps.output.text(`${slug}index.html`)).toContain('GO');
      // A post of the other term whose page shows no 'Go' is not written again.
      expect(pages).not.toContain('posts/p1/index.html');
      expect(pages.length).toBeLessThan(first.pages.filter((key) => key.endsWith('.html')).length / 2);

      const full = await setup(
        { ...files, 'posts/new.md': postFile('New', '2024-03-01', `${taxonomy}: [GO]`) },
        siteYaml,
      );
      await buildSite({ content: full.content, output: full.output, clock: full.clock, log: silentLogger });
      for (const key of [...full.output.objects.keys()].filter((k) => k.endsWith('.html')))
        expect(deps.output.text(key), key).toBe(full.output.text(key));
    },
  );
});

describe('rebuilding a large site', () => {
  it('keeps a bounded number of state writes in flight, however many posts there are', async () => {
    // A rebuild of 100,000 posts once started every record write at once and ran out of file
    // handles (EMFILE); 200 posts written to a slow store show whether writes pile up.
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++)
      files[`posts/p${i}.md`] = postFile(`P${i}`, '2024-01-01', `tags: [t${i % 7}]`);
    const deps = await setup(files);
    let inFlight = 0;
    let most = 0;
    const state = deps.state;
    const slow: PublishDeps['state'] = {
      get: (key) => state.get(key),
      getVersioned: (key) => state.getVersioned(key),
      delete: (key) => state.delete(key),
      list: (prefix) => state.list(prefix),
      async put(key, body, options) {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        try {
          await state.put(key, body, options);
        } finally {
          inFlight--;
        }
      },
    };
    const report = await rebuildSite({ ...deps, state: slow });
    expect(report.published).toBe(200);
    expect(state.text('records/posts/p199.md.json')).toBeDefined();
    expect(most).toBeLessThanOrEqual(MAX_PENDING_WRITES + 16);
  });
});

describe('what publishing logs', () => {
  it('says nothing on a tick with nothing due, and one line when a scheduled post goes out', async () => {
    const deps = await setup({
      ...five,
      'posts/later.md': postFile('Later', '2024-06-01T00:30:00Z'),
    });
    await rebuildSite(deps);
    const lines: string[] = [];
    const log: Logger = {
      info: (message) => lines.push(message),
      warn: (message) => lines.push(message),
      error: (message) => lines.push(message),
    };
    await publishDue({ ...deps, log });
    expect(lines).toEqual([]);
    await publishDue({ ...deps, log, clock: fixedClock(new Date('2024-06-01T01:00:00Z')) });
    expect(lines).toEqual(['published']);
  });
});
