import { InvalidArgumentError } from 'commander';

// Commander prints these as "error: option '--x <v>' argument 'v' is invalid. <message>": the
// message says what would be valid.

/**
 * Reads a TCP port option.
 * @throws InvalidArgumentError unless the value is a whole number from 0 to 65535
 */
export function parsePort(value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65535))
    throw new InvalidArgumentError('use a port number from 1 to 65535, or 0 for any free port');
  return port;
}

/**
 * Reads an instant option such as `--now`.
 * @throws InvalidArgumentError unless the value is an ISO 8601 date and time
 */
export function parseInstant(value: string): Date {
  const instant = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(instant.getTime()))
    throw new InvalidArgumentError('use an ISO 8601 date and time, e.g. 2026-11-30T09:00:00Z');
  return instant;
}

/**
 * Reads a URL option such as `--base-url` or `--endpoint`.
 * @throws InvalidArgumentError unless the value is an absolute http(s) URL
 */
export function parseHttpUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new InvalidArgumentError('use an absolute URL such as http://127.0.0.1:4569');
  return value;
}

/**
 * Reads a shard size option (`herald rebuild --shard-size`).
 * @throws InvalidArgumentError unless the value is a whole number from 1 to 100,000
 */
export function parseShardSize(value: string): number {
  const size = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!(size >= 1 && size <= 100_000))
    throw new InvalidArgumentError('use a whole number of posts from 1 to 100000, e.g. 2000');
  return size;
}
