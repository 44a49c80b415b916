import type { Person } from '../config/site-config.ts';
import { closest } from '../text/did-you-mean.ts';

/**
 * Reads a list field as authors write it: a YAML list, a comma-separated string, or a JSON array
 * inside a string (`categories: '["How-to-tech"]'`, common in Hugo sites exported from CMSs).
 * @returns trimmed, non-empty names without duplicates, in the author's order
 */
export function readList(value: unknown): string[] {
  const items = listItems(value)
    .map((item) => (typeof item === 'string' || typeof item === 'number' ? String(item).trim() : ''))
    .filter((item) => item !== '');
  return [...new Set(items)];
}

function listItems(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) {
    // A YAML list of plain names needs no splitting; one with "a, b" or '["x"]' items does.
    return value.flatMap((v) => (typeof v === 'string' && /[,"'[]/.test(v) ? listItems(v) : [v]));
  }
  if (typeof value === 'number') return [value];
  if (typeof value !== 'string') return [];
  const text = value.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // Not JSON after all: "[draft], notes" is a plain comma-separated list with brackets.
    }
    return text.slice(1, -1).split(',').map(unquote);
  }
  return text.split(',').map(unquote);
}

function unquote(text: string): string {
  return text.trim().replace(/^(["'])(.*)\1$/, '$2');
}

/**
 * Reads `author`/`authors`: a name, a list of names, `{name, email, url}`, or a list of those.
 * @returns the people named; an empty list when the field says nothing usable
 */
export function readPeople(value: unknown): Person[] {
  const values = Array.isArray(value) ? value : typeof value === 'string' ? readList(value) : [value];
  return values.flatMap((v): Person[] => {
    if (typeof v === 'string' && v.trim() !== '') return [{ name: v.trim() }];
    if (
      v !== null &&
      typeof v === 'object' &&
      'name' in v &&
      typeof v.name === 'string' &&
      v.name.trim() !== ''
    ) {
      const person: Person = { name: v.name.trim() };
      if ('email' in v && typeof v.email === 'string' && /^[^\s@<>()]+@[^\s@<>()]+$/.test(v.email))
        person.email = v.email;
      const url = 'url' in v ? v.url : 'link' in v ? v.link : undefined;
      const href = typeof url === 'string' ? httpUrl(url) : undefined;
      if (href !== undefined) person.url = href;
      return [person];
    }
    return [];
  });
}

/** Reads a yes/no field: YAML booleans and the strings authors type for them. */
export function readFlag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['true', 'yes', 'y', 'on', '1'].includes(v)) return true;
    if (['false', 'no', 'n', 'off', '0', ''].includes(v)) return false;
  }
  return undefined;
}

