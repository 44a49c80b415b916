import MarkdownIt from 'markdown-it';
import deflist from 'markdown-it-deflist';
import footnote from 'markdown-it-footnote';
import taskLists from 'markdown-it-task-lists';
import { mathSyntax } from './math-syntax.ts';

/**
 * Heading ids as Hugo writes them by default (Goldmark, `autoHeadingIDType = "github"`): letters
 * and digits lower-cased, spaces and hyphens as hyphens, underscores kept, anything else dropped.
 * Links to `#anchors` that worked on the Hugo site keep working.
 * @param text - the heading's text, markup removed
 */
export function headingId(text: string): string {
  let id = '';
  for (const char of text.trim()) {
    if (char === ' ' || char === '-') id += '-';
    else if (char === '_' || /[\p{L}\p{N}]/u.test(char)) id += char.toLowerCase();
  }
  return id === '' ? 'heading' : id;
}

/**
 * The markdown parser for post bodies, configured like Hugo's Goldmark defaults: CommonMark with raw
 * HTML (sanitised afterwards), tables, strikethrough, linkify, typographer quotes and dashes,
 * footnotes, definition lists, task lists and heading ids (duplicates get `-1`, `-2`, as in Hugo).
 */
export function createMarkdownParser() {
  const markdown = new MarkdownIt({ html: true, linkify: true, typographer: true });
  // Goldmark's typographer turns quotes, dashes and ellipses into punctuation, but not (c), (tm) or
  // +-, which markdown-it's replacements would.
  markdown.core.ruler.disable('replacements');
  markdown.core.ruler.after('inline', 'dashes', (state) => {
    for (const block of state.tokens) {
      if (block.type !== 'inline' || block.children === null) continue;
      for (const token of block.children) {
        // Most text has neither: testing first spares three replacing passes over every piece.
        if (token.type === 'text' && DASH_OR_DOTS.test(token.content))
          token.content = typographerDashes(token.content);
      }
    }
  });
  markdown
    .use(footnote)
    .use(deflist)
    .use(taskLists)
    .use(mathSyntax)
    .use(headingIds)
    .use(linkifyWhereTextLinks);
  // Goldmark's footnote ids (fn:1, fnref:1) and bare numbers, so links into Hugo pages still work.
  markdown.renderer.rules.footnote_anchor_name = (tokens, idx, _options, env) => {
    const id = Number(tokens[idx]?.meta?.id ?? 0) + 1;
    const prefix = typeof env?.docId === 'string' ? `-${env.docId}-` : '';
    return `:${prefix}${id}`;
  };
  markdown.renderer.rules.footnote_caption = (tokens, idx) => {
    const meta = tokens[idx]?.meta as { id?: number; subId?: number } | undefined;
    const n = Number(meta?.id ?? 0) + 1;
    return (meta?.subId ?? 0) > 0 ? `${n}:${meta?.subId}` : String(n);
  };
  // Goldmark writes strikethrough as <del>.
  markdown.renderer.rules.s_open = () => '<del>';
  markdown.renderer.rules.s_close = () => '</del>';
  return markdown;
}

/**
 * Gives every heading its id ({@link headingId}), repeats numbered `-1`, `-2` as Hugo does, skipping
 * ids already taken. markdown-it-anchor did the same with a search from `-1` for every repeat and a
 * scan of the whole token list for every heading: 25,000 headings (98 KB, within POST_LIMITS) took
 * 400 s. The next number of each id is remembered, so the work is linear.
 */
function headingIds(markdown: InstanceType<typeof MarkdownIt>): void {
  markdown.core.ruler.push('heading_ids', (state) => {
    const used = new Set<string>();
    const next = new Map<string, number>();
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      if (token?.type !== 'heading_open') continue;
      let text = '';
      for (const child of tokens[i + 1]?.children ?? [])
        if (child.type === 'text' || child.type === 'code_inline') text += child.content;
      const base = String(token.attrGet('id') ?? headingId(text));
      let id: string = base;
      let n = next.get(base) ?? 1;
      while (used.has(id)) id = `${base}-${n++}`;
      next.set(base, n);
      used.add(id);
      token.attrSet('id', id);
    }
  });
}

/**
 * Runs markdown-it's linkify rule only on the paragraphs (inline blocks) with a text piece in which
 * linkify-it finds a link. The rule first tests a paragraph's whole source, and a paragraph that
 * holds a link destination (`[text](https://…)`, in most posts) makes that test validate the URL
 * with linkify-it's costliest expression: about a twentieth of a whole-site build's rendering time.
 * The rule changes a paragraph only where a text piece of it holds a link, so skipping the others
 * gives the same tokens; on the paragraphs it keeps, the rule runs unchanged, its own test included.
 */
function linkifyWhereTextLinks(markdown: InstanceType<typeof MarkdownIt>): void {
  const ruler = markdown.core.ruler;
  const linkify = ruler.__rules__[ruler.__find__('linkify')]?.fn;
  if (linkify === undefined) throw new Error('markdown-it has no core linkify rule to run');
  ruler.at('linkify', (state) => {
    if (!state.md.options.linkify) return;
    const linkable = state.tokens.filter(
      (token) =>
        token.type === 'inline' &&
        token.children?.some((child) => child.type === 'text' && state.md.linkify.test(child.content)),
    );
    if (linkable.length === 0) return;
    // The rule reads the paragraphs from state.tokens and changes their children in place.
    const tokens = state.tokens;
    state.tokens = linkable;
    try {
      linkify(state);
    } finally {
      state.tokens = tokens;
    }
  });
}

const DASH_OR_DOTS = /--|\.\.\./;

// Goldmark: "---" is an em dash, "--" an en dash, "..." an ellipsis.
function typographerDashes(text: string): string {
  return text
    .replace(/---/g, '\u2014')
    .replace(/--/g, '\u2013')
    .replace(/\.\.\./g, '\u2026');
}
