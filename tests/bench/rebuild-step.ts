// One step of a fan-out rebuild in a process of its own, as one Lambda invocation runs it, against
// the benchmark's local S3 endpoint: `start`, or a message as JSON. Prints the messages the step
// sent, as JSON, on its last line.
import { systemClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryRebuildQueue } from '../../functions/adapters/memory-rebuild-queue.ts';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import { finishRebuild } from '../../functions/app/rebuild/finish-rebuild.ts';
import { type FanOutDeps, startRebuild } from '../../functions/app/rebuild/plan-rebuild.ts';
import { runRebuildWork } from '../../functions/app/rebuild/rebuild-shards.ts';
import { LOCAL_BUCKETS } from '../../functions/local/local-mode.ts';
import type { RebuildMessage } from '../../functions/ports/rebuild-queue.ts';

const [endpoint = '', step = 'start', shardSize = '2000'] = process.argv.slice(2);
const client = createS3Client(endpoint);
const queue = new MemoryRebuildQueue();
const deps: FanOutDeps = {
  content: new S3BlobStore(client, LOCAL_BUCKETS.content),
  output: new S3BlobStore(client, LOCAL_BUCKETS.site),
  state: new S3BlobStore(client, LOCAL_BUCKETS.state),
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
console.log(JSON.stringify(queue.messages));
