import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../functions/adapters/s3-blob-store.ts';
import { mapLimit } from '../../functions/app/map-limit.ts';
import { LOCAL_BUCKETS } from '../../functions/local/local-mode.ts';
import type { RebuildMessage } from '../../functions/ports/rebuild-queue.ts';
import type { Measure } from './measure.ts';
import type { RequestFigures } from './traced-store.ts';

/** What a fan-out rebuild cost, step by step, each step a process with the function's memory as heap cap. */
export interface RebuildFigures {
  posts: number;
  shards: number;
  /** Seconds of all steps added up (what they would take one after another). */
  seconds: number;
  /** Seconds from the plan to the end of the final step, as run here (`parallel` steps at once). */
  wallSeconds: number;
  /** Seconds if the shards of each kind ran in parallel, as the rebuild function runs them (ten at once). */
  parallelSeconds: number;
  /** The slowest and the most memory-hungry step of each kind. */
  steps: Record<string, { count: number; maxSeconds: number; maxPeakMb: number }>;
  /** The requests of the plan and the finish (the two steps that see the whole site), by bucket and kind. */
  requests: Record<'plan' | 'finish', Record<string, RequestFigures>>;
  /** Objects the site bucket holds at the end. */
  siteObjects: number;
}

const HEAP_MB = 1024;
const CONCURRENCY = 10;

/**
 * Uploads a content folder to a local S3 endpoint (s3rver in its own process), or with `fs` uses
 * folders as the buckets (much faster, for the memory of large rebuilds), then runs a fan-out
 * rebuild one step per process, each under `node --max-old-space-size=1024` (the publish and rebuild
 * functions' memory), measuring each step's wall time and peak resident memory.
 * @param repo - the repository root
 * @param content - a content folder: site.yaml and posts/
 * @param data - an empty folder for the S3 endpoint's files
 * @param port - the endpoint's port
 * @param parallel - steps run at once (the shards of one kind run in parallel in AWS too)
 */
export async function benchRebuild(
  repo: string,
  content: string,
  data: string,
  port: number,
  shardSize = 2000,
  storage: 's3' | 'fs' = 's3',
  parallel = 2,
): Promise<RebuildFigures> {
  const server =
    storage === 's3'
      ? spawn(
          process.execPath,
          [
            '--openssl-legacy-provider',
            '--import',
            'tsx',
            join(repo, 'tests/bench/rebuild-s3-server.ts'),
            data,
            String(port),
          ],
          { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] },
        )
      : undefined;
  try {
    let endpoint: string;
    if (server !== undefined) {
      endpoint = await firstLine(server);
      const began = Date.now();
      await upload(endpoint, content);
      console.log(
        `  content uploaded to the local S3 endpoint in ${((Date.now() - began) / 1000).toFixed(0)} s`,
      );
    } else {
      // Folders instead of buckets: the content folder as it is, site and state beside it.
      mkdirSync(data, { recursive: true });
      // Present when resuming a rebuild an earlier run of the benchmark left unfinished.
      if (!existsSync(join(data, 'content'))) symlinkSync(content, join(data, 'content'));
      endpoint = `file:${data}`;
    }
    const posts = readdirSync(join(content, 'posts')).length;
    const measures: { step: string; m: Measure }[] = [];
    const requests: RebuildFigures['requests'] = { plan: {}, finish: {} };
    const run = async (message: RebuildMessage | 'start'): Promise<RebuildMessage[]> => {
      const arg = message === 'start' ? 'start' : JSON.stringify(message);
      const result = await timed(process.execPath, [
        `--max-old-space-size=${HEAP_MB}`,
        '--import',
        'tsx',
        join(repo, 'tests/bench/rebuild-step.ts'),
        endpoint,
        arg,
        String(shardSize),
      ]);
      const step = message === 'start' ? 'plan' : message.step;
      measures.push({ step, m: result.measure });
      const [traced = '{}', sent = '[]'] = result.stdout.trim().split('\n').slice(-2);
      if (step === 'plan' || step === 'finish') requests[step] = JSON.parse(traced).requests ?? {};
      return JSON.parse(sent);
    };
    // Steps as the queue hands them out, `parallel` at a time (the machine's cores): a step's
    // messages join the queue when it ends.
    const began = Date.now();
    const queue = await run('start');
    let shards = 0;
    const running = new Set<Promise<void>>();
    while (queue.length > 0 || running.size > 0) {
      while (queue.length > 0 && running.size < parallel) {
        const message = queue.shift() as RebuildMessage;
        if (message.step === 'read') shards++;
        const job: Promise<void> = run(message).then((sent) => {
          queue.push(...sent);
          running.delete(job);
        });
        running.add(job);
      }
      if (running.size > 0) await Promise.race(running);
    }
    const steps: RebuildFigures['steps'] = {};
    for (const { step, m } of measures) {
      const s = steps[step] ?? { count: 0, maxSeconds: 0, maxPeakMb: 0 };
      steps[step] = {
        count: s.count + 1,
        maxSeconds: Math.max(s.maxSeconds, m.seconds),
        maxPeakMb: Math.max(s.maxPeakMb, m.peakMb),
      };
    }
    const seconds = measures.reduce((sum, { m }) => sum + m.seconds, 0);
    const wallSeconds = (Date.now() - began) / 1000;
    // Shards of one kind in rounds of ten: each round as long as its slowest.
    const parallelSeconds = ['plan', 'read', 'catalogue', 'render', 'lists', 'finish'].reduce((sum, step) => {
      const times = measures.filter((x) => x.step === step).map((x) => x.m.seconds);
      let total = 0;
      for (let i = 0; i < times.length; i += CONCURRENCY)
        total += Math.max(...times.slice(i, i + CONCURRENCY));
      return sum + total;
    }, 0);
    const siteObjects = readdirSync(join(data, server ? LOCAL_BUCKETS.site : 'site'), {
      recursive: true,
    }).filter((f) =>
      server ? String(f).endsWith('._S3rver_object') : /\.(html|xml|json)$/.test(String(f)),
    ).length;
    return { posts, shards, seconds, wallSeconds, parallelSeconds, steps, requests, siteObjects };
  } finally {
    server?.kill('SIGTERM');
  }
}

