import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PostError } from '../core/errors.ts';
import type { Post } from '../core/posts/post.ts';
import type { PostCompiler, PostFile, PostRenderResult, RenderContext } from '../ports/post-compiler.ts';

/**
 * What the main thread sends a worker: a build's context once (it holds every post's link, so it is
 * not repeated with each request), then files to render against the latest context.
 */
export type CompileRequest =
  | { kind: 'context'; context: RenderContext }
  | { kind: 'render'; id: number; files: readonly PostFile[] };

/** A content error as it crosses between threads. */
interface ErrorFields {
  file: string;
  field: string;
  reason: string;
}

/**
 * What a worker answers: one result per file, or why the whole request failed (a bug, not content);
 * and, before each file, which one it starts, so the main thread can time each post.
 */
export type CompileReply =
  | {
      id: number;
      results: (
        | { post: Post; warnings: string[] }
        | { page: string; source: string; warnings: string[] }
        | { error: ErrorFields }
      )[];
    }
  | { id: number; failure: string }
  | { id: number; starting: number };

interface Pending {
  context: RenderContext;
  files: readonly PostFile[];
  resolve(results: PostRenderResult[]): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  context?: RenderContext;
  /** The file the thread is rendering now, and the watchdog that stops it if it takes too long. */
  current?: { id: number; index: number; watchdog: NodeJS.Timeout } | undefined;
  /** Ended by the watchdog: its exit is expected, and its requests have gone to other threads. */
  stopped?: boolean;
}

/**
 * How long one post may take to render before the build gives up on it. Within POST_LIMITS the
 * slowest body renders in about 2 s (`npm run bench`); a post that still takes longer is stopped,
 * so that it cannot hold a build, whatever it holds.
 */
export const POST_RENDER_TIMEOUT_MS = 10_000;

/**
 * A {@link PostCompiler} that spreads files over worker threads, one per core: markdown and
 * sanitising are most of a full build's time, and a single thread left the other cores idle.
 * Threads start on first use and no longer hold the process open once idle; `close` ends them.
 */
export class WorkerPostCompiler implements PostCompiler {
  private readonly size: number;
  private threads: Thread[] = [];
  private nextId = 0;

  /**
   * @param threads - how many worker threads (default: one per core, at most 8)
   * @param timeoutMs - how long one post may render before it fails with a PostError naming it
   */
  constructor(
    threads = Math.min(8, availableParallelism()),
    private readonly timeoutMs = POST_RENDER_TIMEOUT_MS,
  ) {
    this.size = Math.max(1, threads);
  }

  render(context: RenderContext, files: readonly PostFile[]): Promise<PostRenderResult[]> {
    if (files.length === 0) return Promise.resolve([]);
    if (this.threads.length === 0) this.threads = Array.from({ length: this.size }, () => this.start());
    // The least busy thread: chunks differ in size, so round robin would leave threads idle.
    const thread = this.threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { context, files, resolve, reject });
      if (thread.pending.size === 1) thread.worker.ref();
      if (thread.context !== context) {
        thread.worker.postMessage({ kind: 'context', context } satisfies CompileRequest);
        thread.context = context;
      }
      thread.worker.postMessage({ kind: 'render', id, files } satisfies CompileRequest);
    });
  }

  /** Ends the worker threads; the compiler starts new ones if used again. */
  async close(): Promise<void> {
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }

  private start(): Thread {
    const worker = new Worker(...threadScript());
    const thread: Thread = { worker, pending: new Map() };
    worker.unref();
    const settle = (id: number): Pending | undefined => {
      const pending = thread.pending.get(id);
      thread.pending.delete(id);
      if (thread.pending.size === 0) worker.unref();
      return pending;
    };
    worker.on('message', (reply: CompileReply) => {
      clearTimeout(thread.current?.watchdog);
      thread.current = undefined;
      if ('starting' in reply) {
        const watchdog = setTimeout(() => this.stop(thread), this.timeoutMs);
        thread.current = { id: reply.id, index: reply.starting, watchdog };
        return;
      }
      const pending = settle(reply.id);
      if ('failure' in reply) {
        pending?.reject(new Error(`post compiler thread failed: ${reply.failure}`));
        return;
      }
      pending?.resolve(
        reply.results.map((result) =>
          'error' in result
            ? { error: new PostError(result.error.file, result.error.field, result.error.reason) }
            : result,
        ),
      );
    });
    const failAll = (error: Error): void => {
      clearTimeout(thread.current?.watchdog);
      if (thread.stopped) return;
      for (const id of [...thread.pending.keys()]) settle(id)?.reject(error);
      this.threads = this.threads.filter((t) => t !== thread);
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`post compiler thread exited with code ${code}`)));
    return thread;
  }

  /**
   * Ends a thread whose current post ran past the timeout (JavaScript cannot be interrupted from
   * outside: only ending the thread stops it). That post fails with an error naming it; the rest of
   * its request, and the thread's other requests, are rendered by the remaining threads.
   */
  private stop(thread: Thread): void {
    const current = thread.current;
    if (current === undefined) return;
    thread.stopped = true;
    this.threads = this.threads.filter((t) => t !== thread);
    void thread.worker.terminate();
    for (const [id, pending] of thread.pending) {
      if (id !== current.id) {
        this.render(pending.context, pending.files).then(pending.resolve, pending.reject);
        continue;
      }
      const file = pending.files[current.index];
      const rest = pending.files.filter((_, i) => i !== current.index);
      const seconds = this.timeoutMs / 1000;
      const timedOut: PostRenderResult = {
        error: new PostError(
          file?.key ?? '(unknown file)',
          'body',
          `took longer than ${seconds} s to render and was stopped, so that one post cannot hold up publishing; split it into smaller posts or simplify its markup`,
        ),
      };
      this.render(pending.context, rest).then(
        (results) =>
          pending.resolve([...results.slice(0, current.index), timedOut, ...results.slice(current.index)]),
        pending.reject,
      );
    }
    thread.pending.clear();
  }
}

/**
 * The worker's script. Bundled (the CLI's esbuild bundle, see cli/bundle.mjs) it is a sibling
 * `.mjs` file; run from the TypeScript sources it is the `.ts` file, which the thread loads after
 * registering tsx (a worker does not inherit the main thread's module hooks).
 */
function threadScript(): [URL | string, { eval?: boolean }] {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return [new URL('./post-compiler-thread.mjs', here), {}];
  // The ESM build of tsx's API: `tsx/esm/api` resolves to its CommonJS build from require.
  const tsx = pathToFileURL(
    createRequire(here)
      .resolve('tsx/package.json')
      .replace(/package\.json$/, 'dist/esm/api/index.mjs'),
  ).href;
  const script = new URL('./post-compiler-thread.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); });`;
  return [boot, { eval: true }];
}
