import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import { ENV } from '../../functions/config/env-names.ts';
import { type LocalS3, startLocalS3 } from '../../functions/local/local-s3.ts';

export const BUCKETS = { content: 'herald-content', site: 'herald-site', state: 'herald-state' };

/** s3rver with Herald's three buckets, stores over them, and the environment the handler reads. */
export async function localBuckets(): Promise<{
  s3: LocalS3;
  content: S3BlobStore;
  site: S3BlobStore;
  state: S3BlobStore;
  env: Record<string, string>;
}> {
  const s3 = await startLocalS3(mkdtempSync(join(tmpdir(), 'herald-buckets-')), Object.values(BUCKETS));
  const client = createS3Client(s3.endpoint);
  return {
    s3,
    content: new S3BlobStore(client, BUCKETS.content),
    site: new S3BlobStore(client, BUCKETS.site),
    state: new S3BlobStore(client, BUCKETS.state),
    env: {
      [ENV.contentBucket]: BUCKETS.content,
      [ENV.siteBucket]: BUCKETS.site,
      [ENV.stateBucket]: BUCKETS.state,
      [ENV.s3Endpoint]: s3.endpoint,
    },
  };
}
