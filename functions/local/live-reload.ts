import type { ServerResponse } from 'node:http';

/** Where the browser script and its event stream are served; the site never has `_herald/`. */
export const LIVE_RELOAD_PATH = '/_herald/live';
const SCRIPT_PATH = '/_herald/live-reload.js';

// Reloads the page when the object it was served from changes (or, for a 404, is created): its
// key is worked out from its path the way the site server maps paths to keys. EventSource reconnects by itself after a
// restart of local mode.
const SCRIPT = `(() => {
  const path = decodeURIComponent(location.pathname);
  const mine = path.slice(1) + (path.endsWith('/') ? 'index.html' : '');
  const events = new EventSource(${JSON.stringify(LIVE_RELOAD_PATH)});
  events.onmessage = (event) => {
    const changed = JSON.parse(event.data);
    if (changed.includes(mine)) location.reload();
  };
})();
`;

/**
 * Live reload for the local preview: the site server injects a small script into the HTML pages it
 * serves (never into the bucket, so never into published pages or feeds); the script listens on an
 * event stream, and local mode tells it which site keys changed after each publish.
 */
export class LiveReload {
  private readonly clients = new Set<ServerResponse>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  /** Collects changed keys and sends them together: one publish writes many objects at once. */
  changed(key: string): void {
    this.pending.add(key);
    this.timer ??= setTimeout(() => this.send(), 50);
  }

  /**
   * Answers the live reload paths: the script and the event stream.
   * @returns true when the request was one of them
   */
  serve(path: string, response: ServerResponse): boolean {
    if (path === SCRIPT_PATH) {
      response.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'no-store',
      });
      response.end(SCRIPT);
      return true;
    }
    if (path !== LIVE_RELOAD_PATH) return false;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    response.write(': connected\n\n');
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
    return true;
  }

  /** An HTML page with the live reload script added before `</body>` (or at its end). */
  inject(html: Buffer): Buffer {
    const tag = `<script src="${SCRIPT_PATH}"></script>`;
    const text = html.toString('utf8');
    const at = text.lastIndexOf('</body>');
    return Buffer.from(at < 0 ? `${text}${tag}` : `${text.slice(0, at)}${tag}${text.slice(at)}`);
  }

  /** Ends every open stream, so that the server can close. */
  close(): void {
    clearTimeout(this.timer);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private send(): void {
    this.timer = undefined;
    const keys = [...this.pending].sort();
    this.pending = new Set();
    for (const client of this.clients) client.write(`data: ${JSON.stringify(keys)}\n\n`);
  }
}
