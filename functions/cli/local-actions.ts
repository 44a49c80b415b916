// The actions of `herald start` and `herald rebuild`, loaded only when one of them runs: they
// bring in the AWS SDK and the local S3 server, which `herald build` does not need.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock } from '../adapters/clocks.ts';
import { textLogger } from '../adapters/loggers.ts';
import { MemoryRebuildQueue } from '../adapters/memory-rebuild-queue.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { drainRebuild } from '../app/rebuild/drain-rebuild.ts';
import type { SiteOverrides } from '../core/config/site-config.ts';
import { ConfigError } from '../core/errors.ts';
import { LOCAL_BUCKETS, startLocalMode } from '../local/local-mode.ts';
import { connectLocal } from './local-connection.ts';
import { assertFolder, relativeToCwd } from './paths.ts';

export interface StartOptions {
  content: string;
  data: string;
  port: number;
  s3Port: number;
  baseUrl?: string;
  verbose?: boolean;
  drafts?: boolean;
  future?: boolean;
}

/** `herald start`: runs local mode until Ctrl-C. */
export async function start(options: StartOptions): Promise<void> {
  const log = textLogger();
  const dataDir = resolve(options.data);
  assertFolder(resolve(options.content), '--content');
  const local = await startLocalMode({
    contentDir: resolve(options.content),
    dataDir,
    port: options.port,
    s3Port: options.s3Port,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    verbose: options.verbose ?? false,
    ...(options.drafts || options.future
      ? { preview: { drafts: options.drafts ?? false, future: options.future ?? false } }
      : {}),
    log,
  });
  writeFileSync(
    join(dataDir, 'settings.json'),
    JSON.stringify({ baseUrl: options.baseUrl ?? local.siteUrl, apiUrl: local.apiUrl }),
  );
  const s = local.siteUrl;
  console.log(`
Herald is running locally.
  Site       ${s}
  Feeds      ${s}rss.xml  ${s}atom.xml  ${s}feed.json  (and ${s}categories/<slug>/…)
  S3         ${local.s3Endpoint}  (access key S3RVER, secret S3RVER)
  Subscribe  ${local.apiUrl}subscribe  (the form on the home page posts here)
  Outbox     ${s}_outbox/  (mail goes to ${relativeToCwd(local.outboxDir)}/ as .eml files)
  Buckets    content ${LOCAL_BUCKETS.content}, site ${LOCAL_BUCKETS.site}, state ${LOCAL_BUCKETS.state}, newsletter ${LOCAL_BUCKETS.newsletter}
  Watching   ${relativeToCwd(resolve(options.content))}/  (edit, add or delete files; open pages reload)${
    options.drafts || options.future
      ? `\n  Preview    ${[options.drafts ? 'drafts [Draft]' : '', options.future ? 'scheduled posts [Scheduled]' : ''].filter(Boolean).join(' and ')} shown at ${s}, built into ${relativeToCwd(join(dataDir, 'preview'))}/; the site bucket has only what is published`
      : ''
  }
  Data       ${relativeToCwd(dataDir)}/  (kept across restarts)

Digests go out on the schedule in site.yaml; run one now with: npx herald digest
Publish with any S3 client, e.g.:
  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws s3 cp post.md s3://${LOCAL_BUCKETS.content}/posts/ --endpoint-url ${local.s3Endpoint}
Press Ctrl-C to stop.
`);
  // Ctrl-C reaches this process twice (from the terminal, and forwarded by herald.mjs): a second
  // signal must not end it before close() has released the data folder.
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await local.close();
    process.exit(0);
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
}

/** `herald rebuild`: rebuilds local mode's state and feeds. */
export async function rebuild(options: {
  data: string;
  endpoint?: string;
  baseUrl?: string;
  shardSize?: number;
}): Promise<void> {
  const local = await connectLocal(options);
  const baseUrl = options.baseUrl ?? local.settings.baseUrl;
  const apiUrl = local.settings.apiUrl;
  // The same overrides `herald start` gives the publish function: without the subscribe URL the
  // rebuilt home page would lose its form until the next upload.
  const overrides: SiteOverrides = {
    ...(typeof baseUrl === 'string' ? { baseUrl } : {}),
    ...(typeof apiUrl === 'string' ? { subscribeUrl: `${apiUrl}subscribe` } : {}),
  };
  // The rebuild fans out as in AWS, its shards run here one after another: a rebuild interrupted
  // (Ctrl-C, a crash) is resumed by running the command again.
  const queue = new MemoryRebuildQueue();
  try {
    const report = await drainRebuild(
      {
        content: new S3BlobStore(local.client, LOCAL_BUCKETS.content),
        output: new S3BlobStore(local.client, LOCAL_BUCKETS.site),
        state: new S3BlobStore(local.client, LOCAL_BUCKETS.state),
        clock: systemClock,
        log: textLogger(),
        overrides,
        rebuild: { queue, ...(options.shardSize ? { shardSize: options.shardSize } : {}) },
      },
      () => queue.take(),
    );
    console.log(
      `Rebuilt ${report.published ?? 0} published posts into ${report.regenerated.length} feed folders ` +
        `(${report.failed.length} failed)`,
    );
    process.exitCode = report.failed.length > 0 ? 1 : 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${LOCAL_BUCKETS.content}/${error.file}: ${error.field}: ${error.reason}`);
    process.exitCode = 2;
  } finally {
    await local.close();
  }
}
