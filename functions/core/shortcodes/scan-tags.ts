/**
 * Finds Hugo shortcode tags (`{{< name args >}}`, `{{% name %}}`, closing and self-closing forms,
 * the escaped form that shows a tag literally) and Jekyll Liquid tags (`{% name args %}`) in a markdown body,
 * skipping the ranges that hold code, where they stay literal.
 */

/** Arguments as written: Hugo forbids mixing positional and named ones, Herald accepts both. */
export interface TagArgs {
  positional: string[];
  /** A Map, not an object, so that a name such as `__proto__` is just a name. */
  named: Map<string, string>;
}

/** A Hugo shortcode tag, opening or closing. */
export interface HugoTag {
  kind: 'open' | 'close';
  /** `<` renders the output as HTML, `%` as markdown. */
  delimiter: '<' | '%';
  name: string;
  args: TagArgs;
  selfClosing: boolean;
  start: number;
  end: number;
}

/** A Jekyll Liquid tag: `{% name args %}`; `{% endname %}` closes a block. */
export interface LiquidTag {
  kind: 'liquid';
  name: string;
  argText: string;
  start: number;
  end: number;
}

/** One tag found in the body, with its position. */
export type ScannedTag =
  | HugoTag
  | LiquidTag
  | { kind: 'literal'; text: string; start: number; end: number }
  | { kind: 'malformed'; text: string; start: number; end: number };

/** A half-open range `[start, end)` of the body. */
export interface Range {
  start: number;
  end: number;
}

// Longest tag Herald reads; a longer one is almost surely an unclosed delimiter swallowing the post.
const MAX_TAG_LENGTH = 4000;
const NAME = /[A-Za-z0-9_][\w.\-/]*/y;
const LIQUID = /\{%-?\s*([A-Za-z_]\w*)((?:[^%]|%(?!\}))*?)\s*-?%\}/y;

/**
 * Scans a body for tags.
 * @param text - the markdown body, line endings normalised
 * @param code - sorted ranges holding code, skipped
 * @returns the tags in order of position; liquid `raw` and `highlight` bodies are not scanned
 */
export function scanTags(text: string, code: readonly Range[]): ScannedTag[] {
  const tags: ScannedTag[] = [];
  let codeIndex = 0;
  let i = text.indexOf('{', 0);
  while (i >= 0 && i < text.length) {
    while (codeIndex < code.length && (code[codeIndex]?.end ?? 0) <= i) codeIndex++;
    const range = code[codeIndex];
    if (range !== undefined && range.start <= i) {
      i = text.indexOf('{', range.end);
      continue;
    }
    const next = text[i + 1];
    let tag: ScannedTag | undefined;
    if (next === '{' && (text[i + 2] === '<' || text[i + 2] === '%')) tag = readHugoTag(text, i);
    else if (next === '%') tag = readLiquidTag(text, i);
    if (tag === undefined) {
      i = text.indexOf('{', i + 1);
      continue;
    }
    tags.push(tag);
    let resume = tag.end;
    // Liquid `raw` and `highlight` bodies are literal: nothing inside them is a tag.
    if (tag.kind === 'liquid' && (tag.name === 'raw' || tag.name === 'highlight')) {
      const closer = new RegExp(`\\{%-?\\s*end${tag.name}\\s*-?%\\}`, 'g');
      closer.lastIndex = tag.end;
      const found = closer.exec(text);
      if (found !== null) {
        tags.push({
          kind: 'liquid',
          name: `end${tag.name}`,
          argText: '',
          start: found.index,
          end: closer.lastIndex,
        });
        resume = closer.lastIndex;
      }
    }
    i = text.indexOf('{', resume);
  }
  return tags;
}

function readLiquidTag(text: string, start: number): ScannedTag | undefined {
  LIQUID.lastIndex = start;
  const match = LIQUID.exec(text);
  if (match === null || LIQUID.lastIndex - start > MAX_TAG_LENGTH) return undefined;
  return {
    kind: 'liquid',
    name: match[1] ?? '',
    argText: (match[2] ?? '').trim(),
    start,
    end: LIQUID.lastIndex,
  };
}

