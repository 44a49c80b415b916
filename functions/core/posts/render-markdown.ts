import sanitizeHtml from 'sanitize-html';
import { expandShortcodes } from '../shortcodes/expand-shortcodes.ts';
import type { RefResolver } from '../shortcodes/shortcode-context.ts';
import { escapeHtml } from '../text/html-text.ts';
import { Placeholders } from '../text/placeholders.ts';
import { absoluteSrcset, absoluteUrl, BODY_URL_SCHEMES } from './body-urls.ts';
import { directRenderer, rendersDirectly } from './direct-html.ts';
import { canHighlight, highlightCode } from './highlight-code.ts';
import { createMarkdownParser } from './markdown-parser.ts';
import type { MathRenderer } from './math-syntax.ts';

// Raw HTML is allowed (authors embed figures and videos); sanitising happens after.
const markdown = createMarkdownParser();

/** What one render passes to markdown-it's rules. */
interface RenderEnv {
  /** Highlighted code blocks, put back after sanitising (they carry inline colours). */
  code: Placeholders;
  /** Renders formulas, when the post or the site enables math. */
  math?: MathRenderer;
  /** Plugins (footnotes) keep their own state here. */
  [plugin: string | symbol]: unknown;
}

const plainFence = markdown.renderer.rules.fence;
markdown.renderer.rules.fence = (tokens, idx, options, renderEnv, self) => {
  const env = renderEnv as Partial<RenderEnv> | undefined;
  const token = tokens[idx];
  const language = token?.info.trim().split(/\s+/)[0] ?? '';
  if (token !== undefined && env?.code !== undefined && canHighlight(language)) {
    return `${env.code.add(highlightCode(token.content, language))}\n`;
  }
  return plainFence?.(tokens, idx, options, renderEnv, self) ?? '';
};

// Made after the rules above: it renders with them.
const direct = directRenderer(markdown);

const URL_ATTRIBUTES = ['href', 'src', 'poster', 'cite'] as const;

// MathML that math formulas render to (temml's output); no styles, no links.
const MATHML_TAGS = [
  'math',
  'annotation',
  'semantics',
  'mrow',
  'mi',
  'mo',
  'mn',
  'ms',
  'mtext',
  'mspace',
  'msup',
  'msub',
  'msubsup',
  'mfrac',
  'msqrt',
  'mroot',
  'mstyle',
  'mpadded',
  'mphantom',
  'menclose',
  'merror',
  'mtable',
  'mtr',
  'mtd',
  'mlabeledtr',
  'munder',
  'mover',
  'munderover',
  'mmultiscripts',
  'mprescripts',
  'none',
];
const MATHML_ATTRIBUTES = [
  'display',
  'mathvariant',
  'stretchy',
  'fence',
  'separator',
  'form',
  'lspace',
  'rspace',
  'accent',
  'accentunder',
  'columnalign',
  'rowalign',
  'columnspacing',
  'rowspacing',
  'columnlines',
  'rowlines',
  'frame',
  'width',
  'height',
  'depth',
  'voffset',
  'movablelimits',
  'largeop',
  'symmetric',
  'minsize',
  'maxsize',
  'linethickness',
  'notation',
  'displaystyle',
  'scriptlevel',
  'encoding',
  'class',
];

const ALLOWED_TAGS = [
  ...sanitizeHtml.defaults.allowedTags,
  'img',
  'picture',
  'source',
  'video',
  'audio',
  'track',
  'iframe',
  'details',
  'summary',
  'del',
  'ins',
  'input',
];
// sanitize-html prepares its allowlists on every call: MathML's are added only for posts with math.
const ALLOWED_TAGS_WITH_MATH = [...ALLOWED_TAGS, ...MATHML_TAGS];
const MATHML_ALLOWED_ATTRIBUTES = Object.fromEntries(MATHML_TAGS.map((tag) => [tag, MATHML_ATTRIBUTES]));

