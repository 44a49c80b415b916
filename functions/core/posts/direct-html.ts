import type MarkdownIt from 'markdown-it';
import type { Renderer, RendererRule, Token } from 'markdown-it';
import { bodyUrl } from './body-urls.ts';

// The sanitiser's whole job on a body is to remove what an author could smuggle into it: raw HTML,
// and URLs with schemes that run code. markdown-it's own renderer writes neither: it escapes every
// text and attribute value and writes a fixed set of tags. So a body whose tokens hold no raw HTML
// (and no formula, whose MathML comes from elsewhere) is rendered here with the URL rules applied
// to the tokens themselves, in exactly the bytes the sanitiser would have written, and the sanitiser
// (a fifth of a whole-site build's rendering time: it parses the whole body again) is skipped.
// Anything this file does not know takes the sanitiser, as before: the list below is an allowlist.

/**
 * The tokens a body may hold to be rendered without the sanitiser, with the attributes each may
 * carry. Every tag they render to is in the sanitiser's allowlist, and so is every attribute but
 * `style` (the alignment of table cells), which the sanitiser drops and so does this renderer.
 */
const DIRECT_TOKENS: ReadonlyMap<string, readonly string[]> = new Map([
  ...[
    'paragraph',
    'blockquote',
    'table',
    'thead',
    'tbody',
    'tr',
    'em',
    'strong',
    's',
    'dl',
    'dt',
    'dd',
    'footnote_block',
    'footnote',
  ].flatMap((name): [string, string[]][] => [
    [`${name}_open`, []],
    [`${name}_close`, []],
  ]),
  // Task lists: the plugin gives items and their list a class.
  ['bullet_list_open', ['class']],
  ['bullet_list_close', []],
  ['list_item_open', ['class']],
  ['list_item_close', []],
  ['heading_open', ['id']],
  ['heading_close', []],
  ['ordered_list_open', ['start', 'class']],
  ['ordered_list_close', []],
  ['th_open', ['style']],
  ['th_close', []],
  ['td_open', ['style']],
  ['td_close', []],
  ['link_open', ['href', 'title']],
  ['link_close', []],
  ['image', ['src', 'alt', 'title']],
  ['hr', []],
  ['code_block', []],
  ['fence', []],
  ['inline', []],
  ['text', []],
  ['softbreak', []],
  ['hardbreak', []],
  ['code_inline', []],
  ['footnote_ref', []],
  ['footnote_anchor', []],
]);

/**
 * The task-list plugin's checkboxes are raw HTML tokens of two fixed forms, each written here as the
 * sanitiser writes it. Raw HTML of any other content (an author's) takes the sanitiser.
 */
const CHECKBOXES: ReadonlyMap<string, string> = new Map([
  [
    '<input class="task-list-item-checkbox" disabled="" type="checkbox">',
    '<input class="task-list-item-checkbox" disabled type="checkbox" />',
  ],
  [
    '<input class="task-list-item-checkbox" checked="" disabled="" type="checkbox">',
    '<input class="task-list-item-checkbox" checked disabled type="checkbox" />',
  ],
]);

/** Attributes whose value is a URL: made absolute and held to the allowed schemes, or dropped. */
const URL_ATTRIBUTES = new Set(['href', 'src']);

/**
 * Whether markdown-it's tokens of a body can be rendered by {@link renderDirect} to what the
 * sanitiser would make of markdown-it's own output: only tokens of {@link DIRECT_TOKENS} with their
 * attributes, none empty (the sanitiser drops most empty attributes; an empty `alt` it keeps, as
 * this renderer does).
 * @param tokens - the body's tokens, from the parser the renderer was made for
 */
export function rendersDirectly(tokens: readonly Token[]): boolean {
  for (const token of tokens) {
    if (token.type === 'html_inline' && CHECKBOXES.has(token.content)) continue;
    const allowed = DIRECT_TOKENS.get(token.type);
    if (allowed === undefined) return false;
    for (const [name, value] of token.attrs ?? []) {
      if (!allowed.includes(name)) return false;
      if (value === '' && name !== 'alt' && !URL_ATTRIBUTES.has(name)) return false;
    }
    if (token.children !== null && !rendersDirectly(token.children)) return false;
  }
  return true;
}

/** What {@link renderDirect}'s rules read during one render, besides the caller's environment. */
interface DirectEnv {
  /** Absolute URL of the page: relative URLs resolve against it. */
  pageUrl: string;
  [key: string | symbol]: unknown;
}

