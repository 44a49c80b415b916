import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

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

/**
 * Renders a markdown body to sanitised HTML in which every URL is absolute.
 * @param body - markdown (CommonMark; raw HTML allowed)
 * @param pageUrl - absolute URL of the post's page: relative URLs resolve against it
 * @returns HTML safe to put in a feed, an email or a page
 */
export function renderMarkdown(body: string, pageUrl: string): string {
  return sanitizeHtml(markdown.render(body), sanitizeOptions(pageUrl)).trim();
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
