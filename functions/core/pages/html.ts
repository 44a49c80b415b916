import { escapeHtml } from '../text/html-text.ts';

/** HTML that is already safe: interpolated as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Marks trusted HTML (sanitised post bodies, other templates) for interpolation as is. */
export function raw(value: string): Html {
  return new Html(value);
}

/**
 * A template of HTML in which every interpolated value is escaped, unless it is {@link Html};
 * arrays are joined, and undefined, null and false leave nothing.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

function render(value: unknown): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}
