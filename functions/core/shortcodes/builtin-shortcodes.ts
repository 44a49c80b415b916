import { PostError } from '../errors.ts';
import { escapeHtml, htmlToPlainText } from '../text/html-text.ts';
import {
  argument,
  type ShortcodeCall,
  type ShortcodeContext,
  type ShortcodeOutput,
} from './shortcode-context.ts';

type Builtin = (call: ShortcodeCall, context: ShortcodeContext) => ShortcodeOutput;

/**
 * Hugo's built-in shortcodes as Hugo renders them, without the JavaScript some of them load: feed
 * readers and e-mail clients run none, so posts on X, Instagram and GitHub gists become links.
 */
export const BUILTIN_SHORTCODES: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['highlight', highlight],
  ['figure', figure],
  ['youtube', youtube],
  ['vimeo', vimeo],
  ['vimeo_simple', vimeoSimple],
  ['x', xPost],
  ['twitter', xPost],
  ['tweet', xPost],
  ['twitter_simple', xPost],
  ['instagram', instagram],
  ['gist', gist],
  ['ref', (call, context) => ref(call, context, true)],
  ['relref', (call, context) => ref(call, context, false)],
  ['param', param],
  ['details', details],
  ['qr', qr],
]);

function highlight(call: ShortcodeCall, context: ShortcodeContext): ShortcodeOutput {
  // Options such as "linenos=table,hl_lines=2" change only decoration, so they are ignored.
  const language = argument(call, 'lang', 0) ?? argument(call, 'type') ?? '';
  const code = (call.innerRaw ?? '').replace(/^[ \t]*\n/, '').replace(/\n[ \t]*$/, '');
  return { html: context.highlight(code, language) };
}

function figure(call: ShortcodeCall, context: ShortcodeContext): ShortcodeOutput {
  const get = (name: string) => argument(call, name);
  const src = get('src');
  if (src === undefined) {
    context.warn('shortcode figure has no src="…": removed');
    return { html: '' };
  }
  const caption = get('caption');
  const captionHtml = caption === undefined ? undefined : context.markdownifyInline(caption);
  const alt = get('alt') ?? (captionHtml === undefined ? '' : htmlToPlainText(captionHtml));
  const image = [
    `<img src="${escapeHtml(src)}" alt="${escapeHtml(alt)}"`,
    attribute('width', get('width')),
    attribute('height', get('height')),
    attribute('loading', get('loading')),
    '>',
  ].join('');
  const link = get('link');
  const linked =
    link === undefined
      ? image
      : `<a href="${escapeHtml(link)}"${attribute('target', get('target'))}${attribute('rel', get('rel'))}>${image}</a>`;
  const title = get('title');
  const attr = get('attr');
  const attrLink = get('attrlink');
  const attribution =
    attr === undefined
      ? ''
      : attrLink === undefined
        ? context.markdownifyInline(attr)
        : `<a href="${escapeHtml(attrLink)}">${context.markdownifyInline(attr)}</a>`;
  const captionParts = [captionHtml, attribution].filter((part) => part !== undefined && part !== '');
  const figcaption =
    title === undefined && captionParts.length === 0
      ? ''
      : `<figcaption>${title === undefined ? '' : `<h4>${escapeHtml(title)}</h4>`}${
          captionParts.length === 0 ? '' : `<p>${captionParts.join(' ')}</p>`
        }</figcaption>`;
  return { html: `<figure${attribute('class', get('class'))}>${linked}${figcaption}</figure>` };
}

function youtube(call: ShortcodeCall, context: ShortcodeContext): ShortcodeOutput {
  const id = videoId(call, context, 'youtube');
  if (id === undefined) return { html: '' };
  const title = argument(call, 'title');
  const start = argument(call, 'start');
  const query = start !== undefined && /^\d+$/.test(start) ? `?start=${start}` : '';
  // youtube-nocookie is YouTube's privacy-enhanced mode, the one Hugo's shortcode uses.
  return {
    html: embed(
      `https://www.youtube-nocookie.com/embed/${id}${query}`,
      title ?? 'YouTube video',
      `https://www.youtube.com/watch?v=${id}`,
      title === undefined ? 'Watch on YouTube' : `Watch “${title}” on YouTube`,
    ),
  };
}

function vimeo(call: ShortcodeCall, context: ShortcodeContext): ShortcodeOutput {
  const id = videoId(call, context, 'vimeo');
  if (id === undefined) return { html: '' };
  const title = argument(call, 'title');
  return {
    html: embed(
      `https://player.vimeo.com/video/${id}?dnt=1`,
      title ?? 'Vimeo video',
      `https://vimeo.com/${id}`,
      title === undefined ? 'Watch on Vimeo' : `Watch “${title}” on Vimeo`,
    ),
  };
}

// Hugo's vimeo_simple shows a thumbnail it fetches from Vimeo at build time; a link needs no fetch.
function vimeoSimple(call: ShortcodeCall, context: ShortcodeContext): ShortcodeOutput {
  const id = videoId(call, context, 'vimeo_simple');
  if (id === undefined) return { html: '' };
  return { html: `<p><a href="https://vimeo.com/${id}">Watch on Vimeo</a></p>` };
}

// An iframe for pages and feed readers that show them, and a link for e-mail clients, which drop them.
function embed(src: string, title: string, watchUrl: string, watchText: string): string {
  return (
    `<div class="video-embed"><iframe src="${escapeHtml(src)}" title="${escapeHtml(title)}" width="560" height="315" ` +
    `allow="autoplay; encrypted-media; picture-in-picture; fullscreen" allowfullscreen loading="lazy"></iframe>` +
    `<p><a href="${escapeHtml(watchUrl)}">${escapeHtml(watchText)}</a></p></div>`
  );
}

