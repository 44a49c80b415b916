import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { serveSite } from '../../functions/local/site-server.ts';
import { DIRECTORY_CASES } from '../helpers/directory-cases.ts';

let server: Awaited<ReturnType<typeof serveSite>>;

beforeAll(async () => {
  const site = new MemoryBlobStore();
  for (const { uri } of DIRECTORY_CASES)
    if (uri !== undefined) await site.put(decodeURIComponent(uri.slice(1)), `body of ${uri}`);
  server = await serveSite(site, 0);
});
afterAll(() => new Promise<void>((resolve) => server.server.close(() => resolve())));

// A raw request: fetch() would normalise //evil and /\evil before sending them.
function get(path: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(server.url);
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          ...(response.headers.location ? { location: response.headers.location } : {}),
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the local site server answers directory paths as the CloudFront function does', () => {
  it.each(DIRECTORY_CASES)('$path', async ({ path, uri, redirect }) => {
    const answer = await get(path);
    if (redirect !== undefined) expect([answer.status, answer.location]).toEqual([301, redirect]);
    else expect([answer.status, answer.body]).toEqual([200, `body of ${uri}`]);
  });

  it('keeps the query string out of the redirect, as CloudFront does', async () => {
    expect((await get('/posts/hello?utm=x')).location).toBe('/posts/hello/');
  });
});
