import { createRequire } from 'node:module';
import type { MathRenderer } from '../core/posts/math-syntax.ts';

type Temml = typeof import('temml');

let temml: Temml | undefined;

/**
 * Renders TeX to MathML with temml, which browsers and most feed readers display without fonts or
 * scripts. temml is 170 KB, more than the rest of the publish function can spare in its 1 MB
 * bundle, and few posts hold formulas: it is required on first use only, from node_modules (the
 * deployed function ships it beside the bundle, see infra/handler-bundling.ts).
 * @throws Error when the TeX does not parse; the renderer shows it as written, with a warning
 */
export const texToMathml: MathRenderer = (tex, display) => {
  temml ??= createRequire(import.meta.url)('temml') as Temml;
  return temml.renderToString(tex, {
    displayMode: display,
    throwOnError: true,
    trust: false,
    annotate: true,
  });
};
