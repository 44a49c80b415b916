import type { SiteConfig } from '../core/config/site-config.ts';
import type { PostError } from '../core/errors.ts';
import type { Post } from '../core/posts/post.ts';

/** A post file as read from the content store. */
export interface PostFile {
  key: string;
  bytes: Uint8Array;
}

/** One post file rendered: the post with its HTML body, or why it cannot be published. */
export type PostRenderResult = { post: Post } | { error: PostError };

/**
 * Turns post files into rendered posts: the CPU-bound part of a build with pages (markdown,
 * sanitising).
 * In one thread for Lambda and tests, or spread over worker threads where a machine has cores to
 * spare (the CLI's full build). Either way the same core functions run, so the output is the same.
 */
export interface PostCompiler {
  /** Each file with its body rendered; results in the order of `files`. */
  render(site: SiteConfig, files: readonly PostFile[]): Promise<PostRenderResult[]>;
}
