import type { Server } from 'node:http';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { serveSite } from '../../functions/local/site-server.ts';

let server: Server;
let port: number;

beforeAll(async () => {
  const site = new MemoryBlobStore();
  await site.put('index.html', '<!doctype html><title>Home</title>');
  await site.put('404.html', '<!doctype html><title>Missing</title>');
  const started = await serveSite(site, 0, {
    '/api/': async (req) => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: `api ${req.method}`,
    }),
  });
  server = started.server;
  port = Number(new URL(started.url).port);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A request with the path and Host exactly as given (fetch would normalise both). */
function raw(
  method: string,
  path: string,
  host = `127.0.0.1:${port}`,
): Promise<{ status: number; allow: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ method, host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the local site server under hostile requests (issue 16)', () => {
  it('serves the site to its own loopback Host names', async () => {
    expect((await raw('GET', '/')).status).toBe(200);
    expect((await raw('GET', '/', `localhost:${port}`)).status).toBe(200);
    expect((await raw('HEAD', '/index.html')).status).toBe(200);
    expect((await raw('GET', '/nothing-here.html')).status).toBe(404);
  });

  it.each([
    'evil.example',
    `evil.example:${port}`,
    '127.0.0.1',
    `127.0.0.1:${port + 1}`,
    `127.0.0.1.evil.example:${port}`,
  ])('refuses Host %j with 400, for the site and the routes', async (host) => {
    expect((await raw('GET', '/', host)).status).toBe(400);
    expect((await raw('POST', '/api/subscribe', host)).status).toBe(400);
  });

  it.each([
    '/%00',
    '/a%00b.html',
    `/${'a'.repeat(300)}`,
    `/${'a'.repeat(300)}/`,
    '/posts/%2e%2e/%2e%2e/x',
    '/posts//x',
    '/%E0%A4%A',
  ])('answers 400 or 404, never 500, for %s', async (path) => {
    const answer = await raw('GET', path);
    expect([400, 404]).toContain(answer.status);
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])(
    'answers %s on a site path with 405 and Allow',
    async (method) => {
      expect(await raw(method, '/index.html')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    },
  );

  it('still passes other methods to routes that take them', async () => {
    expect(await raw('POST', '/api/subscribe')).toMatchObject({ status: 200, body: 'api POST' });
  });
});
