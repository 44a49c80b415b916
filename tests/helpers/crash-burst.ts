import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { FsBlobStore } from '../../functions/adapters/fs-blob-store.ts';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import { LOCAL_BUCKETS } from '../../functions/local/local-mode.ts';
import { type RunningLocalMode, startLocalMode, stopLocalMode } from './local-mode.ts';
import { postFile } from './memory-content.ts';

const HERALD = fileURLToPath(new URL('../../functions/cli/herald.mjs', import.meta.url));
const BASE_URL = 'https://crash.example/';

/** What one run of {@link crashBurstRun} saw. */
export interface CrashBurstRun {
  /** Uploads the local S3 endpoint acknowledged before each kill. */
  acknowledged: number;
  /** How many uploads had been acknowledged when each kill came. */
  killedAt: number[];
  /** From the plain restart until the site showed every post in the content bucket (ms). */
  convergedMs: number;
  /** Acknowledged uploads the site did not show by the deadline. */
  missing: string[];
  /** Objects where the site bucket differs from `herald build` of the content bucket: key and how. */
  differences: string[];
  /** Objects compared. */
  compared: number;
}

/**
 * kill -9 of local mode during bursts of uploads, then a plain restart: the scenario of issue 16.
 * Each round starts local mode, uploads `uploads` posts at once through its S3 endpoint and kills
 * the process (SIGKILL, the real local-mode process and herald.mjs's wrapper) after a random
 * number of acknowledgements. After the last round local mode starts once more; the run waits for
 * the site to show every post of the content bucket, then compares every object of the site bucket,
 * byte for byte, with a `herald build` of a copy of the content bucket.
 * @param options.kills - rounds, each ending in a kill
 * @param options.uploads - posts uploaded at once in each round
 * @param options.deadlineSeconds - how long the restarted local mode has to publish everything
 */
