import type { TagArgs } from './scan-tags.ts';

/** Finds the URL of another post from a Hugo `ref`/`relref` path or a Jekyll `link`/`post_url`. */
export interface RefResolver {
  /**
   * @param target - as written, without any `#anchor`: `posts/hello.md`, `/posts/hello`, `hello`
   * @param from - source key of the post that links
   * @returns the target post's absolute URL, or undefined when no post matches
   */
  resolve(target: string, from: string): string | undefined;
}

/** What shortcodes may use of the post and the site while they render. */
export interface ShortcodeContext {
  /** Source key of the post, for messages. */
  source: string;
  /** Absolute URL of the post's page. */
  pageUrl: string;
  /** site.yaml `params`, for the `param` shortcode. */
  params: Readonly<Record<string, unknown>>;
  /** Site shortcode templates by name (from `shortcodes/<name>.html`). */
  templates: ReadonlyMap<string, string>;
  refs?: RefResolver;
  /** Renders markdown to HTML blocks. */
  markdownify(markdown: string): string;
  /** Renders markdown to inline HTML (no surrounding paragraph). */
  markdownifyInline(markdown: string): string;
  /** Renders code as a highlighted block. */
  highlight(code: string, language: string): string;
  /** Reports something dropped or guessed; the caller reports each message once per file. */
  warn(message: string): void;
}

/** One use of a shortcode, its nested shortcodes already expanded in `inner`. */
export interface ShortcodeCall {
  name: string;
  args: TagArgs;
  /** `<` renders the output as HTML, `%` as markdown. */
  delimiter: '<' | '%';
  /** The text between the opening and closing tags as written, for code (`highlight`). */
  innerRaw?: string;
  /** The text between the tags with nested shortcodes expanded (markdown with placeholders). */
  inner?: string;
}

/** A shortcode's output: HTML placed as is, or markdown rendered with the rest of the post. */
export type ShortcodeOutput = { html: string } | { markdown: string };

/**
 * Reads an argument by name, or else by position (Hugo's built-ins accept both forms).
 * @param call - the shortcode use
 * @param name - the named argument
 * @param position - the positional index that means the same
 */
export function argument(call: ShortcodeCall, name: string, position?: number): string | undefined {
  const named = call.args.named.get(name);
  if (named !== undefined) return named;
  return position === undefined ? undefined : call.args.positional[position];
}