/** Reads a single line of text from a scalar field. */
export function readText(value: unknown): string | undefined {
  if (typeof value === 'string')
    return (/[^\S ]| {2}/.test(value) ? value.replace(/\s+/g, ' ') : value).trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Looks up fields by name without regard to case (`PostDate`, `postdate`): authors' front matter is
 * inconsistent, and a post has a dozen fields to look up.
 */
export class FrontMatterFields {
  private readonly byLower = new Map<string, string>();

  constructor(readonly data: Record<string, unknown>) {
    for (const key of Object.keys(data))
      if (!this.byLower.has(key.toLowerCase())) this.byLower.set(key.toLowerCase(), key);
  }

  /**
   * The first of `names` that has a value.
   * @returns the name as written in the file and its value, or undefined
   */
  find(names: readonly string[]): { key: string; value: unknown } | undefined {
    for (const name of names) {
      const key = this.byLower.get(name.toLowerCase());
      const value = key === undefined ? undefined : this.data[key];
      if (key !== undefined && value !== undefined && value !== null && value !== '') return { key, value };
    }
    return undefined;
  }
}

/**
 * Suggests the field an author probably meant (`titel` -> `title`), for error messages.
 * @returns a hint such as ` (found "titel"; did you mean "title"?)`, or an empty string
 */
export function typoHint(data: Record<string, unknown>, wanted: readonly string[]): string {
  for (const key of Object.keys(data)) {
    const name = closest(key, wanted);
    if (name !== undefined) return ` (found "${key}"; did you mean "${name}"?)`;
  }
  return '';
}

/**
 * Fields Herald reads, and fields Hugo and common themes use that Herald ignores on purpose: a
 * front matter key near one of the first but equal to none of either is likely a typo.
 */
export const READ_FIELDS = [
  'title',
  'date',
  'postdate',
  'publishDate',
  'pubDate',
  'published',
  'lastmod',
  'updated',
  'modified',
  'slug',
  'categories',
  'category',
  'tags',
  'keywords',
  'description',
  'summary',
  'author',
  'authors',
  'image',
  'images',
  'featured_image',
  'cover',
  'draft',
  'url',
  'aliases',
  'expiryDate',
  'unpublishdate',
  'series',
] as const;
const IGNORED_FIELDS = new Set(
  [
    'weight',
    'type',
    'layout',
    'toc',
    'math',
    'comments',
    'linkTitle',
    'menu',
    'outputs',
    'params',
    'resources',
    'translationKey',
    'headless',
    'build',
    'cascade',
    'sitemap',
    'markup',
    'isCJKLanguage',
    'audio',
    'videos',
    'subtitle',
  ].map((f) => f.toLowerCase()),
);
const READ_LOWER = new Set(READ_FIELDS.map((f) => f.toLowerCase()));

/** A front matter key that is probably a misspelt field: Herald ignores it, the author should know. */
export interface FieldTypo {
  /** The key as written, e.g. `categoires`. */
  field: string;
  /** The field it is close to, e.g. `categories`. */
  meant: string;
}

/**
 * Front matter keys that Herald does not read but that are close to one it does.
 * @param data - the parsed front matter
 * @returns one entry per such key, in the file's order
 */
export function fieldTypos(data: Record<string, unknown>): FieldTypo[] {
  const typos: FieldTypo[] = [];
  for (const field of Object.keys(data)) {
    const lower = field.toLowerCase();
    if (READ_LOWER.has(lower) || IGNORED_FIELDS.has(lower)) continue;
    const meant = closestField(field);
    if (meant !== undefined) typos.push({ field, meant });
  }
  return typos;
}

// A site's posts repeat the same few unknown keys (`Google_Ads`, `weight`…) thousands of times, and
// comparing one against every field took an eighth of a 10,000-post build: each key is compared once.
// Bounded, since keys come from untrusted files.
const closestFields = new Map<string, string | undefined>();
const CLOSEST_FIELDS_KEPT = 1000;

function closestField(field: string): string | undefined {
  if (closestFields.has(field)) return closestFields.get(field);
  const meant = closest(field, READ_FIELDS);
  if (closestFields.size >= CLOSEST_FIELDS_KEPT) closestFields.clear();
  closestFields.set(field, meant);
  return meant;
}

/**
 * An absolute http(s) URL as the URL parser serialises it, with the characters RFC 3986 does not
 * allow after the host (`[`, `]`, `|`, `^`, a `%` that starts no escape…) percent-encoded too:
 * feed validators and JSON Feed readers check URLs against RFC 3986, not the WHATWG parser.
 * @param text - a URL as written in front matter
 * @returns the URL, or undefined for anything else (`javascript:`, `data:`, not a URL)
 */
export function httpUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // The WHATWG parser accepts hosts such as "%60"; RFC 3986 and DNS do not.
  if (!/^(?:\[[0-9a-f:.]+\]|[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?)$/i.test(url.hostname)) return undefined;
  // The parser never leaves "?" in a path or "#" in a query, so one allowed set serves all three.
  const path = `${url.protocol}//${url.host}${rfc3986(url.pathname)}`;
  const query = url.search === '' ? '' : `?${rfc3986(url.search.slice(1))}`;
  const fragment = url.hash === '' ? '' : `#${rfc3986(url.hash.slice(1))}`;
  // User names and passwords in image or author URLs are dropped: they have no place in a feed.
  return path + query + fragment;
}

// RFC 3986 pchar (unreserved, sub-delims, ":" and "@", and "%" when it starts an escape), "/" and "?".
function rfc3986(part: string): string {
  return part.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@%/?]/gu, (c) =>
    encodeURIComponent(c),
  );
}
