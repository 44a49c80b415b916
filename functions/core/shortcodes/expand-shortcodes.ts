import { Placeholders } from '../text/placeholders.ts';
import { BUILTIN_SHORTCODES, missingPost } from './builtin-shortcodes.ts';
import { type BlockParser, codeRanges } from './code-ranges.ts';
import { type HugoTag, type LiquidTag, type ScannedTag, scanTags } from './scan-tags.ts';
import type { ShortcodeCall, ShortcodeContext, ShortcodeOutput } from './shortcode-context.ts';
import { renderSiteShortcode } from './site-shortcodes.ts';

/** A body with its shortcodes expanded, and the HTML that goes where each placeholder is. */
export interface ExpandedBody {
  markdown: string;
  /**
   * Puts the shortcodes' HTML in place of their placeholders in the rendered body.
   * @param html - the body rendered from {@link ExpandedBody.markdown}
   */
  restore(html: string): string;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'tag'; tag: ScannedTag; children?: Node[]; innerRaw?: string };

interface Frame {
  tag: HugoTag | LiquidTag;
  closeName: string;
  children: Node[];
}

// Liquid tags whose `end…` tag Herald expects; an unpaired one is a single tag.
const LIQUID_BLOCKS = new Set(['highlight', 'raw', 'comment', 'if', 'unless', 'for', 'case', 'capture']);
const MAX_NESTING = 200;

/**
 * Expands Hugo shortcodes and Jekyll Liquid tags before markdown rendering, as Hugo does: output of
 * `{{% %}}` and of site templates used with `%` joins the markdown; the HTML of `{{< >}}` waits
 * behind a placeholder that markdown leaves alone and goes back in after rendering. Tags inside code
 * spans and code blocks stay literal. Unknown shortcodes are removed (a paired one keeps its inner
 * text), each reported once through `context.warn`.
 * @param body - markdown, line endings normalised
 * @param parser - the markdown parser that renders the body, to agree on where code is
 * @param context - what shortcodes may use; `warn` receives each distinct message once
 */
