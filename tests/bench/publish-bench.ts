import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { FsBlobStore } from '../../functions/adapters/fs-blob-store.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { type PublishDeps, publishChanges, rebuildSite } from '../../functions/app/publish-site.ts';
import { median } from './measure.ts';
import { writeSyntheticPosts } from './synthetic-posts.ts';

const SITE_YAML = `title: Bench
baseUrl: https://bench.example/
author: Bench Writer
timezone: Europe/London
`;

export interface PublishFigures {
  posts: number;
  /** Median milliseconds to publish one new post into the site. */
  oneNewPostMs: number;
  /** Median milliseconds of a full build of the same site. */
  fullBuildMs: number;
}

/**
 * Measures, with the filesystem adapters, publishing one new post into a site of `posts` posts
 * (state already built), and a full build of the same site, with or without HTML pages.
 */
export async function benchPublish(posts: number, runs: number, pages: boolean): Promise<PublishFigures> {
  const work = mkdtempSync(join(tmpdir(), 'herald-publish-bench-'));
  try {
    const contentDir = join(work, 'content');
    writeSyntheticPosts(join(contentDir, 'posts'), posts);
    writeFileSync(join(contentDir, 'site.yaml'), `${SITE_YAML}pages: ${pages}\n`);
    const clock = fixedClock(new Date('2026-01-01T00:00:00Z'));
    const deps: PublishDeps = {
      content: new FsBlobStore(contentDir),
      output: new FsBlobStore(join(work, 'site')),
      state: new FsBlobStore(join(work, 'state')),
      clock,
      log: silentLogger,
    };
    await rebuildSite(deps);

    const oneNewPost: number[] = [];
    mkdirSync(join(contentDir, 'posts/new'), { recursive: true });
    for (let i = 0; i < runs; i++) {
      const key = `posts/new/new-${i}.md`;
      writeFileSync(
        join(contentDir, key),
        `---\ntitle: New post ${i}\ndate: 2025-12-${String(i + 1).padStart(2, '0')}\ncategories: '["How-to-tech"]'\n---\n\nA new post.\n`,
      );
      const start = performance.now();
      const report = await publishChanges(deps, [key]);
      oneNewPost.push(performance.now() - start);
      if (report.rebuilt || report.regenerated.length === 0)
        throw new Error('expected an incremental publish');
    }

    const full: number[] = [];
    // A full build with pages takes tens of seconds at 10,000 posts; one is enough for a share.
    for (let i = 0; i < (pages ? 1 : runs); i++) {
      const out = join(work, `full-${i}`);
      const start = performance.now();
      await buildSite({ content: deps.content, output: new FsBlobStore(out), clock, log: silentLogger });
      full.push(performance.now() - start);
      rmSync(out, { recursive: true, force: true });
    }
    return { posts, oneNewPostMs: median(oneNewPost), fullBuildMs: median(full) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
