import type { SiteConfig } from '../core/config/site-config.ts';
import { PostError } from '../core/errors.ts';
import { type PostPageJob, renderPostPage } from '../core/pages/page-plan.ts';
import type { FieldTypo } from '../core/posts/field-values.ts';
import { parsePost, type RenderHooks, renderPost, withBodyOf } from '../core/posts/parse-post.ts';
import type { ParsedPost, Post, PostMeta } from '../core/posts/post.ts';
import { RefIndex } from '../core/posts/ref-index.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Logger } from '../ports/logger.ts';
import type {
  ParsedFile,
  PostCompiler,
  PostFile,
  PostRenderResult,
  RenderContext,
} from '../ports/post-compiler.ts';
import { fileDigest } from './hash-of.ts';
import { mapLimit } from './map-limit.ts';
import { texToMathml } from './tex-to-mathml.ts';

/**
 * One post file read: its metadata (and any likely misspelt fields) and the fingerprint of the bytes
 * it was parsed from, or why it cannot be published.
 */
export type PostReadResult =
  | { post: PostMeta; typos: FieldTypo[]; warnings: string[]; digest: number }
  | { error: PostError };

const IO_CONCURRENCY = 32;
/** Files handed to the compiler at once: big enough to amortise a thread hop, small enough to balance. */
const CHUNK = 25;

const refIndexes = new WeakMap<RenderContext, RefIndex>();

/** The link index of a build's context, built once per context (it covers every post). */
export function refIndexOf(context: RenderContext): RefIndex {
  let refs = refIndexes.get(context);
  if (refs === undefined) {
    refs = new RefIndex(context.links);
    refIndexes.set(context, refs);
  }
  return refs;
}

/** Renders in the calling thread: what Lambda (one vCPU or less), feeds-only builds and tests use. */
export const inThreadCompiler: PostCompiler = {
  async render(context, files) {
    return files.map((file) => renderOne(file, context));
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
    if (bytes === undefined) return undefined;
    const result = parseOne(key, bytes, site);
    if (!('post' in result)) return result;
    const { body: _body, ...meta } = result.post as ParsedPost;
    return { post: meta, typos: result.typos, warnings: result.warnings, digest: fileDigest(bytes) };
  });
  return results.filter((r): r is PostReadResult => r !== undefined);
}

/** What {@link renderPosts} may know of the files besides their keys. */
export interface RenderRequests {
  /** Posts whose page to render instead of returning the post (see {@link PostFile.page}). */
  pages?: ReadonlyMap<string, PostPageJob>;
  /** Each file's metadata as parsed before in this build, and the digest of what was parsed. */
  parsed?: (key: string) => ParsedFile | undefined;
}

/**
 * Reads post files and renders their bodies, in chunks spread over the compiler.
 * @param requests - pages to render, and what was parsed of the files before
 * @returns results in the order of `keys`; a key whose object is gone is left out
 */
export async function renderPosts(
  content: BlobStore,
  keys: readonly string[],
  context: RenderContext,
  compiler: PostCompiler = inThreadCompiler,
  { pages, parsed }: RenderRequests = {},
): Promise<PostRenderResult[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += CHUNK) chunks.push(keys.slice(i, i + CHUNK));
  const results = await mapLimit(chunks, Math.ceil(IO_CONCURRENCY / 4), async (chunk) => {
    const files = await mapLimit(chunk, IO_CONCURRENCY, async (key) => {
      const bytes = await content.get(key);
      if (bytes === undefined) return undefined;
      const file: PostFile = { key, bytes };
      const page = pages?.get(key);
      if (page !== undefined) file.page = page;
      const known = parsed?.(key);
      if (known !== undefined) file.parsed = known;
      return file;
    });
    return compiler.render(
      context,
      files.filter((file): file is PostFile => file !== undefined),
    );
  });
  return results.flat();
}

/** One post file parsed: the post (and any likely misspelt fields), or why it cannot be published. */
export type PostParseResult =
  | { post: PostMeta; typos: FieldTypo[]; warnings: string[] }
  | { error: PostError };

/** Parses one post file into a result instead of throwing for a content error. */
export function parseOne(key: string, bytes: Uint8Array, site: SiteConfig): PostParseResult {
  const typos: FieldTypo[] = [];
  const warnings: string[] = [];
  try {
    const post = parsePost(
      { key, bytes },
      site,
      (typo) => typos.push(typo),
      (warning) => warnings.push(`${warning.field}: ${warning.reason}`),
    );
    return { post, typos, warnings };
  } catch (error) {
    if (error instanceof PostError) return { error };
    throw error;
  }
}

/**
 * Parses one post file (or, when it was parsed before from the same bytes, only finds its body) and
 * renders its body, or says why it cannot be published.
 * @param file - the file; with `page`, its page is rendered and returned instead of the post
 */
export function renderOne(file: PostFile, context: RenderContext): PostRenderResult {
  const { key, bytes, page, parsed } = file;
  const warnings: string[] = [];
  const { site } = context;
  try {
    const refs = refIndexOf(context);
    // The same bytes parse to the same metadata: a file that changed since is parsed again.
    const source = { key, bytes };
    const known =
      parsed !== undefined && parsed.meta.headless !== true && fileDigest(bytes) === parsed.digest
        ? withBodyOf(parsed.meta, source)
        : parsePost(source, site);
    const post = renderPost(known, {
      site,
      refs,
      warn: (w) => warnings.push(w),
      math: texToMathml,
    });
    if (page !== undefined) return { page: renderPostPage(site, post, page), source: key, warnings };
    return { post, warnings };
  } catch (error) {
    if (error instanceof PostError) return { error };
    throw error;
  }
}

/**
 * Gives a post its rendered body: directly when it still holds its markdown, otherwise by reading
 * the file again ({@link readPosts} keeps metadata only).
 * @param hooks - where links to other posts are found and where warnings go
 * @throws PostError when the file changed under the build and no longer parses
 */
export async function renderFromStore(
  content: BlobStore,
  post: PostMeta,
  site: SiteConfig,
  hooks: Omit<RenderHooks, 'site'> = {},
): Promise<Post> {
  if ('body' in post) return renderPost(post as ParsedPost, { ...hooks, site });
  const bytes = await content.get(post.source);
  if (bytes === undefined) throw new PostError(post.source, 'file', 'was deleted during the build');
  return renderPost(parsePost({ key: post.source, bytes }, site), { ...hooks, site });
}

/**
 * Sends each warning about a post's body to the log, naming the post.
 * @param log - the logger the user reads (the CLI prints warnings)
 * @param key - the post's source key
 */
export function bodyWarnings(log: Logger, key: string): (warning: string) => void {
  return (warning) => log.warn('post published with a change', { key, warning });
}
