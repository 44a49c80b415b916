// The rebuild Lambda's composition root: dependencies built once per container from the
// environment (a missing variable fails the cold start). The logic is in rebuild-handler.ts.
import { SQSClient } from '@aws-sdk/client-sqs';
import { systemClock } from '../adapters/clocks.ts';
import { jsonLogger, textLogger } from '../adapters/loggers.ts';
import { createS3Client, S3BlobStore } from '../adapters/s3-blob-store.ts';
import { SqsRebuildQueue } from '../adapters/sqs-rebuild-queue.ts';
import { ENV } from '../config/env-names.ts';
import { loadFunctionConfig } from '../config/function-config.ts';
import { ConfigError } from '../core/errors.ts';
import { createRebuildHandler } from './rebuild-handler.ts';

const config = loadFunctionConfig(process.env);
if (config.rebuildQueues === undefined)
  throw new ConfigError('environment', ENV.rebuildQueueUrl, 'is not set');
const s3 = createS3Client(config.s3Endpoint);

/** The Lambda entry point. */
export const handler = createRebuildHandler({
  content: new S3BlobStore(s3, config.contentBucket),
  output: new S3BlobStore(s3, config.siteBucket),
  state: new S3BlobStore(s3, config.stateBucket),
  clock: systemClock,
  log: config.logFormat === 'text' ? textLogger() : jsonLogger(),
  overrides: {
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
    ...(config.subscribeUrl ? { subscribeUrl: config.subscribeUrl } : {}),
  },
  rebuild: { queue: new SqsRebuildQueue(new SQSClient({}), config.rebuildQueues) },
});
