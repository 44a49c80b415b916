import type { SiteConfig } from '../core/config/site-config.ts';
import { PostError } from '../core/errors.ts';
import { parsePost, renderPost } from '../core/posts/parse-post.ts';
import type { ParsedPost, Post, PostMeta } from '../core/posts/post.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { PostReader, PostReadResult } from '../ports/post-reader.ts';
import { mapLimit } from './map-limit.ts';

const IO_CONCURRENCY = 32;

/**
 * Reads posts through a {@link BlobStore} on the calling thread. The posts it returns keep their
 * markdown, so rendering them needs no second read.
 */
export function storePostReader(content: BlobStore): PostReader {
  return {
    async readPosts(keys: readonly string[], site: SiteConfig): Promise<PostReadResult[]> {
      const results = await mapLimit(keys, IO_CONCURRENCY, async (key) => {
        const bytes = await content.get(key);
        if (bytes === undefined) return undefined;
        const result = parseOne(key, bytes, site);
        if (!('post' in result)) return result;
        const { body: _body, ...meta } = result.post as ParsedPost;
        return { post: meta };
      });
      return results.filter((r): r is PostReadResult => r !== undefined);
    },
  };
}

/** Parses one post file into a result instead of throwing for a content error. */
export function parseOne(key: string, bytes: Uint8Array, site: SiteConfig): PostReadResult {
  try {
    return { post: parsePost({ key, bytes }, site) };
  } catch (error) {
    if (error instanceof PostError) return { error };
    throw error;
  }
}

/**
 * Gives a post its rendered body: directly when it still holds its markdown, otherwise by reading
 * the file again (readers that parse in other threads return metadata only).
 * @throws PostError when the file changed under the build and no longer parses
 */
export async function renderFromStore(content: BlobStore, post: PostMeta, site: SiteConfig): Promise<Post> {
  if ('body' in post) return renderPost(post as ParsedPost);
  const bytes = await content.get(post.source);
  if (bytes === undefined) throw new PostError(post.source, 'file', 'was deleted during the build');
  return renderPost(parsePost({ key: post.source, bytes }, site));
}