function readHugoTag(text: string, start: number): ScannedTag {
  const delimiter = text[start + 2] === '%' ? '%' : '<';
  const closing = delimiter === '%' ? '%}}' : '>}}';
  let j = skipSpace(text, start + 3);
  if (text.startsWith('/*', j)) {
    // The escaped form shows the tag itself: `{{</* name */>}}` is written as `{{< name >}}`.
    const close = new RegExp(`\\*/\\s*${escapeRegExp(closing)}`, 'g');
    close.lastIndex = j + 2;
    const found = close.exec(text);
    if (found === null || found.index - start > MAX_TAG_LENGTH) return malformed(text, start);
    return {
      kind: 'literal',
      text: `{{${delimiter}${text.slice(j + 2, found.index)}${closing}`,
      start,
      end: close.lastIndex,
    };
  }
  const isClose = text[j] === '/';
  if (isClose) j = skipSpace(text, j + 1);
  NAME.lastIndex = j;
  const name = NAME.exec(text)?.[0];
  if (name === undefined) return malformed(text, start);
  j = NAME.lastIndex;
  const args: TagArgs = { positional: [], named: new Map() };
  let selfClosing = false;
  for (;;) {
    const before = j;
    j = skipSpace(text, j);
    // Arguments may run over lines, but not over a blank line: that is a tag left unclosed.
    if (j - start > MAX_TAG_LENGTH || j >= text.length || /\n[ \t]*\n/.test(text.slice(before, j))) {
      return malformed(text, start);
    }
    if (text.startsWith(closing, j)) {
      j += closing.length;
      break;
    }
    if (text[j] === '/') {
      const after = skipSpace(text, j + 1);
      if (text.startsWith(closing, after)) {
        selfClosing = true;
        j = after + closing.length;
        break;
      }
    }
    const first = readValue(text, j, closing);
    if (first === undefined) return malformed(text, start);
    j = first.end;
    if (!first.quoted && text[j] === '=') {
      const value = readValue(text, j + 1, closing);
      if (value === undefined) return malformed(text, start);
      args.named.set(first.value, value.value);
      j = value.end;
    } else {
      args.positional.push(first.value);
    }
  }
  return { kind: isClose ? 'close' : 'open', delimiter, name, args, selfClosing, start, end: j };
}

/** Reads a quoted ("…" with backslash escapes, or `…` raw) or bare argument. */
function readValue(
  text: string,
  j: number,
  closing: string,
): { value: string; end: number; quoted: boolean } | undefined {
  const quote = text[j];
  if (quote === '"') {
    let value = '';
    let k = j + 1;
    while (k < text.length && text[k] !== '"') {
      if (text[k] === '\\' && k + 1 < text.length) k++;
      value += text[k];
      k++;
    }
    return k < text.length ? { value, end: k + 1, quoted: true } : undefined;
  }
  if (quote === '`') {
    const end = text.indexOf('`', j + 1);
    return end < 0 ? undefined : { value: text.slice(j + 1, end), end: end + 1, quoted: true };
  }
  let k = j;
  while (k < text.length && !/\s/.test(text[k] ?? '') && text[k] !== '=' && !text.startsWith(closing, k)) {
    if (text[k] === '/' && text.startsWith(closing, skipSpace(text, k + 1))) break;
    k++;
  }
  return k === j ? undefined : { value: text.slice(j, k), end: k, quoted: false };
}

// A tag that never closes: its opening delimiter to the end of the line goes, so no delimiter is left.
function malformed(text: string, start: number): ScannedTag {
  const lineEnd = text.indexOf('\n', start);
  const end = lineEnd < 0 ? text.length : lineEnd;
  return { kind: 'malformed', text: text.slice(start, end), start, end };
}

function skipSpace(text: string, j: number): number {
  let k = j;
  while (k < text.length && /\s/.test(text[k] ?? '')) k++;
  return k;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
