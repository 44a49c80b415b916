import type { SiteConfig } from '../config/site-config.ts';
import { PostError, type Problem } from '../errors.ts';
import { linksToPosts } from '../shortcodes/expand-shortcodes.ts';
import type { RefResolver } from '../shortcodes/shortcode-context.ts';
import { htmlToPlainText } from '../text/html-text.ts';
import { normaliseText } from '../text/normalise.ts';
import { toSlug } from '../text/slug.ts';
import { baseName, bundleFolderOf, type SiteLanguages } from './content-files.ts';
import {
  type FieldTypo,
  FrontMatterFields,
  fieldTypos,
  httpUrl,
  readFlag,
  readList,
  readPeople,
  readText,
  typoHint,
} from './field-values.ts';
import { bodyStart, FrontMatterSyntaxError, splitFrontMatter } from './front-matter.ts';
import { isHeadless } from './headless.ts';
import type { MathRenderer } from './math-syntax.ts';
import { expandPermalink, siteUrl } from './permalink.ts';
import type { ParsedPost, Post, Term } from './post.ts';
import { calendarDate, formatInstant, type PostInstant, parsePostDate } from './post-date.ts';
import { bodyCost, POST_LIMITS } from './post-limits.ts';
import { renderMarkdown } from './render-markdown.ts';
import { readSitePath } from './site-path.ts';

/** Largest post accepted, in bytes. Anything bigger is almost surely a mistaken upload. */
export const MAX_POST_BYTES = 1024 * 1024;

const DATE_FIELDS = ['date', 'postdate', 'publishDate', 'pubDate', 'published'] as const;
const UPDATED_FIELDS = ['lastmod', 'updated', 'modified'] as const;
// Hugo's names for the moment a post stops being published (field names match in any case).
const EXPIRY_FIELDS = ['expiryDate', 'unpublishdate'] as const;
const SUMMARY_LENGTH = 300;
/** Stands in for a missing or unreadable date while the rest of a failing post is checked. */
const EPOCH: PostInstant = { ms: 0, offset: 0 };
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
 * @param onTypo - told of each front matter key that is probably a misspelt field (`categoires`):
 *   the post is published without it, and the author should hear of it
 * @param onWarning - told of a value left out while the post is still published (an alias that
 *   would leave the site)
 * @throws PostError naming the file and every field at fault, with reasons, when the post cannot
 *   be published
 */
