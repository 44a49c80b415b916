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

/** What a worker answers: one result per file, or why the whole request failed (a bug, not content). */
export type CompileReply =
  | {
      id: number;
      results: (
        | { post: Post; warnings: string[] }
        | { page: Uint8Array; source: string; warnings: string[] }
        | { error: ErrorFields }
      )[];
    }
  | { id: number; failure: string };

/**
 * Which file a worker is rendering, in memory shared with the main thread (Int32 slots): the
 * request's id (-1 between requests), the file's index in it, and a count bumped at every file's
 * start and every request's end. A message per file for this was 7% of each worker's time in a
 * 10,000-post build; the main thread now looks at the count a few times per timeout instead.
 */
export const PROGRESS = { request: 0, file: 1, steps: 2, slots: 3 } as const;

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
  /** See {@link PROGRESS}. */
  progress: Int32Array;
  /** While requests are pending: checks that the thread moves on from each file in time. */
  watchdog?: NodeJS.Timeout | undefined;
  /** The progress count last seen, and when it was first seen. */
  seen: { steps: number; at: number };
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
 * The young generation of each thread's heap, in MB (V8 splits it into two semi-spaces and a space
 * for new large objects: 8 MB semi-spaces here). V8's default grows each thread's new space to 34 MB,
 * kept whether or not it holds anything; a thread renders one post at a time, whose short-lived
 * objects fit in a few MB. Measured on 10,000 posts (peak memory, CPU): V8's default 349-368 MB,
 * 33-34 s; 24 MB 307-308 MB, 34-35 s; 12 MB 285-310 MB but 34-36 s (more of each post's objects outlive a
 * smaller young generation's collections and are copied). It bounds no heap: the old generation,
 * where a post that outlives a collection goes, is as large as it ever was, so no site is too big.
 */
const YOUNG_GENERATION_MB = 24;

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
      if (thread.pending.size === 1) this.watch(thread);
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
    const shared = new SharedArrayBuffer(PROGRESS.slots * Int32Array.BYTES_PER_ELEMENT);
    const [script, options] = threadScript();
    const worker = new Worker(script, {
      ...options,
      workerData: { progress: shared },
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const progress = new Int32Array(shared);
    progress[PROGRESS.request] = -1;
    const thread: Thread = { worker, pending: new Map(), progress, seen: { steps: 0, at: 0 } };
    worker.unref();
    const settle = (id: number): Pending | undefined => {
      const pending = thread.pending.get(id);
      thread.pending.delete(id);
      if (thread.pending.size === 0) this.unwatch(thread);
      return pending;
    };
    worker.on('message', (reply: CompileReply) => {
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
      this.unwatch(thread);
      if (thread.stopped) return;
      for (const id of [...thread.pending.keys()]) settle(id)?.reject(error);
      this.threads = this.threads.filter((t) => t !== thread);
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`post compiler thread exited with code ${code}`)));
    return thread;
  }

  /** Holds the process open while the thread has work, and checks its progress a few times per timeout. */
  private watch(thread: Thread): void {
    thread.worker.ref();
    thread.seen = { steps: Atomics.load(thread.progress, PROGRESS.steps), at: performance.now() };
    clearInterval(thread.watchdog);
    thread.watchdog = setInterval(() => this.check(thread), Math.max(10, this.timeoutMs / 4));
    thread.watchdog.unref();
  }

  private unwatch(thread: Thread): void {
    clearInterval(thread.watchdog);
    thread.watchdog = undefined;
    thread.worker.unref();
  }

  /** Stops the thread when it has been on the same file for the timeout or longer. */
  private check(thread: Thread): void {
    const steps = Atomics.load(thread.progress, PROGRESS.steps);
    const now = performance.now();
    if (steps !== thread.seen.steps) {
      thread.seen = { steps, at: now };
      return;
    }
    const id = Atomics.load(thread.progress, PROGRESS.request);
    if (id < 0 || now - thread.seen.at < this.timeoutMs) return;
    this.stop(thread, { id, index: Atomics.load(thread.progress, PROGRESS.file) });
  }

  /**
   * Ends a thread whose current post ran past the timeout (JavaScript cannot be interrupted from
   * outside: only ending the thread stops it). That post fails with an error naming it; the rest of
   * its request, and the thread's other requests, are rendered by the remaining threads.
   */
  private stop(thread: Thread, current: { id: number; index: number }): void {
    this.unwatch(thread);
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
