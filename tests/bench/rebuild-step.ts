// One step of a fan-out rebuild in a process of its own, as one Lambda invocation runs it, against
// the benchmark's local S3 endpoint (or, given `file:DIR`, folders DIR/content, DIR/site and
// DIR/state): `start`, or a message as JSON. Prints the requests it made by bucket and kind (see
// TracedStore), then the messages the step sent, as JSON, on its last line.
import { join } from 'node:path';
import { systemClock } from '../../functions/adapters/clocks.ts';
import { FsBlobStore } from '../../functions/adapters/fs-blob-store.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryRebuildQueue } from '../../functions/adapters/memory-rebuild-queue.ts';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import { finishRebuild } from '../../functions/app/rebuild/finish-rebuild.ts';
import { type FanOutDeps, startRebuild } from '../../functions/app/rebuild/plan-rebuild.ts';
import { runRebuildWork } from '../../functions/app/rebuild/rebuild-shards.ts';
import { LOCAL_BUCKETS } from '../../functions/local/local-mode.ts';
import type { BlobStore } from '../../functions/ports/blob-store.ts';
import type { RebuildMessage } from '../../functions/ports/rebuild-queue.ts';
import { type RequestFigures, TracedStore } from './traced-store.ts';

const [endpoint = '', step = 'start', shardSize = '2000'] = process.argv.slice(2);
const queue = new MemoryRebuildQueue();
const client = endpoint.startsWith('file:') ? undefined : createS3Client(endpoint);
const requests: Record<string, RequestFigures> = {};
const began = performance.now();
const store = (bucket: string, folder: string): BlobStore =>
  new TracedStore(
    client ? new S3BlobStore(client, bucket) : new FsBlobStore(join(endpoint.slice('file:'.length), folder)),
    folder,
    requests,
    began,
  );
const deps: FanOutDeps = {
  content: store(LOCAL_BUCKETS.content, 'content'),
  output: store(LOCAL_BUCKETS.site, 'site'),
  state: store(LOCAL_BUCKETS.state, 'state'),
  clock: systemClock,
  log: silentLogger,
  rebuild: { queue, shardSize: Number(shardSize) },
};
if (step === 'start') await startRebuild(deps);
else {
  const message = JSON.parse(step) as RebuildMessage;
  if (message.step === 'finish') await finishRebuild(deps, message);
  else await runRebuildWork(deps, message);
}
console.log(JSON.stringify({ requests }));
console.log(JSON.stringify(queue.messages));