export function parsePost(
  source: PostSource,
  site: SiteConfig,
  onTypo?: (typo: FieldTypo) => void,
  onWarning?: (warning: { field: string; reason: string }) => void,
): ParsedPost {
  const fail = (field: string, reason: string, cause?: unknown): never => {
    throw new PostError(source.key, field, reason, cause === undefined ? undefined : { cause });
  };
  if (source.bytes.byteLength > MAX_POST_BYTES) {
    fail('file', `is ${(source.bytes.byteLength / 1024 / 1024).toFixed(1)} MB; a post may be at most 1 MB`);
  }
  const { data, body } = readSource(source, splitFrontMatter);
  const fields = new FrontMatterFields(data);
  // Hugo's headless bundles are resources for other pages, not pages: nothing of them is checked.
  if (isHeadless(fields)) return headlessPost(source.key, site);
  if (onTypo) for (const typo of fieldTypos(data)) onTypo(typo);

  // Past the front matter, every field is checked before giving up, so that one upload shows the
  // author everything to fix; a field at fault takes a stand-in value until then.
  const problems: Problem[] = [];
  const problem = (field: string, reason: string): undefined => {
    problems.push({ field, reason });
    return undefined;
  };

  const title =
    readText(fields.find(['title'])?.value) ??
    problem('title', `is missing${typoHint(data, ['title'])}`) ??
    '';

  if (title.length > POST_LIMITS.titleChars)
    problem(
      'title',
      `is ${title.length} characters long; a title may have at most ${POST_LIMITS.titleChars}`,
    );

  const dateField =
    fields.find(DATE_FIELDS) ??
    problem('date', `is missing: add date: YYYY-MM-DD${typoHint(data, [...DATE_FIELDS, ...UPDATED_FIELDS])}`);
  const checkYear = (field: { key: string; value: unknown }, instant: PostInstant): PostInstant => {
    const year = Number(calendarDate(instant.ms, site.timezone).year);
    if (year >= MIN_YEAR && year <= MAX_YEAR) return instant;
    problem(
      field.key,
      `"${String(field.value)}" is in the year ${year}; dates must fall in the years 1000 to 9999`,
    );
    return EPOCH;
  };
  const readDate = (field: { key: string; value: unknown }): PostInstant | undefined => {
    const instant = parsePostDate(field.value, site.timezone);
    if (instant !== undefined) return checkYear(field, instant);
    return problem(field.key, `"${String(field.value)}" is not a date (try 2023-06-28 or June 28, 2023)`);
  };
  const published = (dateField && readDate(dateField)) ?? EPOCH;
  const updatedField = fields.find(UPDATED_FIELDS);
  const updated = (updatedField && readDate(updatedField)) ?? published;

  const slugField = fields.find(['slug']);
  const slug =
    toSlug(readText(slugField?.value) ?? '') ||
    toSlug(slugFromKey(source.key, site)) ||
    toSlug(title) ||
    (problem('slug', 'has no letters or digits to make a URL from') ?? 'post');

  const categories = toTerms(readList(fields.find(['categories', 'category'])?.value));
  const tags = toTerms([
    ...readList(fields.find(['tags'])?.value),
    ...readList(fields.find(['keywords'])?.value),
  ]);
  const series = toTerms(readList(fields.find(['series'])?.value));
  const writtenAliases = readList(fields.find(['aliases'])?.value);

  for (const [field, terms] of [
    ['categories', categories],
    ['tags', tags],
    ['series', series],
    ['aliases', writtenAliases],
  ] as const) {
    if (terms.length > POST_LIMITS.terms)
      problem(
        field,
        `${terms.length} given; a post may have at most ${POST_LIMITS.terms} (each one adds feeds and pages to publish)`,
      );
  }
  const cost = bodyCost(body);
  if (cost.markup > POST_LIMITS.markup)
    problem(
      'body',
      `has too much markup to render in time (${cost.markup} lines and marks outside code blocks; at most ${POST_LIMITS.markup}): split the post, or link to large tables as files`,
    );
  if (cost.htmlDepth > POST_LIMITS.htmlDepth)
    problem(
      'body',
      `has HTML elements nested ${cost.htmlDepth} deep; at most ${POST_LIMITS.htmlDepth} are allowed`,
    );

  const expiryField = fields.find(EXPIRY_FIELDS);
  const expires = expiryField && readDate(expiryField);

  // Hugo's `url` replaces the whole permalink; it is read from the site root.
  const urlField = fields.find(['url']);
  const urlText = urlField === undefined ? undefined : readText(urlField.value);
  const ownPath = urlText === undefined ? undefined : readSitePath(urlText, site, '/');
  if (urlField !== undefined && ownPath === undefined) problem(urlField.key, 'is not a path such as /about/');
  if (ownPath !== undefined && 'error' in ownPath) problem(urlField?.key ?? 'url', ownPath.error);
  const path =
    ownPath !== undefined && 'path' in ownPath
      ? ownPath.path
      : expandPermalink(site.permalink, {
          slug,
          date: () => calendarDate(published.ms, site.timezone),
          category: categories[0]?.slug,
        });
  const url = siteUrl(site, path);
  const aliases = readAliases(writtenAliases, path, site, onWarning);

  const draftField = fields.find(['draft']);
  const draft =
    draftField === undefined
      ? false
      : (readFlag(draftField.value) ??
        problem(draftField.key, `"${String(draftField.value)}" is not true or false`) ??
        false);

  const imageField = fields.find(['image', 'images', 'featured_image', 'cover']);
  const image = readImage(imageField?.value, site, url);
  if (image.error !== undefined) problem(imageField?.key ?? 'image', image.error);

  const [first, ...more] = problems;
  if (first !== undefined) throw new PostError(source.key, first.field, first.reason, { more });

  const summary =
    readText(fields.find(['description', 'summary'])?.value) ?? summarise(body, url, site) ?? title;
  const authors = readPeople(fields.find(['author', 'authors'])?.value);

  const shown = previewed(site, title, draft, published);
  const post: ParsedPost = {
    source: source.key,
    slug,
    title: shown.title,
    path,
    url,
    published: formatInstant(published),
    updated: formatInstant(updated.ms > published.ms ? updated : published),
    summary,
    body,
    categories,
    tags,
    authors: authors.length > 0 ? authors : [site.author],
    draft: shown.draft,
  };
  if (image.url !== undefined) post.image = image.url;
  if (series.length > 0) post.series = series;
  if (aliases.length > 0) post.aliases = aliases;
  if (expires !== undefined) post.expires = formatInstant(expires);
  if (linksToPosts(body)) post.linksToPosts = true;
  const mathField = fields.find(['math']);
  if (mathField !== undefined && readFlag(mathField.value) === true) post.math = true;
  return post;
}

/**
 * What {@link parsePost} returns for a file it parsed before, from that parse's metadata and the
 * file's bytes: only the body is read again, not the front matter. A full build parses every file
 * for its metadata and renders it later; parsing twice was a seventh of the rendering threads' time.
 * @param meta - parsePost's result for exactly these bytes and this site, without its body
 * @param source - the same file's key and bytes (the caller checks they did not change)
 * @throws PostError when the bytes are not UTF-8 or the front matter is never closed (they changed)
 */
export function withBodyOf(meta: Omit<ParsedPost, 'body'>, source: PostSource): ParsedPost {
  return { ...meta, body: readSource(source, (text) => text.slice(bodyStart(text))) };
}

