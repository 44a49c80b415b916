import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../adapters/s3-blob-store.ts';
import { UsageError } from '../core/errors.ts';
import { LOCAL_BUCKETS } from '../local/local-mode.ts';
import { type LocalS3, startLocalS3 } from '../local/local-s3.ts';
import { acquireStore } from '../local/store-lock.ts';
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
  const s3Dir = join(dataDir, 's3');
  let server: LocalS3 | undefined;
  let endpoint = options.endpoint;
  if (endpoint !== undefined && !(await reachable(endpoint)))
    throw new UsageError(
      `--endpoint ${endpoint}: nothing answers there; start local mode (npm start) or leave --endpoint out to use ${relativeToCwd(dataDir)}/`,
    );
  if (endpoint === undefined) {
    if (!existsSync(s3Dir))
      throw new UsageError(
        `--data ${relativeToCwd(dataDir)}: no local mode data here; run npm start first, or pass --data DIR`,
      );
    // Local mode's own server when it runs; otherwise one of this command's, once no other command
    // is using the folder (a second server over the same files would undo what makes each safe).
    const deadline = Date.now() + SERVING_TIMEOUT_MS;
    for (;;) {
      const access = await acquireStore(s3Dir, {
        shared: false,
        onWait: (owner) =>
          console.error(
            `Waiting for herald (process ${owner.pid}), which is using ${relativeToCwd(dataDir)}/ …`,
          ),
      });
      if ('lock' in access) {
        server = await startLocalS3(s3Dir, Object.values(LOCAL_BUCKETS), 0, { lock: access.lock });
        endpoint = server.endpoint;
        break;
      }
      if (await reachable(access.endpoint, 2000)) {
        endpoint = access.endpoint;
        break;
      }
      // Not answering: local mode may be stopping (its lock then goes) or busy; ask the lock again.
      if (Date.now() > deadline)
        throw new UsageError(
          `local mode (process ${access.owner.pid}) serves ${relativeToCwd(dataDir)}/ at ${access.endpoint}, but it did not answer within ${SERVING_TIMEOUT_MS / 1000} s; is it stuck? Stop it and try again`,
        );
    }
  }
  return {
    client: createS3Client(endpoint),
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

/** How long a running local mode's endpoint has to answer: a busy machine can take seconds. */
const SERVING_TIMEOUT_MS = 30_000;

/** Whether the endpoint answers, asking again until `withinMs` has passed. */
async function reachable(endpoint: string, withinMs = 1000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(Math.max(1000, deadline - Date.now())) });
      return true;
    } catch {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