/**
 * Prints a rebuild's figures step by step.
 * @returns the highest peak memory and the slowest step, in MB and seconds
 */
export function printRebuild(
  r: RebuildFigures,
  shardSize: number,
  storage: 's3' | 'fs',
): { peak: number; slowest: number } {
  const count = (n: number): string => n.toLocaleString('en-GB');
  const where = storage === 'fs' ? 'folders as buckets' : 'local S3 (s3rver)';
  console.log(
    `Fan-out rebuild, ${count(r.posts)} posts in ${r.shards} shards of ${count(shardSize)}, pages on, against ${where}, each step a process under --max-old-space-size=${HEAP_MB}:`,
  );
  for (const [step, f] of Object.entries(r.steps))
    console.log(
      `  ${step.padEnd(9)} ${String(f.count).padStart(3)} run(s)  slowest ${f.maxSeconds.toFixed(1)} s  peak ${f.maxPeakMb.toFixed(0)} MB`,
    );
  console.log(
    `  wall time ${r.wallSeconds.toFixed(0)} s here (two steps at a time); ${r.seconds.toFixed(0)} s of steps in all; ${r.parallelSeconds.toFixed(0)} s with shards ten at a time; ${count(r.siteObjects)} objects in the site bucket`,
  );
  for (const step of ['plan', 'finish'] as const) {
    console.log(`  the ${step}'s requests (LIST: pages of 1,000 keys; busy: their latencies added up):`);
    for (const [name, f] of Object.entries(r.requests[step]).sort(([a], [b]) => a.localeCompare(b)))
      console.log(
        `    ${name.padEnd(14)} ${count(f.count).padStart(7)}${f.keys === undefined ? '' : ` (${count(f.keys)} keys)`}  from ${f.first.toFixed(1)} s to ${f.last.toFixed(1)} s  busy ${f.busy.toFixed(1)} s`,
      );
  }
  return {
    peak: Math.max(...Object.values(r.steps).map((f) => f.maxPeakMb)),
    slowest: Math.max(...Object.values(r.steps).map((f) => f.maxSeconds)),
  };
}

/** Runs a command under /usr/bin/time without blocking this process: its output, time and peak memory. */
function timed(command: string, args: string[]): Promise<{ stdout: string; measure: Measure }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %M %U %S', command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${args.slice(-2, -1)[0]} failed:\n${stdout}\n${stderr}`));
      // /usr/bin/time's line, the last of its form (a step may log to stderr too).
      const line = stderr
        .trim()
        .split('\n')
        .findLast((l) => /^[\d.]+ \d+ [\d.]+ [\d.]+$/.test(l.trim()));
      const [seconds = 'NaN', kb = 'NaN', user = 'NaN', system = 'NaN'] = line?.trim().split(' ') ?? [];
      const cpuSeconds = Number(user) + Number(system);
      resolve({ stdout, measure: { seconds: Number(seconds), peakMb: Number(kb) / 1024, cpuSeconds } });
    });
  });
}

async function upload(endpoint: string, content: string): Promise<void> {
  const client = createS3Client(endpoint);
  const files = ['site.yaml', ...readdirSync(join(content, 'posts')).map((f) => `posts/${f}`)];
  await mapLimit(files, 32, (key) =>
    client.send(
      new PutObjectCommand({
        Bucket: LOCAL_BUCKETS.content,
        Key: key,
        Body: readFileSync(join(content, key)),
      }),
    ),
  );
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n')[0];
      if (text.includes('\n') && line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`the S3 endpoint exited (${code})`)));
  });
}
