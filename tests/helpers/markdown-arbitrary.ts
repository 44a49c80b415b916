import fc from 'fast-check';

// Markdown built from pieces that break renderers and sanitisers: hostile URLs in every link form,
// markup, entities, control characters, raw HTML, shortcodes and math delimiters.

// URLs an attacker would try, in every spelling the sanitiser must catch, and ordinary ones.
const URLS = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'java\nscript:alert(1)',
  'java%09script:alert(1)',
  '&#106;avascript:alert(1)',
  '&#x6A;avascript&#58;alert(1)',
  'jav&#x09;ascript:alert(1)',
  'javascript&colon;alert(1)',
  '\u0001javascript:alert(1)',
  'vbscript:msgbox(1)',
  'VBScript:x',
  'data:text/html,<script>alert(1)</script>',
  'data:image/png;base64,iVBORw0KGgo=',
  'data:image/svg+xml,<svg onload=alert(1)>',
  'file:///etc/passwd',
  'ftp://example.org/x',
  '//evil.example/x',
  '\\\\evil.example\\x',
  '/\\evil.example',
  'http://[::1]/',
  'http://exa mple.org/',
  'http://%zz/',
  'https://x.example/a"b<c>d\'e&f',
  'https://x.example/<!--x-->',
  'java<!-- -->script:alert(1)',
  'mailto:a@example.org',
  'MAILTO:a@example.org?subject=<x>',
  'tel:+44 1865',
  'https://example.org/a b',
  'other/',
  '../img.png',
  '/root?q=1&r=2',
  '#part',
  '?only=query',
  '',
  ' ',
  '<>',
  '<javascript:alert(1)>',
  '%6a%61vascript:alert(1)',
  'https://例え.テスト/パス',
  'https://xn--r8jz45g.xn--zckzah/',
];

const TEXT = [
  // Links linkify-it may find in the text but not in the source, or the other way round.
  'example&#46;com',
  'http\\://x.com',
  'www&#46;x.com',
  '\\www.x.com',
  'a@b&#46;org',
  'http&#58;//x.org',
  'x.com',
  'localhost:80',
  '`www.x.com`',
  '\\`www.x.com\\`',
  '*www.x.com*',
  'https://x.org/*a*',
  '1.2.3.4',
  'e.g. a.bc',

  'word',
  'two words',
  '<',
  '>',
  '&',
  '&amp;',
  '&#0;',
  '&#106;',
  '&nbsp;',
  '&copy;',
  '&bogus;',
  '"',
  "'",
  '`',
  '\\',
  '*',
  '_',
  '~~',
  '[',
  ']',
  '(',
  ')',
  '!',
  ':',
  '|',
  '--',
  '...',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '</p>',
  '<!-- c -->',
  ']]>',
  '\u0000',
  '\u0008',
  '\u000b',
  '\u000c',
  '\u001f',
  '\u007f',
  '\u00a0',
  '\u2028',
  '\ufeff',
  '\ud800',
  '\ufffe',
  '😀',
  'https://example.org/bare',
  'www.example.com',
  'http://x.example/"onmouseover="alert(1)',
  'mail@example.org',
  'javascript:alert(1)',
  'heraldcode0z',
  '{{< youtube x >}}',
  '$$x$$',
  '\\(a\\)',
  '\\[b\\]',
  '[^1]',
  '[^n]',
  '^[inline note]',
];

