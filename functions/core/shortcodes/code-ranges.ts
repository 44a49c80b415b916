import type { Range } from './scan-tags.ts';

/** The part of a markdown parser (markdown-it) that tells where blocks are. */
export interface BlockParser {
  parse(text: string, env: object): ReadonlyArray<{ type: string; map: [number, number] | null }>;
}

/**
 * Where a markdown body holds code: fenced and indented blocks (as the given parser reads them) and
 * inline code spans. Shortcodes and Liquid tags there are the author showing template code, not
 * asking for it to run.
 * @param text - the body, line endings normalised
 * @param parser - the markdown parser that will render the body, so both agree on what is code
 * @returns sorted, non-overlapping ranges
 */
export function codeRanges(text: string, parser: BlockParser): Range[] {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const offset = (line: number) => lineStarts[line] ?? text.length;

  const blocks: Range[] = [];
  for (const token of parser.parse(text, {})) {
    if ((token.type === 'fence' || token.type === 'code_block') && token.map) {
      blocks.push({ start: offset(token.map[0]), end: offset(token.map[1]) });
    }
  }
  const ranges: Range[] = [];
  let from = 0;
  for (const block of blocks) {
    ranges.push(...codeSpans(text, from, block.start), block);
    from = block.end;
  }
  ranges.push(...codeSpans(text, from, text.length));
  return ranges;
}

// A run of N backticks opens a span that the next run of exactly N backticks closes, within the
// same paragraph (CommonMark 6.1).
function codeSpans(text: string, from: number, to: number): Range[] {
  const spans: Range[] = [];
  const runs = /`+/g;
  runs.lastIndex = from;
  for (let open = runs.exec(text); open !== null && open.index < to; open = runs.exec(text)) {
    if (open.index > 0 && text[open.index - 1] === '\\') continue;
    const length = open[0].length;
    const close = new RegExp(`(?<!\`)\`{${length}}(?!\`)`, 'g');
    close.lastIndex = open.index + length;
    const found = close.exec(text);
    if (found === null || found.index >= to) continue;
    if (/\n[ \t]*\n/.test(text.slice(open.index, found.index))) continue;
    spans.push({ start: open.index, end: found.index + length });
    runs.lastIndex = found.index + length;
  }
  return spans;
}
