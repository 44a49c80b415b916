import { type AddressInfo, createServer } from 'node:net';
import S3rver, { type S3rverEvent } from 's3rver';
import { HeraldError } from '../core/errors.ts';

export type { S3rverEvent };

/** A running S3-compatible server on loopback, for local mode and tests. */
export interface LocalS3 {
  endpoint: string;
  server: S3rver;
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 with the given buckets. Listing more than 1,000 keys needs the process
 * to run with `--openssl-legacy-provider` (s3rver encrypts continuation tokens with DES).
 * @param directory - where objects are kept (they survive a restart)
 * @param buckets - bucket names to create if missing
 * @param port - 0 for any free port
 */
export async function startLocalS3(directory: string, buckets: string[], port = 0): Promise<LocalS3> {
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  // s3rver emits a taken port as an unhandled 'error' event; find out first.
  if (port !== 0) await assertPortFree(port, '--s3-port');
  const address: AddressInfo = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    server,
    close: () => server.close(),
  };
}

async function assertPortFree(port: number, option: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(portError(error, port, option)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/** A clear error for a port that is taken, naming the option that changes it. */
export function portError(error: unknown, port: number, option: string): Error {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return new HeraldError(
      `port ${port} is in use: stop what uses it, or pass ${option} N (0 for any free port)`,
    );
  }
  return error as Error;
}
