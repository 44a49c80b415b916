// npx tsx tests/bench/publish-run.ts [--sizes 1000,100000] [--pages on|off|both] [--runs 5]
// The publish part of `npm run bench` on its own (the whole bench with --large 100000 takes over an
// hour here): one new post published into sites of each size through `publishChanges`, the use-case
// the Lambda runs, with the filesystem adapters; each size against the first. The starting state of
// 100,000 posts is made by an in-process rebuild that needs more than Node's default heap:
// NODE_OPTIONS=--max-old-space-size=4096.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { benchPublish } from './publish-bench.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,100000' },
    pages: { type: 'string', default: 'both' },
    runs: { type: 'string', default: '5' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
const modes = values.pages === 'both' ? [false, true] : [values.pages === 'on'];
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

for (const pages of modes) {
  console.log(`One new post, pages ${pages ? 'on' : 'off'}, median of ${runs} (load ${load()}):`);
  const [first, ...rest] = sizes;
  if (first === undefined) break;
  const base = await benchPublish(first, runs, pages, false);
  console.log(
    `  into ${first} posts: ${base.oneNewPostMs.toFixed(1)} ms, ${base.oneNewPostCpuMs.toFixed(1)} ms CPU, ${(base.oneNewPostBytes / 1024).toFixed(0)} KiB`,
  );
  for (const size of rest) {
    const big = await benchPublish(size, runs, pages, false);
    const cpu = big.oneNewPostCpuMs / base.oneNewPostCpuMs;
    console.log(
      `  into ${size} posts: ${big.oneNewPostMs.toFixed(1)} ms, ${big.oneNewPostCpuMs.toFixed(1)} ms CPU, ${(big.oneNewPostBytes / 1024).toFixed(0)} KiB: ${cpu.toFixed(2)}x CPU, ${(big.oneNewPostMs / base.oneNewPostMs).toFixed(2)}x wall, ${(big.oneNewPostBytes / base.oneNewPostBytes).toFixed(2)}x bytes (goal: at most 2x CPU: ${cpu <= 2 ? 'met' : 'NOT met'}; rebuild that made it ${(big.rebuildMs / 1000).toFixed(0)} s; load ${load()})`,
    );
  }
}