const url = fc.constantFrom(...URLS);
const text = fc.oneof(
  fc.constantFrom(...TEXT),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const words = fc.array(text, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(' '));
const title = fc.oneof(
  fc.constant(''),
  words.map((t) => ` "${t.replace(/"/g, '')}"`),
  words.map((t) => ` '${t.replace(/'/g, '')}'`),
  fc.constant(' "a <b> & \'c\'"'),
);

const inline: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: words },
  words.map((t) => `*${t}*`),
  words.map((t) => `**${t}**`),
  words.map((t) => `~~${t}~~`),
  words.map((t) => `\`${t.replace(/`/g, '')}\``),
  fc.tuple(words, url, title).map(([t, u, tt]) => `[${t}](${u}${tt})`),
  fc.tuple(words, url, title).map(([t, u, tt]) => `[${t}](<${u}>${tt})`),
  fc.tuple(words, url, title).map(([t, u, tt]) => `![${t}](${u}${tt})`),
  fc.tuple(words, url).map(([t, u]) => `[![${t}](${u})](${u})`),
  fc.tuple(words, fc.constantFrom('ref', 'img', 'missing')).map(([t, r]) => `[${t}][${r}]`),
  fc.constantFrom('![pic][img]', '[ref]', '[ref][]'),
  url.map((u) => `<${u}>`),
  url.map((u) => ` ${u} `),
  fc.constantFrom('[^1]', '[^n]', '^[inline *note*]', '  \n', '\\\n', '\n'),
  fc.constantFrom(
    '<b>bold</b>',
    '<span title="x">s</span>',
    '<a href="javascript:alert(1)">x</a>',
    // What the task-list plugin writes, typed by an author.
    '<input class="task-list-item-checkbox" disabled="" type="checkbox">',
    '<input class="task-list-item-checkbox" checked="" disabled="" type="checkbox">',
  ),
);
const line = fc.array(inline, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));

const block: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: line },
  fc.tuple(fc.integer({ min: 1, max: 6 }), line).map(([n, l]) => `${'#'.repeat(n)} ${l.replace(/\n/g, ' ')}`),
  fc.tuple(line, fc.constantFrom('===', '---')).map(([l, u]) => `${l.replace(/\n/g, ' ')}\n${u}`),
  fc.array(line, { minLength: 1, maxLength: 3 }).map((items) => items.map((i) => `- ${i}`).join('\n')),
  fc
    .tuple(fc.integer({ min: 0, max: 12 }), fc.array(line, { minLength: 1, maxLength: 3 }))
    .map(([start, items]) => items.map((i, n) => `${start + n}. ${i}`).join('\n')),
  fc
    .array(line, { minLength: 1, maxLength: 2 })
    .map((items) => items.map((i) => `- ${i}\n\n  - nested ${i}`).join('\n')),
  fc
    .array(fc.tuple(fc.constantFrom('[ ] ', '[x] ', '[X] ', '[]', '[y] ', ''), line), {
      minLength: 1,
      maxLength: 3,
    })
    .map((items) => items.map(([box, l]) => `- ${box}${l}`).join('\n')),
  line.map((l) => `> ${l}\n>\n> > ${l}`),
  fc
    .tuple(fc.constantFrom('', 'js', 'go', 'unknown-lang', 'js" onclick="x', '<x>', 'a&b'), words)
    .map(([lang, code]) => `\`\`\`${lang}\n${code}\n\`\`\``),
  words.map((w) => `    ${w.replace(/\n/g, ' ')}`),
  fc
    .tuple(fc.constantFrom('---', ':---', '---:', ':---:'), words, words)
    .map(
      ([align, a, b]) =>
        `| ${a.replace(/[|\n]/g, ' ')} | h |\n| ${align} | --- |\n| ${b.replace(/[|\n]/g, ' ')} | |`,
    ),
  fc.tuple(words, line).map(([t, d]) => `${t.replace(/\n/g, ' ')}\n: ${d.replace(/\n/g, ' ')}`),
  fc.constant('***'),
  fc.tuple(url, title).map(([u, t]) => `[ref]: ${u === '' ? '<>' : u.replace(/\s/g, '%20')}${t}`),
  fc.tuple(url, title).map(([u, t]) => `[img]: <${u}>${t}`),
  line.map((l) => `[^n]: ${l}`),
  line.map((l) => `[^1]: ${l}\n\n    more ${l}`),
  fc.constantFrom('$$\n\\frac{1}{2}\n$$', '<div>raw</div>', '<!-- comment -->', '<script>alert(1)</script>'),
  fc.constantFrom('{{< figure src="javascript:alert(1)" >}}', '{{% note %}}*x*{{% /note %}}'),
);
/** Markdown documents of a few blocks, built from the pieces above. */
export const markdownDocument = fc
  .array(block, { minLength: 1, maxLength: 6 })
  .map((blocks) => blocks.join('\n\n'));
