// The publish Lambda's composition root: dependencies built once per container from the
// environment (a missing variable fails the cold start, not an event). The logic is in
// publish-handler.ts, which local mode and tests compose with their own dependencies.
import { SQSClient } from '@aws-sdk/client-sqs';
import { systemClock } from '../adapters/clocks.ts';
import { httpHubNotifier } from '../adapters/http-hub-notifier.ts';
import { jsonLogger, textLogger } from '../adapters/loggers.ts';
import { createS3Client, S3BlobStore } from '../adapters/s3-blob-store.ts';
import { SqsRebuildQueue } from '../adapters/sqs-rebuild-queue.ts';
import { loadFunctionConfig } from '../config/function-config.ts';
import { createPublishHandler } from './publish-handler.ts';

export { createPublishHandler, type PublishEvent, type RebuildEvent } from './publish-handler.ts';

const config = loadFunctionConfig(process.env);
const s3 = createS3Client(config.s3Endpoint);

/** The Lambda entry point. */
export const handler = createPublishHandler({
  contentBucket: config.contentBucket,
  content: new S3BlobStore(s3, config.contentBucket),
  output: new S3BlobStore(s3, config.siteBucket),
  state: new S3BlobStore(s3, config.stateBucket),
  clock: systemClock,
  log: config.logFormat === 'text' ? textLogger() : jsonLogger(),
  hub: httpHubNotifier(),
  overrides: {
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
    ...(config.subscribeUrl ? { subscribeUrl: config.subscribeUrl } : {}),
  },
  // Deployed, a rebuild always fans out: one invocation cannot rebuild a large site in time.
  ...(config.rebuildQueues
    ? { rebuild: { queue: new SqsRebuildQueue(new SQSClient({}), config.rebuildQueues) } }
    : {}),
});
