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
//
// gray-matter keeps a JavaScript engine among its defaults whatever engines it is given: `---js`
// front matter would run through `eval`. The language is checked before gray-matter sees the block
// (see checkLanguage), and its JavaScript engines are replaced by ones that refuse.
const refuseJs = (): never => {
  throw new FrontMatterSyntaxError('front matter in JavaScript is not read: use YAML, TOML or JSON');
};
const engines = {
  yaml: (text: string) => (loadYaml(text, { schema: CORE_SCHEMA }) ?? {}) as object,
  toml: (text: string) => normaliseToml(parseToml(text)) as object,
  json: (text: string) => JSON.parse(text) as object,
  js: refuseJs,
  javascript: refuseJs,
};
type Language = 'yaml' | 'toml' | 'json';

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
    if (/^\+\+\+\r?\n/.test(text)) return withMatter(text, '+++', 'toml');
    if (text.startsWith('{')) return splitJsonFrontMatter(text);
    if (text.startsWith('---')) return withMatter(text, '---', 'yaml');
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
 * Parses the front matter block opened by `delimiter` with gray-matter; the body is whatever follows
 * the closing line. gray-matter copies and hashes what it is given, so it gets the block alone.
 * A language may follow the opening delimiter (`---json`); any name but YAML, TOML and JSON refuses
 * the post: a post is data, never code.
 */
function withMatter(text: string, delimiter: '---' | '+++', byDefault: Language): SplitPost {
  const end = matterEnd(text, delimiter);
  const block = normaliseText(text.slice(0, end));
  checkLanguage(block, delimiter);
  const { data } = matter(block, { delimiters: delimiter, language: byDefault, engines });
  return { data: toData(data, block), body: text.slice(end) };
}

/** Refuses a block whose opening line names a language other than YAML, TOML or JSON. */
function checkLanguage(block: string, delimiter: '---' | '+++'): void {
  // `----` or `++++` opens no front matter (a rule, say): there are no fields.
  if (block.charAt(delimiter.length) === delimiter.charAt(0)) return;
  const rest = block.slice(delimiter.length);
  const name = rest.slice(0, rest.search(/\r?\n/)).trim();
  if (name !== '') languageNamed(delimiter, name);
}

/** The language a front matter block names: YAML in any case (or `yml`), `toml` and `json`. */
function languageNamed(delimiter: string, name: string): Language {
  if (name === 'toml' || name === 'json') return name;
  const lower = name.toLowerCase();
  if (lower === 'yaml' || lower === 'yml') return 'yaml';
  const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
  throw new FrontMatterSyntaxError(
    `the opening ${delimiter} is followed by "${shown}", which is not a front matter language: put fields on the next line, in YAML, TOML or JSON`,
  );
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

/**
 * The parsed front matter as fields, checked to be a mapping.
 * @param source - the normalised text it was parsed from
 */
function toData(data: unknown, source: string): Record<string, unknown> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new FrontMatterSyntaxError('must be a mapping of fields such as title: and date:');
  }
  // Only an escape ("\0", "\u0008", all written with a backslash) can put back a character the
  // normalised text no longer has: without one, every string is clean already and is not copied.
  return (source.includes('\\') ? withoutForbidden(data) : data) as Record<string, unknown>;
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
  const source = normaliseText(text.slice(0, end + 1));
  try {
    data = JSON.parse(source);
  } catch (error) {
    throw new FrontMatterSyntaxError(`JSON front matter: ${(error as Error).message}`, { cause: error });
  }
  return { data: toData(data, source), body: text.slice(jsonBodyStart(text, end)) };
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
