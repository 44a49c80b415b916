// npx tsx tests/bench/rebuild-run.ts --posts N [--shard-size S] [--store s3|fs] [--port P]
// The fan-out rebuild benchmark of `npm run bench -- --rebuild N` on its own (the rest of the
// benchmark takes about ten minutes here): N synthetic posts with pages, uploaded to a local S3
// endpoint (s3rver) or used as folders, then every step in a process of its own under the
// function's heap cap. Prints each step kind's slowest run and peak memory.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchRebuild, printRebuild } from './rebuild-bench.ts';
import { writeSyntheticPosts } from './synthetic-posts.ts';

const { values } = parseArgs({
  options: {
    posts: { type: 'string', default: '10000' },
    'shard-size': { type: 'string', default: '2000' },
    store: { type: 'string', default: 's3' },
    port: { type: 'string', default: '42451' },
  },
});
const repo = fileURLToPath(new URL('../..', import.meta.url));
const posts = Number(values.posts);
const shardSize = Number(values['shard-size']);
const storage = values.store === 'fs' ? 'fs' : 's3';
const work = mkdtempSync(join(tmpdir(), 'herald-rebuild-'));
try {
  const content = join(work, 'content');
  const began = Date.now();
  writeSyntheticPosts(join(content, 'posts'), posts);
  writeFileSync(
    join(content, 'site.yaml'),
    `${readFileSync(join(repo, 'content/site.yaml'), 'utf8')}\npages: true\n`,
  );
  console.log(`${posts} synthetic posts written in ${((Date.now() - began) / 1000).toFixed(0)} s`);
  const r = await benchRebuild(repo, content, join(work, 'buckets'), Number(values.port), shardSize, storage);
  printRebuild(r, shardSize, storage);
} finally {
  rmSync(work, { recursive: true, force: true });
}
