import type { SiteConfig } from '../core/config/site-config.ts';
import { PostError } from '../core/errors.ts';
import { parsePost, renderPost } from '../core/posts/parse-post.ts';
import type { ParsedPost, Post, PostMeta } from '../core/posts/post.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { PostCompiler, PostFile, PostRenderResult } from '../ports/post-compiler.ts';
import { mapLimit } from './map-limit.ts';

/** One post file read: its metadata, or why it cannot be published. */
export type PostReadResult = { post: PostMeta } | { error: PostError };

const IO_CONCURRENCY = 32;
/** Files handed to the compiler at once: big enough to amortise a thread hop, small enough to balance. */
const CHUNK = 25;

/** Renders in the calling thread: what Lambda (one vCPU or less), feeds-only builds and tests use. */
export const inThreadCompiler: PostCompiler = {
  async render(site, files) {
    return files.map((file) => renderOne(file.key, file.bytes, site));
  },
};

/**
 * Reads and parses post files through a {@link BlobStore}, keeping metadata only: the few bodies a
 * feed needs are read again, which costs less than holding thousands of them.
 * @returns results in the order of `keys`; a key whose object is gone is left out
 */
export async function readPosts(
  content: BlobStore,
  keys: readonly string[],
  site: SiteConfig,
): Promise<PostReadResult[]> {
  const results = await mapLimit(keys, IO_CONCURRENCY, async (key) => {
    const bytes = await content.get(key);
    return bytes === undefined ? undefined : parseOne(key, bytes, site);
  });
  return results.filter((r): r is PostReadResult => r !== undefined);
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
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += CHUNK) chunks.push(keys.slice(i, i + CHUNK));
  const results = await mapLimit(chunks, Math.ceil(IO_CONCURRENCY / 4), async (chunk) => {
    const files = await mapLimit(chunk, IO_CONCURRENCY, async (key) => {
      const bytes = await content.get(key);
      return bytes === undefined ? undefined : { key, bytes };
    });
    return compiler.render(
      site,
      files.filter((file): file is PostFile => file !== undefined),
    );
  });
  return results.flat();
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
