// npm run bench [-- --posts N --runs K]
// 1. Builds N synthetic posts (about 5 KB each, in the Hugo-style format Herald reads) with
//    `herald build` and, side by side in the same run, Hugo building RSS for the same posts.
// 2. Publishes one new post into sites of 100 and N posts (filesystem adapters), against a full
//    build of the same site.
// 3. Bundles the publish Lambda as the CDK app does: its size and import time.
// 4. Newsletter: composes 10,000 digests (in-memory mailer), and paces against a simulated SES rate.
// 5. The worst post bodies within POST_LIMITS: parse and render time (see worst-post-bench.ts).
// 6. Subscriber import of a 100,000-row Mailchimp export (--subscribers N): in memory, and with the CLI
//    into local mode's storage.
// Figures are medians, reported as ratios because the machines are shared and noisy.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchCompose, benchComposer, benchRate } from './digest-bench.ts';
import { benchHandler } from './handler-bench.ts';
import { benchImportCli, benchImportInMemory, writeSyntheticList } from './import-bench.ts';
import { benchPublish } from './publish-bench.ts';
import { writeSyntheticPosts } from './synthetic-posts.ts';
import { benchWorstPosts, printWorstPosts } from './worst-post-bench.ts';

const { values } = parseArgs({
  options: {
    posts: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    subscribers: { type: 'string', default: '100000' },
  },
});
const posts = Number(values.posts);
const runs = Number(values.runs);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const herald = join(repo, 'functions/cli/herald.mjs');

interface Measure {
  seconds: number;
  peakMb: number;
}

