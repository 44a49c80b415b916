import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpHubNotifier } from '../../functions/adapters/http-hub-notifier.ts';

const received: { type: string | undefined; body: string }[] = [];
let status = 204;
const hub = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    received.push({ type: request.headers['content-type'], body });
    response.writeHead(status).end();
  });
});
let url = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`;
});
afterAll(() => {
  hub.close();
});

describe('httpHubNotifier', () => {
  it('posts hub.mode=publish and hub.url for each feed, form-encoded', async () => {
    await httpHubNotifier().notify(url, [
      'https://example.org/rss.xml',
      'https://example.org/categories/a b/atom.xml',
    ]);
    expect(received.map((r) => r.type)).toEqual([
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded',
    ]);
    expect(
      received
        .map((r) => Object.fromEntries(new URLSearchParams(r.body)))
        .sort((a, b) => (a['hub.url'] ?? '').localeCompare(b['hub.url'] ?? '')),
    ).toEqual([
      { 'hub.mode': 'publish', 'hub.url': 'https://example.org/categories/a b/atom.xml' },
      { 'hub.mode': 'publish', 'hub.url': 'https://example.org/rss.xml' },
    ]);
  });

  it('reports a hub that refuses or cannot be reached', async () => {
    status = 500;
    await expect(httpHubNotifier().notify(url, ['https://example.org/rss.xml'])).rejects.toThrow(/HTTP 500/);
    await expect(
      httpHubNotifier(fetch, 500).notify('http://127.0.0.1:9/', ['https://example.org/rss.xml']),
    ).rejects.toThrow(/was not told of https:\/\/example\.org\/rss\.xml/);
  });
});
