import type { SiteConfig } from '../core/config/site-config.ts';
import type { PostError } from '../core/errors.ts';
import type { PostMeta } from '../core/posts/post.ts';

/** One post file read: its metadata, or why it cannot be published. */
export type PostReadResult = { post: PostMeta } | { error: PostError };

/**
 * Reads and parses many post files at once. The plain implementation reads through a BlobStore on
 * the calling thread; a local folder can be read by several worker threads instead.
 */
export interface PostReader {
  /** Results in the order of `keys`; a key whose object is gone is left out. */
  readPosts(keys: readonly string[], site: SiteConfig): Promise<PostReadResult[]>;
}