// Hosts whose embeds are common in posts; anything else in an iframe is dropped.
const IFRAME_HOSTS = [
  'www.youtube.com',
  'www.youtube-nocookie.com',
  'player.vimeo.com',
  'www.loom.com',
  'open.spotify.com',
  'codepen.io',
];

/** What rendering may use besides the body: shortcode inputs and where to report what it dropped. */
export interface RenderOptions {
  /** Source key of the post, for messages. */
  source?: string;
  /** site.yaml `params`, for the `param` shortcode. */
  params?: Readonly<Record<string, unknown>>;
  /** Site shortcode templates by name. */
  templates?: ReadonlyMap<string, string>;
  /** Finds other posts for `ref`, `relref`, `link` and `post_url`; without it they point to the post itself, with a warning. */
  refs?: RefResolver;
  /** Receives each warning (an unknown shortcode removed, …) once. */
  warn?: (message: string) => void;
  /** Renders `$$…$$`, `\\[…\\]` and `\\(…\\)` formulas; without it they are plain text. */
  math?: MathRenderer;
}

/**
 * Renders a markdown body to sanitised HTML in which every URL is absolute, Hugo shortcodes and
 * Jekyll Liquid tags expanded first. A body with no raw HTML, shortcode output or formula is
 * written directly in the sanitiser's output form (see direct-html.ts); any other goes through the
 * sanitiser. Both give the same bytes for the same body ({@link renderMarkdownSanitised}).
 * @param body - markdown (CommonMark; raw HTML allowed)
 * @param pageUrl - absolute URL of the post's page: relative URLs resolve against it
 * @param options - shortcode inputs and the warning sink
 * @returns HTML safe to put in a feed, an email or a page
 */
export function renderMarkdown(body: string, pageUrl: string, options: RenderOptions = {}): string {
  return renderBody(body, pageUrl, options, true);
}

/**
 * {@link renderMarkdown} with every body through the sanitiser, whatever it holds: what the direct
 * path must equal byte for byte (a property test compares them).
 * @param body - markdown (CommonMark; raw HTML allowed)
 * @param pageUrl - absolute URL of the post's page
 * @param options - shortcode inputs and the warning sink
 */
export function renderMarkdownSanitised(body: string, pageUrl: string, options: RenderOptions = {}): string {
  return renderBody(body, pageUrl, options, false);
}

/**
 * Which way {@link renderMarkdown} renders a body: `direct` when it holds only what markdown-it
 * writes safely itself, `sanitiser` when raw HTML, shortcode output or a formula needs the sanitiser.
 * @param body - markdown as {@link renderMarkdown} receives it
 * @param options - as for {@link renderMarkdown} (shortcodes and math change the answer)
 */
export function renderPath(body: string, options: RenderOptions = {}): 'direct' | 'sanitiser' {
  let path: 'direct' | 'sanitiser' = 'sanitiser';
  renderBody(body, 'https://example.org/', options, true, (taken) => {
    path = taken;
  });
  return path;
}

function renderBody(
  body: string,
  pageUrl: string,
  options: RenderOptions,
  directWhenSafe: boolean,
  taking?: (path: 'direct' | 'sanitiser') => void,
): string {
  const env: RenderEnv = { code: new Placeholders(body, 'heraldcode') };
  const { math, warn } = options;
  if (math !== undefined) env.math = safeMath(math, warn);
  const context = {
    source: options.source ?? '',
    pageUrl,
    params: options.params ?? {},
    templates: options.templates ?? NO_TEMPLATES,
    markdownify: (text: string) => markdown.render(text),
    markdownifyInline: (text: string) => markdown.renderInline(text),
    highlight: (code: string, language: string) => env.code.add(highlightCode(code, language)),
    warn: options.warn ?? (() => {}),
  };
  const expanded = expandShortcodes(
    body,
    markdown,
    options.refs === undefined ? context : { ...context, refs: options.refs },
  );
  const tokens = markdown.parse(expanded.markdown, env);
  // Shortcodes that changed the body may have put HTML behind placeholders: that needs the sanitiser.
  if (directWhenSafe && expanded.markdown === body && rendersDirectly(tokens)) {
    taking?.('direct');
    return env.code.restore(direct.render(tokens, env, pageUrl)).trim();
  }
  taking?.('sanitiser');
  const html = expanded.restore(markdown.renderer.render(tokens, markdown.options, env));
  return env.code.restore(sanitizeHtml(html, sanitizeOptions(pageUrl, env.math !== undefined))).trim();
}

