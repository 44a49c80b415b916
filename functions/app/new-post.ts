import { UsageError } from '../core/errors.ts';
import { newPost, postStyleOf } from '../core/posts/new-post.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import { loadSiteConfig } from './load-site-config.ts';
import { isPostKey } from './site-output.ts';

/** How many existing posts are read to learn the site's style: enough for a majority, few reads. */
const STYLE_SAMPLE = 25;

/**
 * `herald new`: writes a draft post in the style of the site's existing posts (front matter
 * format, date field, folder layout), dated now in the site's timezone.
 * @param deps - the content store and the clock
 * @param input - the title, and a slug when the title's own will not do
 * @returns the key written
 * @throws UsageError when the post exists already or the title makes no URL; ConfigError for a
 *   missing or invalid site.yaml
 */
export async function createPost(
  deps: { content: BlobStore; clock: Clock },
  input: { title: string; slug?: string },
): Promise<string> {
  const site = await loadSiteConfig(deps.content);
  const keys: string[] = [];
  for await (const info of deps.content.list('posts/')) if (isPostKey(info.key)) keys.push(info.key);
  const samples: { key: string; text: string }[] = [];
  for (const key of keys.slice(-STYLE_SAMPLE)) {
    const bytes = await deps.content.get(key);
    if (bytes !== undefined) samples.push({ key, text: new TextDecoder().decode(bytes) });
  }
  let post: { key: string; text: string };
  try {
    post = newPost({ ...input, now: deps.clock.now(), site, style: postStyleOf(samples) });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new UsageError(`"${input.slug ?? input.title}": ${error.message}; pass --slug with one`);
  }
  // An existing post is the author's work: never replace it.
  if ((await deps.content.get(post.key)) !== undefined)
    throw new UsageError(`${post.key}: already exists; choose another title, or pass --slug`);
  await deps.content.put(post.key, post.text);
  return post.key;
}