export function expandShortcodes(body: string, parser: BlockParser, context: ShortcodeContext): ExpandedBody {
  if (!/\{\{[<%]|\{%/.test(body)) return { markdown: body, restore: (html) => html };
  const seen = new Set<string>();
  const warn = (message: string) => {
    if (seen.has(message)) return;
    seen.add(message);
    context.warn(message);
  };
  const once: ShortcodeContext = { ...context, warn };
  const placeholders = new Placeholders(body, 'heraldshortcode');
  const place = (html: string) => placeholders.add(html);

  const nodes = buildTree(body, scanTags(body, codeRanges(body, parser)), warn);
  const render = (list: readonly Node[]): string => list.map((node) => renderNode(node)).join('');
  const renderNode = (node: Node): string => {
    if (node.kind === 'text') return node.text;
    const { tag } = node;
    if (tag.kind === 'literal') return tag.text;
    if (tag.kind === 'malformed') {
      warn(`"${tag.text.slice(0, 40)}" is a shortcode that never closes: removed`);
      return '';
    }
    if (tag.kind === 'liquid') return renderLiquid(tag.name, tag.argText, node, once, render, place);
    const call: ShortcodeCall = { name: tag.name, args: tag.args, delimiter: tag.delimiter };
    if (node.innerRaw !== undefined) call.innerRaw = node.innerRaw;
    if (node.children !== undefined && tag.name !== 'highlight') call.inner = render(node.children);
    const output = shortcodeOutput(call, once);
    return 'html' in output ? place(output.html) : output.markdown;
  };
  const markdown = render(nodes);

  return { markdown, restore: (html) => placeholders.restore(html) };
}

/**
 * Whether a body may link to other posts (`ref`, `relref`, `link`, `post_url`), so that a caller
 * can find the posts only when needed. A tag inside code counts too: finding posts for nothing is
 * merely slower.
 * @param body - markdown as written
 */
export function linksToPosts(body: string): boolean {
  return /\{\{[<%]\s*(?:ref|relref)\s|\{%-?\s*(?:link|post_url)\s/.test(body);
}

function shortcodeOutput(call: ShortcodeCall, context: ShortcodeContext): ShortcodeOutput {
  if (call.name.endsWith('.inline')) {
    context.warn(`inline shortcode {{< ${call.name} >}} is template code Herald does not run: removed`);
    return { markdown: '' };
  }
  const builtin = BUILTIN_SHORTCODES.get(call.name);
  if (builtin !== undefined) return builtin(call, context);
  const template = context.templates.get(call.name);
  if (template !== undefined) {
    const out = renderSiteShortcode(template, call, context);
    return call.delimiter === '%' ? { markdown: out } : { html: out };
  }
  context.warn(
    `shortcode {{${call.delimiter} ${call.name} ${call.delimiter === '%' ? '%' : '>'}}} is not built in and there is no shortcodes/${call.name}.html: removed${call.inner === undefined ? '' : ', its inner text kept'}`,
  );
  return { markdown: call.inner ?? '' };
}

function renderLiquid(
  name: string,
  argText: string,
  node: Extract<Node, { kind: 'tag' }>,
  context: ShortcodeContext,
  render: (nodes: readonly Node[]) => string,
  place: (html: string) => string,
): string {
  const inner = node.children === undefined ? '' : render(node.children);
  switch (name) {
    case 'highlight': {
      const code = (node.innerRaw ?? '').replace(/^[ \t]*\n/, '').replace(/\n[ \t]*$/, '');
      return place(context.highlight(code, argText.split(/\s+/)[0] ?? ''));
    }
    case 'raw':
      return node.innerRaw ?? '';
    case 'comment':
      return '';
    case 'link':
    case 'post_url': {
      const target = argText.trim();
      const url = context.refs?.resolve(target, context.source);
      if (url === undefined) missingPost(context, `{% ${name} ${target} %}`);
      return url ?? context.pageUrl;
    }
    default:
      context.warn(
        `Liquid tag {% ${name} %} is not supported: removed${node.children === undefined ? '' : ', its inner text kept'}`,
      );
      return inner;
  }
}

/** Pairs opening and closing tags; an opening tag with no closing one stands alone, as in Hugo. */
function buildTree(body: string, tags: readonly ScannedTag[], warn: (message: string) => void): Node[] {
  const root: Node[] = [];
  const stack: Frame[] = [];
  let position = 0;
  const current = () => stack.at(-1)?.children ?? root;
  const text = (end: number) => {
    if (end > position) current().push({ kind: 'text', text: body.slice(position, end) });
  };
  // An opening tag that turns out unpaired: itself, then what followed it, in its parent.
  const unwind = (frame: Frame) => {
    current().push({ kind: 'tag', tag: frame.tag }, ...frame.children);
  };
  for (const tag of tags) {
    text(tag.start);
    position = tag.end;
    const closeName =
      tag.kind === 'close'
        ? tag.name
        : tag.kind === 'liquid' && tag.name.startsWith('end')
          ? tag.name.slice(3)
          : undefined;
    if (closeName !== undefined) {
      const at = stack.findLastIndex((frame) => frame.closeName === closeName);
      if (at < 0) {
        warn(`closing tag for "${closeName}" has no opening tag: removed`);
        continue;
      }
      while (stack.length > at + 1) {
        const frame = stack.pop();
        if (frame !== undefined) unwind(frame);
      }
      const frame = stack.pop();
      if (frame === undefined) continue;
      const innerStart = frame.tag.end;
      current().push({
        kind: 'tag',
        tag: frame.tag,
        children: frame.children,
        innerRaw: body.slice(innerStart, tag.start),
      });
      continue;
    }
    const opensBlock =
      (tag.kind === 'open' && !tag.selfClosing) || (tag.kind === 'liquid' && LIQUID_BLOCKS.has(tag.name));
    if (opensBlock && (tag.kind === 'open' || tag.kind === 'liquid') && stack.length < MAX_NESTING) {
      stack.push({ tag, closeName: tag.name, children: [] });
    } else if (tag.kind !== 'close') {
      current().push({ kind: 'tag', tag });
    }
  }
  text(body.length);
  while (stack.length > 0) {
    const frame = stack.pop();
    if (frame !== undefined) unwind(frame);
  }
  return root;
}
