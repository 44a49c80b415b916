import type { SiteConfig } from '../core/config/site-config.ts';
import { PostError } from '../core/errors.ts';
import { parsePost, renderPost } from '../core/posts/parse-post.ts';
import type { ParsedPost, Post, PostMeta } from '../core/posts/post.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { PostCompiler, PostFile, PostReadResult, PostRenderResult } from '../ports/post-compiler.ts';
import { mapLimit } from './map-limit.ts';

export type { PostReadResult } from '../ports/post-compiler.ts';

const IO_CONCURRENCY = 32;
/** Files handed to the compiler at once: big enough to amortise a thread hop, small enough to balance. */
const CHUNK = 25;

/** Parses and renders in the calling thread: what Lambda (one vCPU or less) and tests use. */
export const inThreadCompiler: PostCompiler = {
  async read(site, files) {
    return files.map((file) => parseOne(file.key, file.bytes, site));
  },
  async render(site, files) {
    return files.map((file) => renderOne(file.key, file.bytes, site));
  },
};

/**
 * Reads and parses post files through a {@link BlobStore}, keeping metadata only: the few bodies a
 * feed needs are read again, which costs less than holding thousands of them.
 * @param compiler - where the parsing runs (this thread unless given worker threads)
 * @returns results in the order of `keys`; a key whose object is gone is left out
 */
export async function readPosts(
  content: BlobStore,
  keys: readonly string[],
  site: SiteConfig,
  compiler: PostCompiler = inThreadCompiler,
): Promise<PostReadResult[]> {
  const results = await compileInChunks(content, keys, (files) => compiler.read(site, files));
  return results.flat();
}

/**
 * Reads post files and renders their bodies, in chunks spread over the compiler.
 * @returns results in the order of `keys`; a key whose object is gone is left out
 */
export async function renderPosts(
  content: BlobStore,
  keys: readonly string[],
  site: SiteConfig,
  compiler: PostCompiler = inThreadCompiler,
): Promise<PostRenderResult[]> {
  const results = await compileInChunks(content, keys, (files) => compiler.render(site, files));
  return results.flat();
}

async function compileInChunks<R>(
  content: BlobStore,
  keys: readonly string[],
  compile: (files: PostFile[]) => Promise<R[]>,
): Promise<R[][]> {
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += CHUNK) chunks.push(keys.slice(i, i + CHUNK));
  return mapLimit(chunks, Math.ceil(IO_CONCURRENCY / 4), async (chunk) => {
    const files = await mapLimit(chunk, IO_CONCURRENCY, async (key) => {
      const bytes = await content.get(key);
      return bytes === undefined ? undefined : { key, bytes };
    });
    return compile(files.filter((file): file is PostFile => file !== undefined));
  });
}

/** Parses one post file into a result instead of throwing for a content error; the body is dropped. */
export function parseOne(key: string, bytes: Uint8Array, site: SiteConfig): PostReadResult {
  try {
    const { body: _body, ...meta } = parsePost({ key, bytes }, site);
    return { post: meta };
  } catch (error) {
    if (error instanceof PostError) return { error };
    throw error;
  }
}

/** Parses one post file and renders its body, or says why it cannot be published. */
export function renderOne(key: string, bytes: Uint8Array, site: SiteConfig): PostRenderResult {
  try {
    return { post: renderPost(parsePost({ key, bytes }, site)) };
  } catch (error) {
    if (error instanceof PostError) return { error };
    throw error;
  }
}

/**
 * Gives a post its rendered body: directly when it still holds its markdown, otherwise by reading
 * the file again ({@link readPosts} keeps metadata only).
 * @throws PostError when the file changed under the build and no longer parses
 */
export async function renderFromStore(content: BlobStore, post: PostMeta, site: SiteConfig): Promise<Post> {
  if ('body' in post) return renderPost(post as ParsedPost);
  const bytes = await content.get(post.source);
  if (bytes === undefined) throw new PostError(post.source, 'file', 'was deleted during the build');
  const result = renderOne(post.source, bytes, site);
  if ('error' in result) throw result.error;
  return result.post;
}
