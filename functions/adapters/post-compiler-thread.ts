// The body of each worker thread of a {@link WorkerPostCompiler}: runs the same parsing and rendering
// as the main thread would, on the files it is sent, and answers with plain objects (class instances
// such as PostError do not survive the trip between threads).
import { parentPort } from 'node:worker_threads';
import { renderOne } from '../app/read-posts.ts';
import type { SiteConfig } from '../core/config/site-config.ts';
import type { PostFile } from '../ports/post-compiler.ts';
import type { CompileReply, CompileRequest } from './worker-post-compiler.ts';

const port = parentPort;
if (port === null) throw new Error('post-compiler-thread runs only as a worker thread');

port.on('message', (request: CompileRequest) => {
  let reply: CompileReply;
  try {
    reply = {
      id: request.id,
      results: request.files.map((file: PostFile) => {
        const result = renderOne(file.key, file.bytes, request.site as SiteConfig);
        return 'error' in result
          ? { error: { file: result.error.file, field: result.error.field, reason: result.error.reason } }
          : { post: result.post };
      }),
    };
  } catch (error) {
    reply = {
      id: request.id,
      failure: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
  port.postMessage(reply);
});
