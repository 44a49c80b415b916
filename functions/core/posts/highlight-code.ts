import bash from '@speed-highlight/core/languages/bash.js';
import c from '@speed-highlight/core/languages/c.js';
import css from '@speed-highlight/core/languages/css.js';
import diff from '@speed-highlight/core/languages/diff.js';
import docker from '@speed-highlight/core/languages/docker.js';
import go from '@speed-highlight/core/languages/go.js';
import html from '@speed-highlight/core/languages/html.js';
import http from '@speed-highlight/core/languages/http.js';
import ini from '@speed-highlight/core/languages/ini.js';
import java from '@speed-highlight/core/languages/java.js';
import js from '@speed-highlight/core/languages/js.js';
import jsdoc from '@speed-highlight/core/languages/jsdoc.js';
import json from '@speed-highlight/core/languages/json.js';
import lua from '@speed-highlight/core/languages/lua.js';
import make from '@speed-highlight/core/languages/make.js';
import md from '@speed-highlight/core/languages/md.js';
import py from '@speed-highlight/core/languages/py.js';
import regex from '@speed-highlight/core/languages/regex.js';
import rs from '@speed-highlight/core/languages/rs.js';
import sql from '@speed-highlight/core/languages/sql.js';
import todo from '@speed-highlight/core/languages/todo.js';
import toml from '@speed-highlight/core/languages/toml.js';
import ts from '@speed-highlight/core/languages/ts.js';
import xml from '@speed-highlight/core/languages/xml.js';
import yaml from '@speed-highlight/core/languages/yaml.js';
import { type ShjLanguageData, type ShjToken, tokenizeWith } from '@speed-highlight/core/tokenize';
import { escapeHtml } from '../text/html-text.ts';

// Grammars are a few hundred bytes each (30 KB for all), so the common ones are bundled and none is
// loaded at run time; `todo`, `jsdoc` and `regex` are embedded by others.
const LANGUAGES = {
  bash,
  c,
  css,
  diff,
  docker,
  go,
  html,
  http,
  ini,
  java,
  js,
  jsdoc,
  json,
  lua,
  make,
  md,
  py,
  regex,
  rs,
  sql,
  todo,
  toml,
  ts,
  xml,
  yaml,
};

// The names authors put on fences (Hugo's Chroma names among them), to the grammar that reads them.
const ALIASES: Record<string, keyof typeof LANGUAGES> = {
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  console: 'bash',
  shellsession: 'bash',
  'c++': 'c',
  cpp: 'c',
  h: 'c',
  hpp: 'c',
  dockerfile: 'docker',
  golang: 'go',
  htm: 'html',
  xhtml: 'html',
  'go-html-template': 'html',
  javascript: 'js',
  jsx: 'js',
  mjs: 'js',
  cjs: 'js',
  typescript: 'ts',
  tsx: 'ts',
  python: 'py',
  python3: 'py',
  rust: 'rs',
  markdown: 'md',
  makefile: 'make',
  yml: 'yaml',
  svg: 'xml',
  patch: 'diff',
  jsonc: 'json',
  cfg: 'ini',
  conf: 'ini',
  scss: 'css',
  less: 'css',
  kotlin: 'java',
  scala: 'java',
  csharp: 'java',
  'c#': 'java',
};

/**
 * Colours of GitHub's light theme, written inline because feed readers and e-mail clients drop
 * stylesheets; post pages switch them to dark ones in dark mode (see the theme's `.hl-` rules).
 */
const LIGHT: Record<ShjToken, string> = {
  kwd: 'color:#cf222e',
  err: 'color:#cf222e',
  str: 'color:#0a3069',
  esc: 'color:#0a3069',
  cmnt: 'color:#6e7781;font-style:italic',
  num: 'color:#0550ae',
  bool: 'color:#0550ae',
  type: 'color:#0550ae',
  oper: 'color:#0550ae',
  section: 'color:#0550ae',
  func: 'color:#8250df',
  class: 'color:#953800',
  var: 'color:#953800',
  insert: 'color:#116329',
  deleted: 'color:#82071e',
};

/** Colours of the code block itself, inline for the same reason. */
export const CODE_BLOCK_STYLE = 'background:#f6f8fa;color:#1f2328';

/**
 * Whether Herald highlights code in a language.
 * @param language - a fence's or shortcode's language name, any case
 */
export function canHighlight(language: string): boolean {
  return grammarName(language) !== undefined;
}

/**
 * Renders code as a block with inline colours: no stylesheet or script is needed to show them.
 * The result carries `style` attributes, so it goes into a body after sanitising, which removes
 * authors' styles; everything in it is escaped text or a colour from the table above.
 * @param code - the code as written
 * @param language - its language; one Herald has no grammar for gives an uncoloured block
 */
export function highlightCode(code: string, language: string): string {
  const name = grammarName(language);
  const label = language.toLowerCase().replace(/[^\w+#.-]/g, '');
  const open = `<pre class="highlight" style="${CODE_BLOCK_STYLE}"><code${label === '' ? '' : ` class="language-${label}"`}>`;
  const text = code.endsWith('\n') ? code : `${code}\n`;
  if (name === undefined) return `${open}${escapeHtml(text)}</code></pre>`;
  let out = '';
  tokenizeWith(
    text,
    name,
    (part, type) => {
      if (part === '') return;
      out +=
        type === undefined
          ? escapeHtml(part)
          : `<span class="hl-${type}" style="${LIGHT[type]}">${escapeHtml(part)}</span>`;
    },
    // The grammars' declarations predate exactOptionalPropertyTypes; they are the library's own data.
    { languages: LANGUAGES as unknown as Record<string, ShjLanguageData> },
  );
  return `${open}${out}</code></pre>`;
}

function grammarName(language: string): keyof typeof LANGUAGES | undefined {
  const key = language.trim().toLowerCase();
  if (Object.hasOwn(ALIASES, key)) return ALIASES[key];
  return Object.hasOwn(LANGUAGES, key) && key !== 'todo' && key !== 'jsdoc'
    ? (key as keyof typeof LANGUAGES)
    : undefined;
}
