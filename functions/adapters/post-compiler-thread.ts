// The body of each worker thread of a {@link WorkerPostCompiler}: runs the same parsing and rendering
// as the main thread would, on the files it is sent, and answers with plain objects (class instances
// such as PostError do not survive the trip between threads).
import { parentPort, workerData } from 'node:worker_threads';
import { renderOne } from '../app/read-posts.ts';
import { parseSiteConfig } from '../core/config/site-config.ts';
import type { RenderContext } from '../ports/post-compiler.ts';
import { type CompileReply, type CompileRequest, PROGRESS } from './worker-post-compiler.ts';

const port = parentPort;
if (port === null) throw new Error('post-compiler-thread runs only as a worker thread');

let context: RenderContext | undefined;
const utf8 = new TextEncoder();
// Which file this thread renders, for the main thread's watchdog (see PROGRESS).
const progress = new Int32Array((workerData as { progress: SharedArrayBuffer }).progress);

// The renderer builds its parsers and allowlists on first use (a few hundred milliseconds): done
// here, before the thread takes work, so that the main thread's per-post timeout measures posts.
renderOne(
  {
    key: 'posts/warm-up.md',
    bytes: new TextEncoder().encode(
      '---\ntitle: Warm-up\ndate: 2024-01-01\n---\n*Warm* [up](/x/) <b>x</b>\n\n| a |\n|---|\n| b |\n',
    ),
  },
  { site: parseSiteConfig('title: Warm-up\nbaseUrl: https://example.org/\nauthor: Herald\n'), links: [] },
);

port.on('message', (request: CompileRequest) => {
  if (request.kind === 'context') {
    context = request.context;
    return;
  }
  let reply: CompileReply;
  // Pages go back as UTF-8 bytes, moved rather than copied: the main thread writes them as they
  // are, and never holds (or collects) the ~25 KB string of every post's page.
  const moved: ArrayBuffer[] = [];
  try {
    if (context === undefined) throw new Error('a render request arrived before its context');
    const current = context;
    reply = {
      id: request.id,
      results: request.files.map((file, index) => {
        // Tells the main thread's watchdog which file runs now (see WorkerPostCompiler).
        Atomics.store(progress, PROGRESS.request, request.id);
        Atomics.store(progress, PROGRESS.file, index);
        Atomics.add(progress, PROGRESS.steps, 1);
        const result = renderOne(file, current);
        if ('error' in result)
          return {
            error: { file: result.error.file, field: result.error.field, reason: result.error.reason },
          };
        if (!('page' in result)) return result;
        const page = typeof result.page === 'string' ? utf8.encode(result.page) : result.page.slice();
        moved.push(page.buffer);
        return { ...result, page };
      }),
    };
  } catch (error) {
    reply = {
      id: request.id,
      failure: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
  Atomics.store(progress, PROGRESS.request, -1);
  Atomics.add(progress, PROGRESS.steps, 1);
  port.postMessage(reply, 'failure' in reply ? [] : moved);
});