export async function crashBurstRun(options: {
  kills: number;
  uploads: number;
  deadlineSeconds: number;
}): Promise<CrashBurstRun> {
  const work = mkdtempSync(join(tmpdir(), 'herald-crash-'));
  const contentDir = join(work, 'content');
  const dataDir = join(work, 'data');
  mkdirSync(join(contentDir, 'posts'), { recursive: true });
  // The subscribe form's URL named in site.yaml: local mode otherwise points it at its own API, and
  // herald build (no API) leaves the form out.
  writeFileSync(
    join(contentDir, 'site.yaml'),
    `title: Crash\nbaseUrl: ${BASE_URL}\nauthor: Ann\nfeedLimit: 1000\nsubscribeUrl: ${BASE_URL}api/subscribe\n`,
  );
  const start = (seconds: number) => startLocalMode(contentDir, dataDir, ['--base-url', BASE_URL], seconds);
  const acknowledged: string[] = [];
  const killedAt: number[] = [];
  let running: RunningLocalMode | undefined;
  try {
    for (let round = 0; round < options.kills; round++) {
      running = await start(120);
      const client = createS3Client(running.s3Endpoint);
      const child = running.child;
      const before = acknowledged.length;
      // Somewhere between a fifth and nine tenths of the burst.
      const killAfter = before + Math.floor(options.uploads * (0.2 + Math.random() * 0.7));
      const uploads = Array.from({ length: options.uploads }, async (_, i) => {
        const title = `Burst ${round}-${i}`;
        await client.send(
          new PutObjectCommand({
            Bucket: LOCAL_BUCKETS.content,
            Key: `posts/burst-${round}-${i}.md`,
            Body: postFile(title, `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`),
          }),
        );
        acknowledged.push(title);
        if (acknowledged.length === killAfter) {
          // The process serving the data folder: the one holding its lock (local/store-lock.ts).
          const { pid } = JSON.parse(readFileSync(join(dataDir, 's3.lock'), 'utf8')) as { pid: number };
          process.kill(pid, 'SIGKILL');
          child.kill('SIGKILL');
          killedAt.push(acknowledged.length - before);
        }
      });
      await Promise.allSettled(uploads);
      if (child.exitCode === null && child.signalCode === null)
        await new Promise((resolve) => child.once('exit', resolve));
      client.destroy();
      running = undefined;
    }

    const restarted = Date.now();
    running = await start(options.deadlineSeconds + 60);
    const client = createS3Client(running.s3Endpoint);
    const content = new S3BlobStore(client, LOCAL_BUCKETS.content);
    // Every post that reached the bucket: the acknowledged ones and any the kill cut off after S3
    // stored them but before the client heard.
    const inBucket: string[] = [];
    for await (const { key } of content.list('posts/'))
      inBucket.push(`Burst ${key.slice('posts/burst-'.length, -'.md'.length)}`);
    const deadline = restarted + options.deadlineSeconds * 1000;
    let missing = inBucket;
    for (;;) {
      const titles = new Set(await feedTitles(running.siteUrl));
      missing = inBucket.filter((t) => !titles.has(t));
      if (missing.length === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const convergedMs = Date.now() - restarted;
    const missingAcknowledged = acknowledged.filter((t) => missing.includes(t));
    // Local mode has nothing left to do once the feed shows the last post, but the pages of that
    // batch may still be on their way: wait for the queue to drain (the site stops changing).
    await settled(new S3BlobStore(client, LOCAL_BUCKETS.site));

    // The same content, built from scratch by the CLI.
    const copy = join(work, 'bucket-copy');
    const copyStore = new FsBlobStore(copy);
    for await (const { key } of content.list('')) {
      const body = await content.get(key);
      if (body !== undefined) await copyStore.put(key, body);
    }
    const out = join(work, 'built');
    await promisify(execFile)(process.execPath, [
      HERALD,
      'build',
      '--content',
      copy,
      '--out',
      out,
      '--base-url',
      BASE_URL,
    ]);
    const { differences, compared } = await compareSites(
      new S3BlobStore(client, LOCAL_BUCKETS.site),
      new FsBlobStore(out),
    );
    client.destroy();
    return {
      acknowledged: acknowledged.length,
      killedAt,
      convergedMs,
      missing: missingAcknowledged,
      differences,
      compared,
    };
  } finally {
    if (running) await stopLocalMode(running);
    rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

async function feedTitles(siteUrl: string): Promise<string[]> {
  try {
    const response = await fetch(`${siteUrl}feed.json`);
    if (!response.ok) return [];
    return ((await response.json()) as { items: { title: string }[] }).items.map((i) => i.title);
  } catch {
    return [];
  }
}

/** Waits until the bucket's listing (keys and ETags) is the same twice, two seconds apart. */
async function settled(bucket: S3BlobStore): Promise<void> {
  const snapshot = async () => {
    const parts: string[] = [];
    for await (const info of bucket.list('')) parts.push(`${info.key} ${info.etag}`);
    return parts.join('\n');
  };
  let last = await snapshot();
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const now = await snapshot();
    if (now === last) return;
    last = now;
  }
}

/** Every key of both sites, and for each the first difference: missing on a side, or other bytes. */
async function compareSites(
  site: S3BlobStore,
  built: FsBlobStore,
): Promise<{ differences: string[]; compared: number }> {
  const keys = new Set<string>();
  for await (const { key } of site.list('')) keys.add(key);
  for await (const { key } of built.list('')) keys.add(key);
  const differences: string[] = [];
  for (const key of [...keys].sort()) {
    const [a, b] = await Promise.all([site.get(key), built.get(key)]);
    if (a === undefined) differences.push(`${key}: only in herald build`);
    else if (b === undefined) differences.push(`${key}: only in local mode's site bucket`);
    else if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) {
      const x = Buffer.from(a).toString('utf8');
      const y = Buffer.from(b).toString('utf8');
      let at = 0;
      while (at < x.length && x[at] === y[at]) at++;
      differences.push(
        `${key}: differs at ${at}: local mode ${JSON.stringify(x.slice(at, at + 60))}, build ${JSON.stringify(y.slice(at, at + 60))}`,
      );
    }
  }
  return { differences, compared: keys.size };
}
