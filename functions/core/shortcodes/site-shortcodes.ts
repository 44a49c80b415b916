import { escapeHtml, htmlToPlainText } from '../text/html-text.ts';
import type { ShortcodeCall, ShortcodeContext } from './shortcode-context.ts';

const ACTION = /\{\{\s*([\s\S]*?)\s*\}\}/g;
const GET = /^\.Get\s+(?:(\d+)|"((?:[^"\\]|\\.)*)"|`([^`]*)`)$/;
const FILTERS = new Set(['markdownify', 'safeHTML', '.Page.RenderString', 'plainify', 'htmlEscape']);

/**
 * Renders a site shortcode template (`shortcodes/<name>.html`) written in the small part of Hugo's
 * template language that simple shortcodes use: `{{ .Get 0 }}`, `{{ .Get "name" }}`, `{{ .Inner }}`,
 * piped through `markdownify`, `.Page.RenderString`, `safeHTML`, `plainify` or `htmlEscape`, and
 * `{{/* comments *\/}}`. Values are HTML-escaped unless piped through `safeHTML`, as Hugo does;
 * the inner text is HTML already. Any other action (`if`, `with`, `range`…) renders as nothing,
 * with a warning, because guessing at logic would publish something the author did not write.
 * @param template - the template's text
 * @param call - the shortcode use, nested shortcodes expanded
 * @param context - markdown rendering and warnings
 * @returns the HTML (for `{{< >}}`) or markdown (for `{{% %}}`) the template produces
 */
export function renderSiteShortcode(
  template: string,
  call: ShortcodeCall,
  context: ShortcodeContext,
): string {
  let unsupported: string | undefined;
  // Hugo's trim markers `{{- ` and ` -}}` remove the white space beside an action.
  const trimmed = template.replace(/\s*\{\{-\s/g, '{{ ').replace(/\s-\}\}\s*/g, ' }}');
  const output = trimmed.replace(ACTION, (_whole, body: string) => {
    if (/^\/\*[\s\S]*\*\/$/.test(body)) return '';
    const [head = '', ...pipes] = body.split('|').map((part) => part.trim());
    if (!pipes.every((pipe) => FILTERS.has(pipe))) {
      unsupported ??= body;
      return '';
    }
    let value: string | undefined;
    let isHtml = false;
    const get = GET.exec(head);
    if (get !== null) {
      value =
        get[1] !== undefined
          ? call.args.positional[Number(get[1])]
          : call.args.named.get(get[2]?.replace(/\\(.)/g, '$1') ?? get[3] ?? '');
    } else if (head === '.Inner') {
      value = call.inner ?? '';
      isHtml = true;
    } else {
      unsupported ??= body;
      return '';
    }
    let text = value ?? '';
    for (const pipe of pipes) {
      if (pipe === 'markdownify' || pipe === '.Page.RenderString') {
        text = /\n\s*\n/.test(text) ? context.markdownify(text) : context.markdownifyInline(text);
        isHtml = true;
      } else if (pipe === 'safeHTML') isHtml = true;
      else if (pipe === 'plainify') {
        text = htmlToPlainText(text);
        isHtml = false;
      } else if (pipe === 'htmlEscape') {
        text = escapeHtml(text);
        isHtml = true;
      }
    }
    return isHtml ? text : escapeHtml(text);
  });
  if (unsupported !== undefined) {
    context.warn(
      `site shortcode ${call.name} uses {{ ${unsupported} }}, which Herald does not support: left out`,
    );
  }
  return output;
}
