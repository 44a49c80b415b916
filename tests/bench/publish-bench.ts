import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { FsBlobStore } from '../../functions/adapters/fs-blob-store.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { type PublishDeps, publishChanges, rebuildSite } from '../../functions/app/publish-site.ts';
import type { BlobStore } from '../../functions/ports/blob-store.ts';
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
  /** Median CPU milliseconds of the process (all threads) for one new post: steadier on a busy machine. */
  oneNewPostCpuMs: number;
  /** Median bytes read and written (state and site buckets) for one new post: what the run touched. */
  oneNewPostBytes: number;
  /** Median milliseconds of a full build of the same site (undefined when not measured). */
  fullBuildMs: number | undefined;
  /** Milliseconds of the rebuild that made the starting state (rebuildSite, one run). */
  rebuildMs: number;
}

/**
 * Measures, with the filesystem adapters, publishing one new post (in a category, two tags and a
 * series, as a real post often is) into a site of `posts` posts (state built by rebuildSite first),
 * and a full build of the same site, with or without HTML pages.
 * @param fullBuild - also time a full build (`herald build`); at 100,000 posts with pages that
 *   takes a quarter of an hour, and the figure is in the whole-site bench
 */
export async function benchPublish(
  posts: number,
  runs: number,
  pages: boolean,
  fullBuild = true,
): Promise<PublishFigures> {
  const work = mkdtempSync(join(tmpdir(), 'herald-publish-bench-'));
  try {
    const contentDir = join(work, 'content');
    writeSyntheticPosts(join(contentDir, 'posts'), posts);
    writeFileSync(join(contentDir, 'site.yaml'), `${SITE_YAML}pages: ${pages}\n`);
    const clock = fixedClock(new Date('2026-01-01T00:00:00Z'));
    const traffic = { bytes: 0 };
    const deps: PublishDeps = {
      content: new FsBlobStore(contentDir),
      output: counted(new FsBlobStore(join(work, 'site')), traffic),
      state: counted(new FsBlobStore(join(work, 'state')), traffic),
      clock,
      log: silentLogger,
    };
    const rebuildStart = performance.now();
    await rebuildSite(deps);
    const rebuildMs = performance.now() - rebuildStart;

    const oneNewPost: number[] = [];
    const cpuMs: number[] = [];
    const bytes: number[] = [];
    mkdirSync(join(contentDir, 'posts/new'), { recursive: true });
    // Run 0 warms the code up and is not counted: the first size measured would otherwise pay for
    // compiling the publish path, and the ratio between sizes would flatter the larger one.
    for (let i = 0; i <= runs; i++) {
      const key = `posts/new/new-${i}.md`;
      writeFileSync(
        join(contentDir, key),
        `---\ntitle: New post ${i}\ndate: 2025-12-${String(i + 1).padStart(2, '0')}\ncategories: '["How-to-tech"]'\ntags: [feed, reader]\nseries: [Bench notes]\n---\n\nA new post.\n`,
      );
      traffic.bytes = 0;
      const cpu = process.cpuUsage();
      const start = performance.now();
      const report = await publishChanges(deps, [key]);
      if (i > 0) {
        oneNewPost.push(performance.now() - start);
        const used = process.cpuUsage(cpu);
        cpuMs.push((used.user + used.system) / 1000);
        bytes.push(traffic.bytes);
      }
      if (report.rebuilt || report.regenerated.length === 0)
        throw new Error('expected an incremental publish');
    }

    const full: number[] = [];
    // A full build with pages takes tens of seconds at 10,000 posts; one is enough for a share.
    for (let i = 0; fullBuild && i < (pages ? 1 : runs); i++) {
      const out = join(work, `full-${i}`);
      const start = performance.now();
      await buildSite({ content: deps.content, output: new FsBlobStore(out), clock, log: silentLogger });
      full.push(performance.now() - start);
      rmSync(out, { recursive: true, force: true });
    }
    return {
      posts,
      oneNewPostMs: median(oneNewPost),
      oneNewPostCpuMs: median(cpuMs),
      oneNewPostBytes: median(bytes),
      fullBuildMs: full.length === 0 ? undefined : median(full),
      rebuildMs,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A store that adds the bytes of every object read or written to `traffic`. */
function counted(store: BlobStore, traffic: { bytes: number }): BlobStore {
  const size = (body: Uint8Array | string): number =>
    typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  return {
    async get(key) {
      const body = await store.get(key);
      if (body) traffic.bytes += body.byteLength;
      return body;
    },
    async getVersioned(key) {
      const found = await store.getVersioned(key);
      if (found) traffic.bytes += found.body.byteLength;
      return found;
    },
    put(key, body, options) {
      traffic.bytes += size(body);
      return store.put(key, body, options);
    },
    delete: (key) => store.delete(key),
    list: (prefix) => store.list(prefix),
  };
}
