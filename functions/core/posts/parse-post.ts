import type { SiteConfig } from '../config/site-config.ts';
import { PostError } from '../errors.ts';
import type { RefResolver } from '../shortcodes/shortcode-context.ts';
import { htmlToPlainText } from '../text/html-text.ts';
import { normaliseText } from '../text/normalise.ts';
import { toSlug } from '../text/slug.ts';
import {
  FrontMatterFields,
  httpUrl,
  readFlag,
  readList,
  readPeople,
  readText,
  typoHint,
} from './field-values.ts';
import { FrontMatterSyntaxError, splitFrontMatter } from './front-matter.ts';
import { expandPermalink, siteUrl } from './permalink.ts';
import type { ParsedPost, Post, Term } from './post.ts';
import { calendarDate, formatInstant, parsePostDate } from './post-date.ts';
import { bodyCost, POST_LIMITS } from './post-limits.ts';
import { renderMarkdown } from './render-markdown.ts';

/** Largest post accepted, in bytes. Anything bigger is almost surely a mistaken upload. */
export const MAX_POST_BYTES = 1024 * 1024;

const DATE_FIELDS = ['date', 'postdate', 'publishDate', 'pubDate', 'published'] as const;
const UPDATED_FIELDS = ['lastmod', 'updated', 'modified'] as const;
const SUMMARY_LENGTH = 300;
// Four-digit years only: feeds (RFC 822, RFC 3339) and sitemaps cannot write others, and a date
// such as 0000-01-01 is a typo, not a post from antiquity.
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A post file as read from the content store. */
export interface PostSource {
  /** Key relative to the content root, e.g. `posts/2023/hello.md`. */
  key: string;
  bytes: Uint8Array;
}

/**
 * Reads one post file: validates its front matter and derives everything but the rendered body,
 * which {@link renderPost} adds when a feed, page or e-mail needs it.
 * @param source - the file's key and raw bytes
 * @param site - the validated site configuration (timezone, base URL, permalink, default author)
 * @throws PostError naming the file, the field and the reason when the post cannot be published
 */