const NO_TEMPLATES: ReadonlyMap<string, string> = new Map();

// A formula that does not parse is shown as the TeX the author wrote, with a warning.
function safeMath(math: MathRenderer, warn: ((message: string) => void) | undefined): MathRenderer {
  return (tex, display) => {
    try {
      return math(tex, display);
    } catch (error) {
      const reason = error instanceof Error ? error.message.trim().split('\n')[0] : String(error);
      warn?.(
        `formula "${tex.length > 40 ? `${tex.slice(0, 40)}…` : tex}" is not valid TeX (${reason}): shown as written`,
      );
      const code = `<code class="language-tex">${escapeHtml(tex)}</code>`;
      return display ? `<pre>${code}</pre>` : code;
    }
  };
}

function sanitizeOptions(pageUrl: string, math: boolean): sanitizeHtml.IOptions {
  const absolutise: sanitizeHtml.Transformer = (tagName, attribs) => {
    const out: sanitizeHtml.Attributes = { ...attribs };
    for (const name of URL_ATTRIBUTES) {
      const value = out[name];
      if (value === undefined) continue;
      const absolute = absoluteUrl(value, pageUrl);
      if (absolute === undefined) delete out[name];
      else out[name] = absolute;
    }
    if (out.srcset !== undefined) out.srcset = absoluteSrcset(out.srcset, pageUrl);
    // A link opening a new tab must not hand the opened page a handle on the reader's page.
    if (tagName === 'a' && out.target !== undefined) out.rel = 'noopener noreferrer';
    return { tagName, attribs: out };
  };
  return {
    allowedTags: math ? ALLOWED_TAGS_WITH_MATH : ALLOWED_TAGS,
    allowedAttributes: {
      '*': ['id', 'title', 'lang', 'dir', 'class'],
      a: ['href', 'name', 'target', 'rel'],
      img: ['src', 'srcset', 'sizes', 'alt', 'width', 'height', 'loading'],
      source: ['src', 'srcset', 'sizes', 'type', 'media'],
      video: ['src', 'poster', 'controls', 'width', 'height', 'loop', 'muted', 'playsinline', 'preload'],
      audio: ['src', 'controls', 'loop', 'preload'],
      track: ['src', 'kind', 'srclang', 'label', 'default'],
      iframe: ['src', 'width', 'height', 'allow', 'allowfullscreen', 'frameborder', 'loading'],
      blockquote: ['cite'],
      details: ['open'],
      q: ['cite'],
      td: ['align', 'colspan', 'rowspan'],
      th: ['align', 'colspan', 'rowspan', 'scope'],
      ol: ['start', 'reversed', 'type'],
      input: ['type', 'checked', 'disabled'],
      time: ['datetime'],
      code: ['class'],
      ...(math ? MATHML_ALLOWED_ATTRIBUTES : {}),
    },
    allowedSchemes: [...BODY_URL_SCHEMES],
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'poster', 'srcset'],
    allowedIframeHostnames: IFRAME_HOSTS,
    allowIframeRelativeUrls: false,
    // No style attributes are allowed, so their CSS is never parsed.
    parseStyleAttributes: false,
    selfClosing: [...sanitizeHtml.defaults.selfClosing, 'source', 'track', 'wbr'],
    // Task list checkboxes only; any other input is meaningless in a feed.
    exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type !== 'checkbox',
    transformTags: Object.fromEntries(
      ['a', 'img', 'source', 'video', 'audio', 'track', 'iframe', 'blockquote', 'q'].map((t) => [
        t,
        absolutise,
      ]),
    ),
  };
}
