import type { SiteConfig } from '../core/config/site-config.ts';
import type { PostError } from '../core/errors.ts';
import type { PostPageJob } from '../core/pages/page-plan.ts';
import type { ParsedPost, Post } from '../core/posts/post.ts';

/** A post file as read from the content store. */
export interface PostFile {
  key: string;
  bytes: Uint8Array;
  /**
   * Render the post's page too, and answer with the page's HTML only: the page is most of what a
   * full build writes, and its body need not travel back to the thread that writes it.
   */
  page?: PostPageJob;
  /**
   * The file's metadata as parsed earlier in the same build, and the fingerprint of the bytes it was
   * parsed from: when `bytes` still match, only the body is read from them (see `withBodyOf`).
   */
  parsed?: ParsedFile;
}

/** A post's metadata as parsed from a file, and that file's fingerprint (`fileDigest`). */
export interface ParsedFile {
  meta: Omit<ParsedPost, 'body'>;
  digest: number;
}

/** What every post of one build renders against: the site and the posts links may point to. */
export interface RenderContext {
  site: SiteConfig;
  /** Every published post's source key and absolute URL, for `ref`-style links between posts. */
  links: readonly { source: string; url: string }[];
}

/**
 * One post file rendered: the post with its HTML body (or, when its {@link PostFile.page} was asked
 * for, its page's HTML) and what rendering changed in it (an unknown shortcode removed, …), or why
 * it cannot be published.
 */
export type PostRenderResult =
  | { post: Post; warnings: string[] }
  | { page: PageBody; source: string; warnings: string[] }
  | { error: PostError };

/**
 * A rendered page's HTML: a string, or its UTF-8 bytes (what worker threads answer with: bytes move
 * between threads without a copy, and are written as they are).
 */
export type PageBody = string | Uint8Array;

/**
 * Turns post files into rendered posts: the CPU-bound part of a build with pages (markdown,
 * shortcodes, sanitising). In one thread for Lambda and tests, or spread over worker threads where
 * a machine has cores to spare (the CLI's full build). Either way the same core functions run, so
 * the output is the same.
 */
export interface PostCompiler {
  /**
   * Each file with its body rendered; results in the order of `files`.
   * @param context - the same object for every call of one build (implementations may cache by it)
   */
  render(context: RenderContext, files: readonly PostFile[]): Promise<PostRenderResult[]>;
}