export function parsePost(source: PostSource, site: SiteConfig): ParsedPost {
  const fail = (field: string, reason: string, cause?: unknown): never => {
    throw new PostError(source.key, field, reason, cause === undefined ? undefined : { cause });
  };
  if (source.bytes.byteLength > MAX_POST_BYTES) {
    fail('file', `is ${(source.bytes.byteLength / 1024 / 1024).toFixed(1)} MB; a post may be at most 1 MB`);
  }
  const text = decodeText(source.bytes) ?? fail('file', notUtf8Reason(source.bytes));

  let split: ReturnType<typeof splitFrontMatter>;
  try {
    split = splitFrontMatter(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const reason = error instanceof FrontMatterSyntaxError ? error.message.replace(/:$/, '') : String(error);
    return fail('front matter', reason, error);
  }
  const { data, body } = split;
  const fields = new FrontMatterFields(data);

  const title =
    readText(fields.find(['title'])?.value) ?? fail('title', `is missing${typoHint(data, ['title'])}`);

  if (title.length > POST_LIMITS.titleChars)
    fail('title', `is ${title.length} characters long; a title may have at most ${POST_LIMITS.titleChars}`);

  const dateField =
    fields.find(DATE_FIELDS) ??
    fail('date', `is missing: add date: YYYY-MM-DD${typoHint(data, [...DATE_FIELDS, ...UPDATED_FIELDS])}`);
  const published =
    parsePostDate(dateField.value, site.timezone) ??
    fail(dateField.key, `"${String(dateField.value)}" is not a date (try 2023-06-28 or June 28, 2023)`);
  const checkYear = (field: { key: string; value: unknown }, instant: { ms: number }) => {
    const year = Number(calendarDate(instant.ms, site.timezone).year);
    if (!(year >= MIN_YEAR && year <= MAX_YEAR))
      fail(
        field.key,
        `"${String(field.value)}" is in the year ${year}; dates must fall in the years 1000 to 9999`,
      );
  };
  checkYear(dateField, published);
  const updatedField = fields.find(UPDATED_FIELDS);
  const updated =
    updatedField === undefined
      ? published
      : (parsePostDate(updatedField.value, site.timezone) ??
        fail(
          updatedField.key,
          `"${String(updatedField.value)}" is not a date (try 2023-06-28 or June 28, 2023)`,
        ));

  if (updatedField !== undefined) checkYear(updatedField, updated);

  const slugField = fields.find(['slug']);
  const slug =
    toSlug(readText(slugField?.value) ?? '') ||
    toSlug(slugFromKey(source.key)) ||
    toSlug(title) ||
    fail('slug', 'has no letters or digits to make a URL from');

  const categories = toTerms(readList(fields.find(['categories', 'category'])?.value));
  const tags = toTerms([
    ...readList(fields.find(['tags'])?.value),
    ...readList(fields.find(['keywords'])?.value),
  ]);

  for (const [field, terms] of [
    ['categories', categories],
    ['tags', tags],
  ] as const) {
    if (terms.length > POST_LIMITS.terms)
      fail(
        field,
        `${terms.length} given; a post may have at most ${POST_LIMITS.terms} (each one adds feeds and pages to publish)`,
      );
  }
  const cost = bodyCost(body);
  if (cost.markup > POST_LIMITS.markup)
    fail(
      'body',
      `has too much markup to render in time (${cost.markup} lines and marks outside code blocks; at most ${POST_LIMITS.markup}): split the post, or link to large tables as files`,
    );
  if (cost.htmlDepth > POST_LIMITS.htmlDepth)
    fail(
      'body',
      `has HTML elements nested ${cost.htmlDepth} deep; at most ${POST_LIMITS.htmlDepth} are allowed`,
    );

  const path = expandPermalink(site.permalink, {
    slug,
    date: () => calendarDate(published.ms, site.timezone),
    category: categories[0]?.slug,
  });
  const url = siteUrl(site, path);

  const draftField = fields.find(['draft']);
  const draft =
    draftField === undefined
      ? false
      : (readFlag(draftField.value) ??
        fail(draftField.key, `"${String(draftField.value)}" is not true or false`));

  const summary =
    readText(fields.find(['description', 'summary'])?.value) ?? summarise(body, url, site) ?? title;

  const authors = readPeople(fields.find(['author', 'authors'])?.value);
  const imageField = fields.find(['image', 'images', 'featured_image', 'cover']);
  const image = readImage(imageField?.value, site, url);
  if (image.error !== undefined) fail(imageField?.key ?? 'image', image.error);

  const post: ParsedPost = {
    source: source.key,
    slug,
    title,
    path,
    url,
    published: formatInstant(published),
    updated: formatInstant(updated.ms > published.ms ? updated : published),
    summary,
    body,
    categories,
    tags,
    authors: authors.length > 0 ? authors : [site.author],
    draft,
  };
  if (image.url !== undefined) post.image = image.url;
  return post;
}

function decodeText(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function notUtf8Reason(bytes: Uint8Array): string {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  return utf16 ? 'is UTF-16 text; save it as UTF-8' : 'is not UTF-8 text; save it as UTF-8';
}

/** `posts/2023/my-post.md` -> `my-post`; a page bundle `posts/my-post/index.md` -> `my-post`. */
function slugFromKey(key: string): string {
  const parts = key.replace(/\.(md|markdown)$/i, '').split('/');
  const last = parts.pop() ?? '';
  return /^(index|_index)$/i.test(last) ? (parts.pop() ?? '') : last;
}

function toTerms(names: string[]): Term[] {
  const bySlug = new Map<string, Term>();
  for (const name of names) {
    const slug = toSlug(name);
    if (slug !== '' && !bySlug.has(slug)) bySlug.set(slug, { name, slug });
  }
  return [...bySlug.values()];
}

/** What rendering a post may use besides the post. */
export interface RenderHooks {
  /** The site configuration: shortcode templates and params. */
  site?: SiteConfig;
  /** Finds other posts for `ref`, `relref`, `link` and `post_url`. */
  refs?: RefResolver;
  /** Receives each warning about the post's body (an unknown shortcode removed, …) once. */
  warn?: (message: string) => void;
}

/**
 * Renders a post's body to sanitised HTML with absolute URLs, shortcodes expanded.
 * @param post - a parsed post
 * @param hooks - the site, where links to other posts are found and where warnings go
 * @returns the post without its markdown, with `contentHtml`
 */
export function renderPost(post: ParsedPost, hooks: RenderHooks = {}): Post {
  const { body, ...meta } = post;
  return {
    ...meta,
    contentHtml: renderMarkdown(normaliseText(body), post.url, renderOptions(post.source, hooks)),
  };
}

function renderOptions(source: string, hooks: RenderHooks) {
  return {
    source,
    params: hooks.site?.params ?? {},
    templates: hooks.site === undefined ? new Map<string, string>() : templatesOf(hooks.site),
    ...(hooks.refs === undefined ? {} : { refs: hooks.refs }),
    ...(hooks.warn === undefined ? {} : { warn: hooks.warn }),
  };
}

const templateMaps = new WeakMap<SiteConfig, ReadonlyMap<string, string>>();

function templatesOf(site: SiteConfig): ReadonlyMap<string, string> {
  let templates = templateMaps.get(site);
  if (templates === undefined) {
    templates = new Map(Object.entries(site.shortcodes ?? {}));
    templateMaps.set(site, templates);
  }
  return templates;
}

// Summaries only need the first paragraph, so the opening blocks of the body are rendered first and
// the whole body only when they hold no paragraph: every post needs a summary, few need their body.
const SUMMARY_OPENING_CHARS = 600;

function summarise(written: string, url: string, site: SiteConfig): string | undefined {
  const body = normaliseText(written);
  const blankLine = body.indexOf('\n\n', SUMMARY_OPENING_CHARS);
  // A summary is plain text, so where a link points does not show in it: the post's own URL will
  // do, and a broken link is reported when the body is rendered, not here.
  const options = { ...renderOptions(url, { site }), refs: { resolve: () => url } };
  const firstParagraph = (markdown: string) =>
    /<p>([\s\S]*?)<\/p>/.exec(renderMarkdown(markdown, url, options))?.[1];
  const paragraph =
    blankLine < 0 ? firstParagraph(body) : (firstParagraph(body.slice(0, blankLine)) ?? firstParagraph(body));
  const text = paragraph === undefined ? '' : htmlToPlainText(paragraph);
  if (text === '') return undefined;
  if (text.length <= SUMMARY_LENGTH) return text;
  const cut = text.slice(0, SUMMARY_LENGTH);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), SUMMARY_LENGTH / 2)).replace(/[\s,;:.–—-]+$/, '')}…`;
}

/**
 * The post's image as an absolute http(s) URL. Only http(s), site-relative and page-relative
 * images are accepted: the value reaches `<img>`, `og:image`, feeds and e-mails, where a
 * `javascript:` or `data:` URL would run or smuggle content.
 * @returns the URL, or a reason the value cannot be used
 */
function readImage(value: unknown, site: SiteConfig, pageUrl: string): { url?: string; error?: string } {
  const first = Array.isArray(value) ? value[0] : value;
  const path = readText(
    first !== null && typeof first === 'object' && 'image' in first ? first.image : first,
  );
  if (path === undefined) return {};
  const shown = path.length > 60 ? `${path.slice(0, 60)}…` : path;
  const notAllowed = { error: `"${shown}" is not an http(s), site-relative or page-relative URL` };
  let url: string;
  try {
    url =
      /^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//')
        ? new URL(path, site.baseUrl).href
        : path.startsWith('/')
          ? siteUrl(site, path)
          : new URL(path, pageUrl).href;
  } catch {
    return notAllowed;
  }
  const checked = httpUrl(url);
  return checked === undefined ? notAllowed : { url: checked };
}
