import type { IncomingMessage } from 'node:http';
import { localKeyProblem } from './local-s3.ts';

/** An answer that ends a request before it reaches the site or a route. */
export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Refuses a request whose `Host` is not this server's loopback address: a page on another site
 * whose name is made to resolve to 127.0.0.1 (DNS rebinding) would otherwise read local mode's
 * pages, among them the outbox with live confirmation tokens.
 * @param request - the incoming request
 * @param port - the port the server listens on
 */
export function refuseForeignHost(request: IncomingMessage, port: number): Refusal | undefined {
  const host = (request.headers.host ?? '').toLowerCase();
  const match = /^(\[[^\]]*\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (match !== null && LOOPBACK_HOSTS.has(match[1] ?? '') && (match[2] ?? '80') === String(port))
    return undefined;
  return plain(
    400,
    `Bad request: Host ${JSON.stringify(host)} is not this local server (use 127.0.0.1:${port})\n`,
  );
}

/**
 * Refuses what the site bucket cannot answer: methods other than GET and HEAD (405, as CloudFront
 * answers for a read-only distribution), and paths that are no canonical key (400), which reached
 * the store as a NUL or a file name too long for the disk and came back as a 500.
 * @param request - the incoming request
 * @param path - the decoded path, starting with `/`
 */
export function refuseSiteRequest(request: IncomingMessage, path: string): Refusal | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return {
      ...plain(405, `Method ${request.method} is not allowed here: the site is read-only\n`),
      headers: { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' },
    };
  if (path === '/') return undefined;
  const problem = localKeyProblem(path.slice(1));
  return problem === undefined ? undefined : plain(400, `Bad request: the path ${problem}\n`);
}

function plain(status: number, body: string): Refusal {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}
