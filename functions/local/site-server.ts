import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FEED_FORMATS } from '../core/feeds/feed-model.ts';
import { mediaTypeOf } from '../core/feeds/media-type.ts';
import { directoryRule } from '../core/site/directory-rule.ts';
import { escapeHtml } from '../core/text/html-text.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { LiveReload } from './live-reload.ts';
import { portError } from './local-s3.ts';
import { type Refusal, refuseForeignHost, refuseSiteRequest } from './request-guard.ts';

const FEED_TYPES = new Map<string, string>(Object.values(FEED_FORMATS).map((f) => [f.file, f.contentType]));

/** The media type a site file is served with: the feed types Herald writes, else by extension. */
export function siteContentType(key: string): string {
  return FEED_TYPES.get(key.slice(key.lastIndexOf('/') + 1)) ?? mediaTypeOf(key);
}

/** A response from a route other than the site bucket. */
export interface RouteResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** Serves paths under a prefix, e.g. the subscribe API under `/api/`. */
export type Route = (request: IncomingMessage, path: string, query: string) => Promise<RouteResponse>;

/**
 * Serves the site bucket over HTTP on loopback, as CloudFront serves it in AWS: `/x/` is
 * `x/index.html`, a missing key is a 404. Until the site has a home page, `/` lists the feeds.
 * @param routes - by path prefix (e.g. `/api/`): what the prefix leads to, given the rest of the path
 * @param liveReload - when given, HTML pages reload in the browser when they change
 * @returns the server and its base URL
 */
export async function serveSite(
  site: BlobStore,
  port: number,
  routes: Record<string, Route> = {},
  liveReload?: LiveReload,
): Promise<{ server: Server; url: string }> {
  // Pages get the live reload script as they are served; the bucket's objects stay as published.
  const html = (body: Buffer): Buffer => (liveReload ? liveReload.inject(body) : body);
  const server = createServer(async (request, response) => {
    const refuse = (refusal: Refusal): void => {
      response.writeHead(refusal.status, refusal.headers);
      response.end(request.method === 'HEAD' ? undefined : refusal.body);
    };
    try {
      const foreign = refuseForeignHost(request, (server.address() as AddressInfo).port);
      if (foreign !== undefined) return refuse(foreign);
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (liveReload?.serve(url.pathname, response)) return;
      const prefix = Object.keys(routes).find((p) => url.pathname.startsWith(p));
      const route = prefix === undefined ? undefined : routes[prefix];
      if (prefix !== undefined && route !== undefined) {
        const answer = await route(request, url.pathname.slice(prefix.length - 1), url.search.slice(1));
        response.writeHead(answer.status, answer.headers);
        response.end(request.method === 'HEAD' ? undefined : answer.body);
        return;
      }
      // The path as it arrived, before URL parsing resolves dot segments (%2e%2e included).
      const raw = (request.url ?? '/').split(/[?#]/)[0] ?? '/';
      let path: string;
      try {
        path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
        if (/(^|\/)\.\.?(\/|$)/.test(decodeURIComponent(raw)))
          return refuse({
            status: 400,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
            body: 'Bad request: the path has a "." or ".." segment\n',
          });
      } catch {
        response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('Bad request: the path is not valid percent-encoding\n');
        return;
      }
      const refusal = refuseSiteRequest(request, path);
      if (refusal !== undefined) return refuse(refusal);
      // The rule CloudFront applies, on the path as it arrived: still percent-encoded, and not
      // parsed as a URL (which would read //host/x as a host).
      const answer = directoryRule(raw);
      if ('redirect' in answer) {
        response.writeHead(301, { location: answer.redirect, 'content-type': 'text/plain; charset=utf-8' });
        response.end(request.method === 'HEAD' ? undefined : `Moved to ${answer.redirect}\n`);
        return;
      }
      const key = `${path.slice(1)}${path.endsWith('/') ? 'index.html' : ''}`;
      const body = await site.get(key);
      if (body !== undefined) {
        const type = siteContentType(key);
        const served = type.startsWith('text/html') ? html(Buffer.from(body)) : body;
        response.writeHead(200, { 'content-type': type, 'content-length': served.byteLength });
        response.end(request.method === 'HEAD' ? undefined : served);
      } else if (path === '/') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(html(Buffer.from(await feedIndex(site))));
      } else {
        // As CloudFront does: the site's own 404 page, with a 404 status. With live reload, it turns
        // into the page once the page is published.
        const notFound = await site.get('404.html');
        response.writeHead(404, {
          'content-type': notFound ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
        });
        response.end(notFound ? html(Buffer.from(notFound)) : `Not found: ${path}\n`);
      }
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`Herald could not read the site bucket: ${String(error)}\n`);
    }
  });
  await new Promise<void>((resolve, reject) =>
    server
      .listen(port, '127.0.0.1', resolve)
      .once('error', (error) => reject(portError(error, port, '--port'))),
  );
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

async function feedIndex(site: BlobStore): Promise<string> {
  const feeds: string[] = [];
  for await (const info of site.list(''))
    if (FEED_TYPES.has(info.key.slice(info.key.lastIndexOf('/') + 1))) feeds.push(info.key);
  const items = feeds
    .map((key) => `<li><a href="/${escapeHtml(key)}">${escapeHtml(key)}</a></li>`)
    .join('\n');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Herald (local)</title>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; line-height: 1.5">
<h1>Herald is running locally</h1><p>Subscribe to any of these in a feed reader:</p><ul>${items}</ul></body></html>\n`;
}