/**
 * A post file's text, without its BOM, passed to `split`.
 * @throws PostError when the file is not UTF-8, or its front matter cannot be split
 */
function readSource<T>(source: PostSource, split: (text: string) => T): T {
  const text = decodeText(source.bytes);
  if (text === undefined) throw new PostError(source.key, 'file', notUtf8Reason(source.bytes));
  try {
    return split(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const reason = error instanceof FrontMatterSyntaxError ? error.message.replace(/:$/, '') : String(error);
    throw new PostError(source.key, 'front matter', reason, { cause: error });
  }
}

/** A headless bundle's index: never published, like a draft, and never reported as one. */
function headlessPost(key: string, site: SiteConfig): ParsedPost {
  const path = `/${key}`;
  return {
    source: key,
    slug: '',
    title: '',
    path,
    url: siteUrl(site, path),
    published: new Date(0).toISOString(),
    updated: new Date(0).toISOString(),
    summary: '',
    body: '',
    categories: [],
    tags: [],
    authors: [site.author],
    draft: true,
    headless: true,
  };
}

// A local preview shows drafts and scheduled posts as if published, with their state in the title
// so that the author cannot mistake the preview for the site.
function previewed(
  site: SiteConfig,
  title: string,
  draft: boolean,
  published: PostInstant,
): { title: string; draft: boolean } {
  const preview = site.preview;
  if (preview === undefined) return { title, draft };
  if (draft && preview.drafts) return { title: `[Draft] ${title}`, draft: false };
  if (!draft && preview.future && published.ms > Date.parse(preview.now))
    return { title: `[Scheduled] ${title}`, draft };
  return { title, draft };
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

/**
 * `posts/2023/my-post.md` -> `my-post`; a page bundle `posts/my-post/index.md` -> `my-post`; a
 * language in the name is not part of it (`posts/hello.en.md` -> `hello`).
 */
function slugFromKey(key: string, site: SiteLanguages): string {
  const parts = key.split('/');
  parts.pop();
  const name = baseName(key, site);
  // A bundle's index file is named by its folder, whatever suffix it carries (`index.ja.md`).
  return bundleFolderOf(key) !== undefined || /^_index$/i.test(name) ? (parts.pop() ?? '') : name;
}

/**
 * The post's aliases as site paths, its own path and repeats left out. An alias that could leave
 * the site or overwrite Herald's own files is dropped with a warning: the post itself is fine.
 */
function readAliases(
  written: string[],
  path: string,
  site: SiteConfig,
  onWarning: ((warning: { field: string; reason: string }) => void) | undefined,
): string[] {
  const folder = path.slice(0, path.lastIndexOf('/', path.length - 2) + 1);
  const aliases = new Set<string>();
  for (const value of written) {
    const read = readSitePath(value, site, folder);
    if ('error' in read) onWarning?.({ field: 'aliases', reason: `${read.error}; alias ignored` });
    else if (read.path !== path) aliases.add(read.path);
  }
  return [...aliases].sort();
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
  /** Turns formulas into MathML, for posts (or sites) that enable math. */
  math?: MathRenderer;
}

/**
 * Renders a post's body to sanitised HTML with absolute URLs, shortcodes expanded.
 * @param post - a parsed post
 * @param hooks - the site, where links to other posts are found and where warnings go
 * @returns the post without its markdown, with `contentHtml`
 */
export function renderPost(post: ParsedPost, hooks: RenderHooks = {}): Post {
  const { body, math, ...meta } = post;
  const options = renderOptions(post.source, hooks);
  const withMath =
    hooks.math !== undefined && (math === true || hooks.site?.math === true)
      ? { ...options, math: hooks.math }
      : options;
  return { ...meta, contentHtml: renderMarkdown(normaliseText(body), post.url, withMath) };
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
const SUMMARY_DIVIDER = '<!--more-->';

function summarise(written: string, url: string, site: SiteConfig): string | undefined {
  const body = normaliseText(written);
  const blankLine = body.indexOf('\n\n', SUMMARY_OPENING_CHARS);
  // A summary is plain text, so where a link points does not show in it: the post's own URL will
  // do, and a broken link is reported when the body is rendered, not here.
  const options = { ...renderOptions(url, { site }), refs: { resolve: () => url } };
  // Hugo's summary divider: what comes before <!--more--> is the summary, as long as it is.
  const divider = body.indexOf(SUMMARY_DIVIDER);
  if (divider >= 0) {
    const manual = htmlToPlainText(renderMarkdown(body.slice(0, divider), url, options));
    if (manual !== '') return manual;
  }
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
          ? // From the site's root, where static files are, in every language's view.
            siteUrl({ baseUrl: site.rootUrl ?? site.baseUrl }, path)
          : new URL(path, pageUrl).href;
  } catch {
    return notAllowed;
  }
  const checked = httpUrl(url);
  return checked === undefined ? notAllowed : { url: checked };
}
