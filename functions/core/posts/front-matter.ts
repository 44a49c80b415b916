import matter from 'gray-matter';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { parse as parseToml } from 'smol-toml';
import { normaliseText } from '../text/normalise.ts';
import { stripXmlForbidden } from '../text/xml-safe.ts';

/** A post split into its front matter fields and its markdown body. */
export interface SplitPost {
  data: Record<string, unknown>;
  body: string;
}

/** Thrown when front matter is present but unreadable; the message says where and why. */
export class FrontMatterSyntaxError extends Error {
  override name = 'FrontMatterSyntaxError';
}

// The core schema has no timestamp type: `2023-06-28` stays a string, so a date without a zone can
// be read in the site's timezone instead of being forced to UTC midnight. js-yaml rather than the
// `yaml` package: it parses front matter about six times faster, which matters at 10,000 posts.
const engines = {
  yaml: (text: string) => (loadYaml(text, { schema: CORE_SCHEMA }) ?? {}) as object,
  toml: (text: string) => normaliseToml(parseToml(text)) as object,
  json: (text: string) => JSON.parse(text) as object,
};

/**
 * Splits a post into front matter and body. Understands YAML (`---`), TOML (`+++`), JSON (a leading
 * `{…}` object, as Hugo writes it, or `---json`) and no front matter at all. The front matter is
 * normalised (line endings, characters XML forbids) before it is parsed; the body is returned as
 * written, because most posts' bodies are never rendered and need no such pass.
 * @param text - the post without its BOM
 * @throws FrontMatterSyntaxError when the front matter cannot be parsed
 */
export function splitFrontMatter(text: string): SplitPost {
  try {
    if (/^\+\+\+\r?\n/.test(text))
      return withMatter(text, '+++', { delimiters: '+++', language: 'toml', engines });
    if (text.startsWith('{')) return splitJsonFrontMatter(text);
    if (text.startsWith('---')) return withMatter(text, '---', { engines });
    return { data: {}, body: text };
  } catch (error) {
    throw syntaxError(error);
  }
}

/**
 * Where the body of a post starts, found as {@link splitFrontMatter} finds it but without parsing
 * the front matter: `text.slice(bodyStart(text))` is exactly its `body`. For a post whose front
 * matter was parsed already (a full build reads every file once for its metadata, then again to
 * render it), this is all that rendering needs.
 * @param text - the post without its BOM
 * @throws FrontMatterSyntaxError when the front matter is never closed
 */
export function bodyStart(text: string): number {
  try {
    if (/^\+\+\+\r?\n/.test(text)) return matterEnd(text, '+++');
    if (text.startsWith('{')) return jsonBodyStart(text);
    if (text.startsWith('---')) return matterEnd(text, '---');
    return 0;
  } catch (error) {
    throw syntaxError(error);
  }
}

function syntaxError(error: unknown): FrontMatterSyntaxError {
  if (error instanceof FrontMatterSyntaxError) return error;
  return new FrontMatterSyntaxError(firstLine(String((error as Error).message ?? error)), { cause: error });
}

/**
 * gray-matter copies and hashes the whole input (for its cache), which costs more than parsing the
 * front matter itself on a 10,000-post site; so it gets the front matter block alone, and the body
 * is whatever follows the closing delimiter.
 */
function withMatter(
  text: string,
  delimiter: '---' | '+++',
  options: Parameters<typeof matter>[1],
): SplitPost {
  const end = matterEnd(text, delimiter);
  const { data } = toSplit(matter(normaliseText(text.slice(0, end)), options));
  return { data, body: text.slice(end) };
}

/** The index just past the line that closes front matter opened by `delimiter`. */
function matterEnd(text: string, delimiter: '---' | '+++'): number {
  const close = (delimiter === '---' ? CLOSING_DASHES : CLOSING_PLUSES).exec(text.slice(3));
  if (close === null)
    throw new FrontMatterSyntaxError(`front matter opened with ${delimiter} is never closed`);
  return 3 + close.index + close[0].length;
}

const CLOSING_DASHES = /\r?\n---[ \t]*\r?(?:\n|$)/;
const CLOSING_PLUSES = /\r?\n\+\+\+[ \t]*\r?(?:\n|$)/;

function toSplit(file: { data: unknown; content: string }): SplitPost {
  const data = file.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new FrontMatterSyntaxError('must be a mapping of fields such as title: and date:');
  }
  return { data: withoutForbidden(data) as Record<string, unknown>, body: file.content };
}

// Escapes in quoted YAML, TOML and JSON strings ("\0", "\u0008") make characters XML forbids after
// the text was cleaned, so every parsed string is cleaned again.
function withoutForbidden(value: unknown): unknown {
  if (typeof value === 'string') return stripXmlForbidden(value);
  if (Array.isArray(value)) return value.map(withoutForbidden);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [stripXmlForbidden(k), withoutForbidden(v)]),
    );
  }
  return value;
}

function splitJsonFrontMatter(text: string): SplitPost {
  const end = endOfJsonObject(text);
  if (end < 0) throw new FrontMatterSyntaxError('JSON front matter has no closing }');
  let data: unknown;
  try {
    data = JSON.parse(normaliseText(text.slice(0, end + 1)));
  } catch (error) {
    throw new FrontMatterSyntaxError(`JSON front matter: ${(error as Error).message}`, { cause: error });
  }
  return toSplit({ data, content: text.slice(jsonBodyStart(text, end)) });
}

/** Past the `}` that closes JSON front matter and the line break after it, if any. */
function jsonBodyStart(text: string, end = endOfJsonObject(text)): number {
  if (end < 0) throw new FrontMatterSyntaxError('JSON front matter has no closing }');
  const after = end + 1;
  if (text.startsWith('\n', after)) return after + 1;
  return text.startsWith('\r\n', after) ? after + 2 : after;
}

/** Index of the `}` closing the object that opens `text`, skipping braces inside strings. */
function endOfJsonObject(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

// TOML dates arrive as Date subclasses; local dates and times (no offset) must keep their written
// form so that the site's timezone applies, exactly as for YAML.
function normaliseToml(value: unknown): unknown {
  if (value instanceof Date)
    return 'isLocal' in value && typeof value.toISOString === 'function' ? value.toISOString() : value;
  if (Array.isArray(value)) return value.map(normaliseToml);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normaliseToml(v)]));
  }
  return value;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).trim().replace(/ \((\d+):(\d+)\)$/, ' at line $1, column $2');
}
