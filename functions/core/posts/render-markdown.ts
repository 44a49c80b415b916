import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { expandShortcodes } from '../shortcodes/expand-shortcodes.ts';
import type { RefResolver } from '../shortcodes/shortcode-context.ts';
import { escapeHtml } from '../text/html-text.ts';

// CommonMark with raw HTML allowed (authors embed figures and videos); sanitising happens after.
const markdown = new MarkdownIt({ html: true, linkify: true, typographer: false });

const URL_ATTRIBUTES = ['href', 'src', 'poster', 'cite'] as const;

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
}

/**
 * Renders a markdown body to sanitised HTML in which every URL is absolute, Hugo shortcodes and
 * Jekyll Liquid tags expanded first.
 * @param body - markdown (CommonMark; raw HTML allowed)
 * @param pageUrl - absolute URL of the post's page: relative URLs resolve against it
 * @param options - shortcode inputs and the warning sink
 * @returns HTML safe to put in a feed, an email or a page
 */
export function renderMarkdown(body: string, pageUrl: string, options: RenderOptions = {}): string {
  const context = {
    source: options.source ?? '',
    pageUrl,
    params: options.params ?? {},
    templates: options.templates ?? NO_TEMPLATES,
    markdownify: (text: string) => markdown.render(text),
    markdownifyInline: (text: string) => markdown.renderInline(text),
    highlight: highlightCode,
    warn: options.warn ?? (() => {}),
  };
  const expanded = expandShortcodes(
    body,
    markdown,
    options.refs === undefined ? context : { ...context, refs: options.refs },
  );
  return sanitizeHtml(expanded.restore(markdown.render(expanded.markdown)), sanitizeOptions(pageUrl)).trim();
}

const NO_TEMPLATES: ReadonlyMap<string, string> = new Map();

function highlightCode(code: string, language: string): string {
  const lang = language.replace(/[^\w+#.-]/g, '');
  return `<pre><code${lang === '' ? '' : ` class="language-${lang}"`}>${escapeHtml(code)}\n</code></pre>`;
}

function sanitizeOptions(pageUrl: string): sanitizeHtml.IOptions {
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
    allowedTags: ALLOWED_TAGS,
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
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
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

function absoluteUrl(value: string, base: string): string | undefined {
  const trimmed = value.trim();
  try {
    return new URL(trimmed, base).href;
  } catch {
    return undefined;
  }
}

// srcset is "url descriptor, url descriptor"; a comma inside a URL is only a separator when
// followed by white space, which is how the HTML spec tells them apart in practice.
function absoluteSrcset(srcset: string, base: string): string {
  return srcset
    .split(/,\s+/)
    .map((candidate) => {
      const [url = '', ...descriptor] = candidate.trim().split(/\s+/);
      const absolute = absoluteUrl(url, base);
      return absolute === undefined ? undefined : [absolute, ...descriptor].join(' ');
    })
    .filter((c): c is string => c !== undefined)
    .join(', ');
}