/** Runs a command under /usr/bin/time and returns its wall time and peak resident memory. */
function measure(command: string, args: string[], cwd: string): Measure {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...args], { cwd, encoding: 'utf8' });
  if (result.error)
    throw new Error(`/usr/bin/time is needed (apt-get install time): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} failed:\n${result.stdout}\n${result.stderr}`);
  const [seconds = 'NaN', kb = 'NaN'] = result.stderr.trim().split('\n').pop()?.split(' ') ?? [];
  return { seconds: Number(seconds), peakMb: Number(kb) / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const work = mkdtempSync(join(tmpdir(), 'herald-bench-'));
try {
  const content = join(work, 'content');
  console.log(`Writing ${posts} synthetic posts to ${content} …`);
  writeSyntheticPosts(join(content, 'posts'), posts);
  // Feeds only, as Hugo is asked for RSS only.
  writeFileSync(
    join(content, 'site.yaml'),
    `${readFileSync(join(repo, 'content/site.yaml'), 'utf8')}\npages: false\n`,
  );

  const hugoSite = join(work, 'hugo');
  mkdirSync(hugoSite);
  // Hugo with RSS as the only output: site-wide, per section and per category, 20 items each,
  // like Herald's feeds; pages are parsed but not rendered to HTML.
  writeFileSync(
    join(hugoSite, 'hugo.toml'),
    `baseURL = "https://fieldnotes.example.org/"
title = "Field Notes"
contentDir = "${content}"
disableKinds = ["sitemap", "robotsTXT", "404"]
[outputs]
home = ["RSS"]
section = ["RSS"]
taxonomy = ["RSS"]
term = ["RSS"]
page = []
[services.rss]
limit = 20
`,
  );
  const hasHugo = spawnSync('hugo', ['version']).status === 0;

  // First run compiles Herald's CLI bundle; it is cached after that, as for any user.
  measure(process.execPath, [herald, 'build', '--content', content, '--out', join(work, 'out')], repo);
  const heraldRuns: Measure[] = [];
  const hugoRuns: Measure[] = [];
  for (let i = 0; i < runs; i++) {
    heraldRuns.push(
      measure(process.execPath, [herald, 'build', '--content', content, '--out', join(work, 'out')], repo),
    );
    if (hasHugo) hugoRuns.push(measure('hugo', ['--quiet', '-d', join(work, 'hugo-out')], hugoSite));
  }

  const h = {
    seconds: median(heraldRuns.map((m) => m.seconds)),
    peakMb: median(heraldRuns.map((m) => m.peakMb)),
  };
  console.log(`\nFull build of ${posts} posts, median of ${runs} alternating runs:`);
  console.log(`  herald build  ${h.seconds.toFixed(2)} s  ${h.peakMb.toFixed(0)} MB peak`);
  if (hasHugo) {
    const g = {
      seconds: median(hugoRuns.map((m) => m.seconds)),
      peakMb: median(hugoRuns.map((m) => m.peakMb)),
    };
    console.log(`  hugo (RSS)    ${g.seconds.toFixed(2)} s  ${g.peakMb.toFixed(0)} MB peak`);
    console.log(
      `  herald / hugo: time ${(h.seconds / g.seconds).toFixed(2)}x, memory ${(h.peakMb / g.peakMb).toFixed(2)}x`,
    );
  } else {
    console.log('  hugo not found: apt-get install hugo for the side-by-side comparison');
  }
  console.log(
    `  goals: faster than Hugo (ratio < 1), under 256 MB: ${h.peakMb < 256 ? 'memory met' : 'memory NOT met'}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

for (const pages of [false, true]) {
  const small = await benchPublish(100, 5, pages);
  const large = await benchPublish(posts, 5, pages);
  console.log(`\nPublishing one new post, pages ${pages ? 'on' : 'off'} (filesystem adapters, median of 5):`);
  console.log(`  into ${small.posts} posts     ${small.oneNewPostMs.toFixed(1)} ms`);
  console.log(
    `  into ${large.posts} posts  ${large.oneNewPostMs.toFixed(1)} ms  (full build of the same site: ${large.fullBuildMs.toFixed(0)} ms)`,
  );
  console.log(
    `  one post / full build: ${((100 * large.oneNewPostMs) / large.fullBuildMs).toFixed(1)}%  (goal < 5%)`,
  );
  console.log(
    `  ${large.posts} / ${small.posts} posts: ${(large.oneNewPostMs / small.oneNewPostMs).toFixed(2)}x${pages ? '' : '  (goal <= 2x)'}`,
  );
}

const handler = await benchHandler(repo, 7);
console.log('\nPublish Lambda bundle (esbuild, as deployed):');
console.log(`  size ${(handler.bytes / 1024 / 1024).toFixed(2)} MiB (${handler.bytes} bytes; goal < 1 MB)`);
console.log(`  import in a fresh process ${handler.importMs.toFixed(0)} ms (median of 7; goal < 150 ms)`);

const compose = await benchCompose(10_000);
const composer = await benchComposer(2_000);
console.log('\nNewsletter digests (in-memory stores and mailer, one process):');
console.log(
  `  10,000 personalised digests composed and handed over in ${compose.seconds.toFixed(2)} s: ${compose.perSecond.toFixed(0)} emails/s (goal >= 2,000)`,
);
console.log(
  `  nodemailer's composer building each message alone: ${composer.perSecond.toFixed(0)}/s; the mail merge with stores and sends is ${(compose.perSecond / composer.perSecond).toFixed(1)}x that`,
);
for (const rate of [14, 100]) {
  const paced = await benchRate(rate, rate * 5);
  console.log(
    `  simulated SES at ${rate}/s: ${paced.achieved.toFixed(1)}/s achieved = ${((paced.achieved / rate) * 100).toFixed(1)}% (goal 90–100%), ${paced.throttled} throttled`,
  );
}

printWorstPosts(benchWorstPosts());
const subscribers = Number(values.subscribers);
const importWork = mkdtempSync(join(tmpdir(), 'herald-bench-import-'));
const listFile = join(importWork, 'subscribed_members_export.csv');
writeSyntheticList(listFile, subscribers);
const inMemory = await benchImportInMemory(listFile);
console.log(`\nSubscriber import of a ${subscribers}-row Mailchimp export:`);
console.log(
  `  in memory: read ${inMemory.parseSeconds.toFixed(2)} s + import ${inMemory.importSeconds.toFixed(2)} s (${inMemory.added} added; goal: all of it < 60 s)`,
);
const cli = benchImportCli(herald, listFile, importWork);
rmSync(importWork, { recursive: true, force: true });
console.log(
  `  herald subscribers import into local mode's storage (s3rver): ${cli.seconds.toFixed(1)} s = ${(subscribers / cli.seconds).toFixed(0)} rows/s (goal < 60 s)`,
);
console.log(`    ${cli.output}`);
