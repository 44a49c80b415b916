import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../adapters/s3-blob-store.ts';
import { UsageError } from '../core/errors.ts';
import { LOCAL_BUCKETS } from '../local/local-mode.ts';
import { type LocalS3, startLocalS3 } from '../local/local-s3.ts';
import { relativeToCwd } from './paths.ts';

/** Local mode's buckets, reached through the running local mode or a server started for the command. */
export interface LocalConnection {
  client: S3Client;
  dataDir: string;
  /** What the last `herald start` wrote to settings.json (baseUrl, apiUrl). */
  settings: Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * Connects to local mode's S3 endpoint: the running one (found in the data folder), the one
 * named, or a server of its own over the same folder when local mode is not running.
 * @throws UsageError when `--endpoint` does not answer or the folder holds no local mode data
 */
export async function connectLocal(options: { data: string; endpoint?: string }): Promise<LocalConnection> {
  const dataDir = resolve(options.data);
  const running = readJson(join(dataDir, 'local.json'))?.s3Endpoint;
  let server: LocalS3 | undefined;
  if (options.endpoint !== undefined && !(await reachable(options.endpoint)))
    throw new UsageError(
      `--endpoint ${options.endpoint}: nothing answers there; start local mode (npm start) or leave --endpoint out to use ${relativeToCwd(dataDir)}/`,
    );
  const endpoint =
    options.endpoint ?? (typeof running === 'string' && (await reachable(running)) ? running : undefined);
  if (endpoint === undefined) {
    if (!existsSync(join(dataDir, 's3')))
      throw new UsageError(
        `--data ${relativeToCwd(dataDir)}: no local mode data here; run npm start first, or pass --data DIR`,
      );
    server = await startLocalS3(join(dataDir, 's3'), Object.values(LOCAL_BUCKETS));
  }
  return {
    client: createS3Client(endpoint ?? server?.endpoint),
    dataDir,
    settings: readJson(join(dataDir, 'settings.json')) ?? {},
    close: async () => {
      await server?.close();
    },
  };
}

/** A JSON file's object, or undefined when it is missing or unreadable. */
export function readJson(path: string): Record<string, unknown> | undefined {
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