/** A renderer of token streams that {@link rendersDirectly} accepted. */
export interface DirectRenderer {
  /**
   * Renders the tokens as the sanitiser would have written markdown-it's output: URLs absolute and
   * of an allowed scheme (or left out), `<br />`-style empty elements, `"` left as is in text, no
   * alignment styles on table cells. Changes the tokens' URLs and styles in place.
   * @param tokens - a body's tokens that {@link rendersDirectly} accepted
   * @param env - the environment the tokens were parsed with (plugins keep their state there)
   * @param pageUrl - absolute URL of the post's page
   */
  render(tokens: Token[], env: Record<string | symbol, unknown>, pageUrl: string): string;
}

/**
 * A renderer for bodies that need no sanitiser, made from a parser after all its rules are set:
 * the parser's rules, with text written as the sanitiser writes it and footnote links absolute.
 * @param markdown - the parser whose tokens it renders
 */
export function directRenderer(markdown: InstanceType<typeof MarkdownIt>): DirectRenderer {
  const base = markdown.renderer;
  const escapeAttribute = markdown.utils.escapeHtml;
  const text: RendererRule = (tokens, idx) => escapeText(tokens[idx]?.content ?? '');
  const rules: Renderer['rules'] = {
    ...base.rules,
    text,
    code_inline: (tokens, idx) => `<code>${escapeText(tokens[idx]?.content ?? '')}</code>`,
    html_inline: (tokens, idx) => CHECKBOXES.get(tokens[idx]?.content ?? '') ?? '',
    code_block: (tokens, idx) => `<pre><code>${escapeText(tokens[idx]?.content ?? '')}</code></pre>\n`,
    // The sanitiser makes these fragment links absolute, like every other link of the body.
    footnote_ref: (tokens, idx, options, env, self) => {
      const token = tokens[idx];
      const id = self.rules.footnote_anchor_name?.(tokens, idx, options, env, self) ?? '';
      const caption = self.rules.footnote_caption?.(tokens, idx, options, env, self) ?? '';
      const subId = Number(token?.meta?.subId ?? 0);
      const refId = subId > 0 ? `${id}:${subId}` : id;
      const href = linkAttribute(`#fn${id}`, (env as DirectEnv).pageUrl, escapeAttribute);
      return `<sup class="footnote-ref"><a${href} id="${escapeAttribute(`fnref${refId}`)}">${escapeText(caption)}</a></sup>`;
    },
    footnote_anchor: (tokens, idx, options, env, self) => {
      const subId = Number(tokens[idx]?.meta?.subId ?? 0);
      const id = `${self.rules.footnote_anchor_name?.(tokens, idx, options, env, self) ?? ''}${subId > 0 ? `:${subId}` : ''}`;
      const href = linkAttribute(`#fnref${id}`, (env as DirectEnv).pageUrl, escapeAttribute);
      return ` <a${href} class="footnote-backref">\u21a9\uFE0E</a>`;
    },
  };
  const renderer: Renderer = Object.create(base);
  renderer.rules = rules;
  // Empty elements as the sanitiser writes them (`<br />`), and code blocks escaped as its text.
  const options = { ...markdown.options, xhtmlOut: true, highlight: (code: string) => escapeText(code) };
  return {
    render(tokens, env, pageUrl) {
      applyUrlRules(tokens, pageUrl);
      return renderer.render(tokens, options, { ...env, pageUrl } satisfies DirectEnv);
    },
  };
}

// What the sanitiser writes for a link to `url`: the attribute, or nothing when the URL is refused.
function linkAttribute(url: string, pageUrl: string, escapeValue: (value: string) => string): string {
  const absolute = bodyUrl(url, pageUrl);
  return absolute === undefined ? '' : ` href="${escapeValue(absolute)}"`;
}

// The sanitiser's changes to markdown-it's attributes, made on the tokens: URLs absolute (or gone
// when invalid or of a refused scheme), and no alignment style on table cells.
function applyUrlRules(tokens: readonly Token[], pageUrl: string): void {
  for (const token of tokens) {
    if (token.attrs !== null) {
      const kept: [string, string | number][] = [];
      for (const [name, value] of token.attrs) {
        if (name === 'style') continue;
        if (!URL_ATTRIBUTES.has(name)) {
          kept.push([name, value]);
          continue;
        }
        const absolute = bodyUrl(String(value), pageUrl);
        if (absolute !== undefined) kept.push([name, absolute]);
      }
      token.attrs = kept.length > 0 ? kept : null;
    }
    if (token.children !== null) applyUrlRules(token.children, pageUrl);
  }
}

/**
 * Escapes text as the sanitiser writes text: `&`, `<` and `>` (markdown-it also escapes `"`, which
 * the sanitiser's parser decodes and writes back as is).
 */
function escapeText(text: string): string {
  if (!/[&<>]/.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
