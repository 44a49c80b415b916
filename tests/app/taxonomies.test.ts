import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { publishChanges } from '../../functions/app/publish-site.ts';
import { memoryPublishDeps, postFile } from '../helpers/memory-content.ts';

// Tags and series as Hugo's taxonomies (pages and feeds, like categories), and one name per term
// whatever case its posts write it in.

const NOW = new Date('2024-06-01T00:00:00Z');

async function publish(files: Record<string, string>) {
  const deps = await memoryPublishDeps(files, { clock: fixedClock(NOW) });
  await publishChanges(deps, []);
  return deps;
}

const items = (out: MemoryBlobStore, key: string) =>
  (JSON.parse(out.text(key) ?? '{"items":[]}').items as { title: string; tags?: string[] }[]).map((i) => [
    i.title,
    i.tags ?? [],
  ]);

describe('tags and series', () => {
  it('give every tag and series a page and feeds, linked from the post', async () => {
    const { output, content } = await publish({
      'posts/a.md': postFile('A', '2024-01-01', 'tags: [Go, Web Dev]\nseries: [Learning Go]'),
      'posts/b.md': postFile('B', '2024-01-02', 'tags: [Go]'),
    });
    expect(items(output, 'tags/go/feed.json')).toEqual([
      ['B', ['Go']],
      ['A', ['Go', 'Web Dev']],
    ]);
    expect(output.text('tags/go/rss.xml')).toContain(
      '<description>Posts tagged Go from Test Site</description>',
    );
    expect(items(output, 'tags/web-dev/feed.json').map(([t]) => t)).toEqual(['A']);
    expect(items(output, 'series/learning-go/feed.json').map(([t]) => t)).toEqual(['A']);
    expect(output.text('tags/go/index.html')).toContain('<h1>Go</h1>');
    expect(output.text('series/learning-go/index.html')).toContain('<h1>Learning Go</h1>');
    expect(output.text('posts/a/index.html')).toContain(
      '<a href="https://example.org/tags/web-dev/">Web Dev</a>',
    );
    expect(output.text('sitemap-lists.xml')).toContain('<loc>https://example.org/tags/go/</loc>');
    // A full build writes the same.
    const built = new MemoryBlobStore();
    await buildSite({ content, output: built, clock: fixedClock(NOW), log: silentLogger });
    for (const key of ['tags/go/feed.json', 'tags/go/index.html', 'series/learning-go/atom.xml'])
      expect([key, built.text(key)]).toEqual([key, output.text(key)]);
  });

  it('removes a tag page and its feeds when no post has the tag any more', async () => {
    const deps = await publish({ 'posts/a.md': postFile('A', '2024-01-01', 'tags: [Go]') });
    await deps.content.put('posts/a.md', postFile('A', '2024-01-01'));
    await publishChanges(deps, ['posts/a.md']);
    expect([...deps.output.objects.keys()].filter((k) => k.startsWith('tags/'))).toEqual([]);
  });
});

describe('a term written in two cases', () => {
  it('is one page and feed, named as its newest post writes it, everywhere', async () => {
    const { output } = await publish({
      'posts/a.md': postFile('A', '2024-01-01', 'categories: [writing]\ntags: [go]'),
      'posts/b.md': postFile('B', '2024-01-02', 'categories: [Writing]\ntags: [Go]'),
    });
    expect([...output.objects.keys()].filter((k) => k.startsWith('categories/')).sort()).toEqual([
      'categories/writing/atom.xml',
      'categories/writing/feed.json',
      'categories/writing/index.html',
      'categories/writing/page/1/index.html',
      'categories/writing/rss.xml',
    ]);
    expect(output.text('categories/writing/index.html')).toContain('<h1>Writing</h1>');
    expect(items(output, 'feed.json')).toEqual([
      ['B', ['Writing', 'Go']],
      ['A', ['Writing', 'Go']],
    ]);
    const oldPage = output.text('posts/a/index.html') ?? '';
    expect(oldPage).toContain('<a href="https://example.org/categories/writing/">Writing</a>');
    expect(oldPage).toContain('<a href="https://example.org/tags/go/">Go</a>');
    expect(oldPage).not.toMatch(/>writing<|>go</);
  });
});
