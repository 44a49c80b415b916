import type MarkdownIt from 'markdown-it';

type PluginSimple = (md: InstanceType<typeof MarkdownIt>) => void;

/** Turns TeX into MathML; `display` is a block formula, otherwise inline. */
export type MathRenderer = (tex: string, display: boolean) => string;

/** Where the math renderer is found during one render: markdown-it's per-render environment. */
interface MathEnv {
  math?: MathRenderer;
}

const INLINE: ReadonlyArray<[open: string, close: string, display: boolean]> = [
  ['$$', '$$', true],
  ['\\[', '\\]', true],
  ['\\(', '\\)', false],
];

/**
 * Math delimiters as Hugo's passthrough extension reads them when a site enables math: `$$…$$` and
 * `\[…\]` for display formulas, `\(…\)` inline. Only when the render's environment carries a
 * {@link MathRenderer}: otherwise `\(` stays CommonMark's escaped parenthesis, as in Hugo without math.
 * The TeX is kept whole (markdown does not touch `_` or `*` inside a formula).
 */
export const mathSyntax: PluginSimple = (md) => {
  md.block.ruler.before(
    'fence',
    'math_block',
    (state, startLine, endLine, silent) => {
      const env = state.env as MathEnv;
      if (env.math === undefined || (state.sCount[startLine] ?? 0) - state.blkIndent >= 4) return false;
      const lineText = (line: number) =>
        state.src.slice((state.bMarks[line] ?? 0) + (state.tShift[line] ?? 0), state.eMarks[line]);
      const first = lineText(startLine);
      const delimiters = first.startsWith('$$')
        ? ['$$', '$$']
        : first.startsWith('\\[')
          ? ['\\[', '\\]']
          : undefined;
      if (delimiters === undefined) return false;
      const [open = '', close = ''] = delimiters;
      let content = first.slice(open.length);
      let line = startLine;
      let closed = content.trimEnd().endsWith(close) && content.trim().length >= close.length;
      if (closed) content = content.trimEnd().slice(0, -close.length);
      while (!closed && ++line < endLine) {
        const text = lineText(line);
        if (text.trimEnd().endsWith(close)) {
          content += `\n${text.trimEnd().slice(0, -close.length)}`;
          closed = true;
        } else {
          content += `\n${text}`;
        }
      }
      if (!closed) return false;
      if (silent) return true;
      const token = state.push('math_block', 'math', 0);
      token.content = content.trim();
      token.map = [startLine, line + 1];
      state.line = line + 1;
      return true;
    },
    { alt: ['paragraph', 'reference', 'blockquote', 'list'] },
  );
  md.inline.ruler.before('escape', 'math_inline', (state, silent) => {
    const env = state.env as MathEnv;
    if (env.math === undefined) return false;
    for (const [open, close, display] of INLINE) {
      if (!state.src.startsWith(open, state.pos)) continue;
      const end = state.src.indexOf(close, state.pos + open.length);
      if (end < 0 || end === state.pos + open.length) return false;
      if (!silent) {
        const token = state.push('math_inline', 'math', 0);
        token.content = state.src.slice(state.pos + open.length, end);
        token.meta = { display };
      }
      state.pos = end + close.length;
      return true;
    }
    return false;
  });
  md.renderer.rules.math_block = (tokens, idx, _options, env) =>
    `${(env as MathEnv | undefined)?.math?.(tokens[idx]?.content ?? '', true) ?? ''}\n`;
  md.renderer.rules.math_inline = (tokens, idx, _options, env) =>
    (env as MathEnv | undefined)?.math?.(tokens[idx]?.content ?? '', Boolean(tokens[idx]?.meta?.display)) ??
    '';
};
