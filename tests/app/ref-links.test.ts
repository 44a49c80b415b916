import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { publishChanges, rebuildSite } from '../../functions/app/publish-site.ts';
import { memoryPublishDeps, postFile } from '../helpers/memory-content.ts';

// A ref to a missing post is an error for the linking post (Hugo's default), and the index remembers
// who links to whom, so that incremental runs re-render linking posts when their targets change.

const NOW = new Date('2024-06-01T00:00:00Z');
const MISSING =
  'posts/f.md: body: {{< ref "g.md" >}} names no post (write its file path, e.g. "posts/other-post.md", or check that the post exists and is not a draft)';
const linking = postFile('F', '2024-02-01', '', 'See [G]({{< ref "g.md" >}}).');

const setup = (files: Record<string, string>) => memoryPublishDeps(files, { clock: fixedClock(NOW) });

const feedItems = (out: MemoryBlobStore) =>
  (
    JSON.parse(out.text('feed.json') ?? '{"items":[]}').items as { title: string; content_html: string }[]
  ).map((i) => [i.title, i.content_html]);

async function fullBuild(content: MemoryBlobStore) {
  const output = new MemoryBlobStore();
  const report = await buildSite({ content, output, clock: fixedClock(NOW), log: silentLogger });
  return { output, failed: report.failed.map((e) => e.message) };
}

describe('links to other posts', () => {
  it('fail the linking post while the target is missing, in both publishing modes', async () => {
    const deps = await setup({ 'posts/a.md': postFile('A', '2024-01-01'), 'posts/f.md': linking });
    const report = await publishChanges(deps, []);
    expect(report.failed.map((e) => e.message)).toEqual([MISSING]);
    expect(feedItems(deps.output).map(([t]) => t)).toEqual(['A']);
    const built = await fullBuild(deps.content);
    expect(built.failed).toEqual([MISSING]);
    expect(built.output.text('feed.json')).toBe(deps.output.text('feed.json'));
  });

  it('publish the linking post when its target appears, follow a rename, and leave when it goes', async () => {
    const deps = await setup({ 'posts/a.md': postFile('A', '2024-01-01') });
    await publishChanges(deps, []);
    await deps.content.put('posts/f.md', linking);
    expect((await publishChanges(deps, ['posts/f.md'])).failed.map((e) => e.message)).toEqual([MISSING]);

    // The target appears: the post that linked to it is published without being uploaded again.
    await deps.content.put('posts/g.md', postFile('G', '2024-01-15'));
    expect((await publishChanges(deps, ['posts/g.md'])).failed).toEqual([]);
    expect(feedItems(deps.output)).toEqual([
      ['F', '<p>See <a href="https://example.org/posts/g/">G</a>.</p>'],
      ['G', '<p>Body of G.</p>'],
      ['A', '<p>Body of A.</p>'],
    ]);

    // Its URL changes: the link follows.
    await deps.content.put('posts/g.md', postFile('G', '2024-01-15', 'slug: g-renamed'));
    await publishChanges(deps, ['posts/g.md']);
    expect(feedItems(deps.output)[0]).toEqual([
      'F',
      '<p>See <a href="https://example.org/posts/g-renamed/">G</a>.</p>',
    ]);
    expect((await fullBuild(deps.content)).output.text('feed.json')).toBe(deps.output.text('feed.json'));

    // It is deleted: the linking post leaves with an error, as a full build would leave it out.
    await deps.content.delete('posts/g.md');
    expect((await publishChanges(deps, ['posts/g.md'])).failed.map((e) => e.message)).toEqual([MISSING]);
    expect(feedItems(deps.output).map(([t]) => t)).toEqual(['A']);
    expect(deps.output.text('posts/f/index.html')).toBeUndefined();
    expect((await fullBuild(deps.content)).output.text('feed.json')).toBe(deps.output.text('feed.json'));

    // And it comes back with its target, after a rebuild too.
    await rebuildSite(deps);
    await deps.content.put('posts/g.md', postFile('G', '2024-01-15'));
    await publishChanges(deps, ['posts/g.md']);
    expect(feedItems(deps.output).map(([t]) => t)).toEqual(['F', 'G', 'A']);
  });

  it('keeps the last good version of a post whose new upload names a missing post', async () => {
    const deps = await setup({
      'posts/f.md': postFile('F', '2024-02-01', '', 'See [A]({{< ref "a.md" >}}).'),
      'posts/a.md': postFile('A', '2024-01-01'),
    });
    await publishChanges(deps, []);
    await deps.content.put('posts/f.md', linking);
    const report = await publishChanges(deps, ['posts/f.md']);
    expect(report.failed.map((e) => e.message)).toEqual([MISSING]);
    expect(feedItems(deps.output)[0]).toEqual([
      'F',
      '<p>See <a href="https://example.org/posts/a/">A</a>.</p>',
    ]);
  });
});
