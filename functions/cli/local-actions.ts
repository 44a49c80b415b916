// The actions of `herald start` and `herald rebuild`, loaded only when one of them runs: they
// bring in the AWS SDK and the local S3 server, which `herald build` does not need.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock } from '../adapters/clocks.ts';
import { textLogger } from '../adapters/loggers.ts';
import { createS3Client, S3BlobStore } from '../adapters/s3-blob-store.ts';
import { rebuildSite } from '../app/publish-site.ts';
import { ConfigError } from '../core/errors.ts';
import { LOCAL_BUCKETS, startLocalMode } from '../local/local-mode.ts';
import { type LocalS3, startLocalS3 } from '../local/local-s3.ts';
import { relativeToCwd } from './paths.ts';

export interface StartOptions {
  content: string;
  data: string;
  port: string;
  s3Port: string;
  baseUrl?: string;
}

/** `herald start`: runs local mode until Ctrl-C. */
export async function start(options: StartOptions): Promise<void> {
  const log = textLogger();
  const dataDir = resolve(options.data);
  const local = await startLocalMode({
    contentDir: resolve(options.content),
    dataDir,
    port: Number(options.port),
    s3Port: Number(options.s3Port),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    log,
  });
  writeFileSync(
    join(dataDir, 'settings.json'),
    JSON.stringify({ baseUrl: options.baseUrl ?? local.siteUrl }),
  );
  const s = local.siteUrl;
  console.log(`
Herald is running locally.
  Site       ${s}
  Feeds      ${s}rss.xml  ${s}atom.xml  ${s}feed.json  (and ${s}categories/<slug>/…)
  S3         ${local.s3Endpoint}  (access key S3RVER, secret S3RVER)
  Buckets    content ${LOCAL_BUCKETS.content}, site ${LOCAL_BUCKETS.site}, state ${LOCAL_BUCKETS.state}
  Watching   ${relativeToCwd(resolve(options.content))}/  (edit, add or delete files)
  Data       ${relativeToCwd(dataDir)}/  (kept across restarts)

Publish with any S3 client, e.g.:
  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws s3 cp post.md s3://${LOCAL_BUCKETS.content}/posts/ --endpoint-url ${local.s3Endpoint}
Press Ctrl-C to stop.
`);
  const stop = async (): Promise<void> => {
    await local.close();
    process.exit(0);
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
}

/** `herald rebuild`: rebuilds local mode's state and feeds. */
export async function rebuild(options: { data: string; endpoint?: string; baseUrl?: string }): Promise<void> {
  const dataDir = resolve(options.data);
  const running = readJson(join(dataDir, 'local.json'))?.s3Endpoint;
  let server: LocalS3 | undefined;
  const endpoint =
    options.endpoint ?? (typeof running === 'string' && (await reachable(running)) ? running : undefined);
  if (endpoint === undefined) {
    if (!existsSync(join(dataDir, 's3'))) {
      console.error(`${relativeToCwd(dataDir)}: no local mode data here; run npm start first`);
      process.exitCode = 2;
      return;
    }
    server = await startLocalS3(join(dataDir, 's3'), Object.values(LOCAL_BUCKETS));
  }
  const client = createS3Client(endpoint ?? server?.endpoint);
  const baseUrl = options.baseUrl ?? readJson(join(dataDir, 'settings.json'))?.baseUrl;
  try {
    const report = await rebuildSite({
      content: new S3BlobStore(client, LOCAL_BUCKETS.content),
      site: new S3BlobStore(client, LOCAL_BUCKETS.site),
      state: new S3BlobStore(client, LOCAL_BUCKETS.state),
      clock: systemClock,
      log: textLogger(),
      ...(typeof baseUrl === 'string' ? { overrides: { baseUrl } } : {}),
    });
    console.log(
      `Rebuilt ${report.published} published posts into ${report.regenerated.length} feed folders ` +
        `(${report.failed.length} failed)`,
    );
    process.exitCode = report.failed.length > 0 ? 1 : 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${LOCAL_BUCKETS.content}/${error.file}: ${error.field}: ${error.reason}`);
    process.exitCode = 2;
  } finally {
    await server?.close();
  }
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

async function reachable(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}