function videoId(call: ShortcodeCall, context: ShortcodeContext, name: string): string | undefined {
  const id = argument(call, 'id', 0);
  if (id !== undefined && /^[\w-]{1,64}$/.test(id)) return id;
  context.warn(`shortcode ${name} has no usable video id: removed`);
  return undefined;
}

function xPost(call: ShortcodeCall, context: ShortcodeContext): ShortcodeOutput {
  // Old form: {{< tweet 877500564405444608 >}}; current: {{< x user="…" id="…" >}}.
  const user = argument(call, 'user', call.args.positional.length > 1 ? 0 : undefined);
  const id = argument(call, 'id', call.args.positional.length > 1 ? 1 : 0);
  if (id === undefined || !/^\d{1,30}$/.test(id)) {
    context.warn(`shortcode ${call.name} has no numeric post id: removed`);
    return { html: '' };
  }
  const validUser = user !== undefined && /^\w{1,50}$/.test(user) ? user : undefined;
  const url = `https://x.com/${validUser ?? 'i'}/status/${id}`;
  const text = validUser === undefined ? 'A post on X' : `A post by @${validUser} on X`;
  return { html: `<blockquote class="x-post"><p><a href="${url}">${text}</a></p></blockquote>` };
}

function instagram(call: ShortcodeCall, context: ShortcodeContext): ShortcodeOutput {
  const id = argument(call, 'id', 0);
  if (id === undefined || !/^[\w-]{1,64}$/.test(id)) {
    context.warn('shortcode instagram has no post id: removed');
    return { html: '' };
  }
  return { html: `<p><a href="https://www.instagram.com/p/${id}/">View this post on Instagram</a></p>` };
}

function gist(call: ShortcodeCall, context: ShortcodeContext): ShortcodeOutput {
  const user = argument(call, 'user', 0);
  const id = argument(call, 'id', 1);
  if (user === undefined || id === undefined || !/^[\w-]{1,100}$/.test(user) || !/^\w{1,100}$/.test(id)) {
    context.warn('shortcode gist needs a user and a gist id: removed');
    return { html: '' };
  }
  const file = argument(call, 'file', 2);
  const label = `${user}/${id}${file === undefined ? '' : ` (${file})`}`;
  return {
    html: `<p><a href="https://gist.github.com/${user}/${id}">View the gist ${escapeHtml(label)} on GitHub</a></p>`,
  };
}

function ref(call: ShortcodeCall, context: ShortcodeContext, absolute: boolean): ShortcodeOutput {
  const written = argument(call, 'path', 0) ?? '';
  const hash = written.indexOf('#');
  const target = hash < 0 ? written : written.slice(0, hash);
  const anchor = hash < 0 ? '' : written.slice(hash);
  const url = target === '' ? context.pageUrl : context.refs?.resolve(target, context.source);
  // Hugo fails the page (refLinksErrorLevel "error", its default): a broken link to another post is
  // a mistake the author must see, and publishing the post would hide it.
  if (url === undefined) missingPost(context, `{{< ${call.name} "${written}" >}}`);
  const full = `${url ?? context.pageUrl}${anchor}`;
  // relref is the site-relative path; both are URLs Herald's sanitiser resolves against the page.
  return { markdown: absolute ? full : new URL(full).pathname + new URL(full).hash };
}

/**
 * Reports a link to a post that does not exist.
 * @throws PostError for the linking post, when the site's posts are known (a render for a summary or
 *   a test without them links the post to itself instead)
 */
export function missingPost(context: ShortcodeContext, written: string): void {
  const reason = `${written} names no post (write its file path, e.g. "posts/other-post.md", or check that the post exists and is not a draft)`;
  if (context.refs !== undefined) throw new PostError(context.source, 'body', reason);
  context.warn(`${reason}: the link points to this post`);
}

function param(call: ShortcodeCall, context: ShortcodeContext): ShortcodeOutput {
  const name = argument(call, 'name', 0) ?? '';
  let value: unknown = context.params;
  for (const key of name.split('.')) {
    value =
      value !== null && typeof value === 'object' && Object.hasOwn(value, key)
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  if (value === undefined || value === null || typeof value === 'object') {
    context.warn(`shortcode param "${name}" is not a value in site.yaml params: removed`);
    return { html: '' };
  }
  return { html: escapeHtml(String(value)) };
}

function details(call: ShortcodeCall, context: ShortcodeContext): ShortcodeOutput {
  const summary = argument(call, 'summary') ?? 'Details';
  const open = argument(call, 'open');
  const isOpen = open !== undefined && open !== 'false';
  return {
    html: `<details${isOpen ? ' open' : ''}${attribute('class', argument(call, 'class'))}><summary>${context.markdownifyInline(summary)}</summary>${context.markdownify(call.inner ?? '')}</details>`,
  };
}

// Hugo draws a QR code image; a link to what it encodes says the same in a feed or an e-mail.
function qr(call: ShortcodeCall, context: ShortcodeContext): ShortcodeOutput {
  const text = (argument(call, 'text') ?? call.innerRaw ?? '').trim();
  if (text === '') {
    context.warn('shortcode qr has no text: removed');
    return { html: '' };
  }
  return {
    html: /^https?:\/\//i.test(text)
      ? `<p><a href="${escapeHtml(text)}">${escapeHtml(text)}</a></p>`
      : `<p>${escapeHtml(text)}</p>`,
  };
}

function attribute(name: string, value: string | undefined): string {
  return value === undefined ? '' : ` ${name}="${escapeHtml(value)}"`;
}
