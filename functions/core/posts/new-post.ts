import { DateTime } from 'luxon';
import type { SiteConfig } from '../config/site-config.ts';
import { toSlug } from '../text/slug.ts';
import { FrontMatterFields } from './field-values.ts';
import { splitFrontMatter } from './front-matter.ts';

/** How a site's posts are written, so that a new one looks like its neighbours. */
export interface PostStyle {
  format: 'yaml' | 'toml' | 'json';
  /** The date field the site uses (`date`, `postdate`, …), as its posts spell it. */
  dateField: string;
  /** `posts/<slug>.md`, `posts/<year>/<slug>.md`, or a page bundle `posts/<slug>/index.md`. */
  layout: 'flat' | 'year' | 'bundle';
  extension: '.md' | '.markdown';
  /** Whether most posts list categories (then the new one gets an empty list to fill in). */
  categories: boolean;
}

const DATE_FIELDS = ['date', 'postdate', 'publishDate', 'pubDate', 'published'];

/** The style of a site without posts: Hugo's defaults. */
export const DEFAULT_STYLE: PostStyle = {
  format: 'yaml',
  dateField: 'date',
  layout: 'flat',
  extension: '.md',
  categories: false,
};

/**
 * Works out how a site writes its posts from a sample of them: the most common front matter
 * format, date field, folder layout and extension. Unreadable samples are skipped.
 * @param samples - post files: key (`posts/…`) and text
 */
export function postStyleOf(samples: readonly { key: string; text: string }[]): PostStyle {
  if (samples.length === 0) return DEFAULT_STYLE;
  const formats = new Tally<PostStyle['format']>();
  const dateFields = new Tally<string>();
  const layouts = new Tally<PostStyle['layout']>();
  const extensions = new Tally<PostStyle['extension']>();
  let withCategories = 0;
  for (const { key, text } of samples) {
    const body = text.replace(/^\uFEFF/, '');
    formats.add(body.startsWith('+++') ? 'toml' : body.startsWith('{') ? 'json' : 'yaml');
    extensions.add(key.toLowerCase().endsWith('.markdown') ? '.markdown' : '.md');
    layouts.add(
      /\/index\.(md|markdown)$/i.test(key) ? 'bundle' : /^posts\/\d{4}\/[^/]+$/.test(key) ? 'year' : 'flat',
    );
    try {
      const fields = new FrontMatterFields(splitFrontMatter(body).data);
      const date = fields.find(DATE_FIELDS);
      if (date) dateFields.add(date.key);
      if (fields.find(['categories', 'category'])) withCategories++;
    } catch {
      // A post with broken front matter says nothing about the site's style.
    }
  }
  return {
    format: formats.top() ?? DEFAULT_STYLE.format,
    dateField: dateFields.top() ?? DEFAULT_STYLE.dateField,
    layout: layouts.top() ?? DEFAULT_STYLE.layout,
    extension: extensions.top() ?? DEFAULT_STYLE.extension,
    categories: withCategories * 2 >= samples.length,
  };
}

/**
 * Writes a new draft post in the site's style: title, date (now, in the site's timezone, with its
 * offset so it reads the same anywhere), slug and `draft: true`.
 * @param input.slug - the URL slug; by default made from the title
 * @returns the key to write it at and its text
 * @throws RangeError when neither the title nor the slug has a letter or digit to make a URL from
 */
export function newPost(input: {
  title: string;
  slug?: string;
  now: Date;
  site: Pick<SiteConfig, 'timezone'>;
  style: PostStyle;
}): { key: string; text: string } {
  const { style } = input;
  const title = input.title.replace(/\s+/g, ' ').trim();
  const slug = toSlug(input.slug ?? title);
  if (slug === '') throw new RangeError('has no letters or digits to make a URL from');
  const when = DateTime.fromJSDate(input.now, { zone: input.site.timezone });
  const date = when.startOf('second').toISO({ suppressMilliseconds: true }) ?? input.now.toISOString();
  const fields: [string, Value][] = [
    ['title', title],
    // Written bare, as Hugo writes them: a date with its offset is a TOML date-time literal and a
    // string to Herald's YAML reader; in YAML a slug of letters, digits and dashes needs no quotes.
    [style.dateField, { bare: date }],
    ['slug', style.format === 'yaml' && /^[a-z][a-z0-9-]*$/.test(slug) ? { bare: slug } : slug],
    ...(style.categories ? [['categories', []] as [string, Value]] : []),
    ['draft', true],
  ];
  const folder =
    style.layout === 'bundle'
      ? `posts/${slug}/index`
      : style.layout === 'year'
        ? `posts/${when.toFormat('yyyy')}/${slug}`
        : `posts/${slug}`;
  return { key: `${folder}${style.extension}`, text: `${frontMatter(fields, style.format)}\n` };
}

// JSON strings are valid double-quoted scalars in YAML and basic strings in TOML (once lone
// surrogates, which neither allows, are gone), so one quoting serves all three formats.
function quoted(value: string): string {
  return JSON.stringify(value.replace(/[\uD800-\uDFFF]/g, (c, i, s: string) => (isPaired(s, i) ? c : '')));
}

function isPaired(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  return code < 0xdc00
    ? (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    : (text.charCodeAt(i - 1) & 0xfc00) === 0xd800;
}

type Value = string | boolean | string[] | { bare: string };

function frontMatter(fields: [string, Value][], format: PostStyle['format']): string {
  const value = (v: Value): string =>
    typeof v === 'boolean'
      ? String(v)
      : Array.isArray(v)
        ? `[${v.map(quoted).join(', ')}]`
        : typeof v === 'string'
          ? quoted(v)
          : format === 'json'
            ? quoted(v.bare)
            : v.bare;
  if (format === 'json')
    return `{\n${fields.map(([k, v]) => `  ${JSON.stringify(k)}: ${value(v)}`).join(',\n')}\n}\n`;
  if (format === 'toml') return `+++\n${fields.map(([k, v]) => `${k} = ${value(v)}`).join('\n')}\n+++\n`;
  return `---\n${fields.map(([k, v]) => `${k}: ${value(v)}`).join('\n')}\n---\n`;
}

class Tally<T> {
  private readonly counts = new Map<T, number>();
  add(value: T): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }
  /** The most frequent value; ties go to the first seen. */
  top(): T | undefined {
    let best: [T, number] | undefined;
    for (const entry of this.counts) if (best === undefined || entry[1] > best[1]) best = entry;
    return best?.[0];
  }
}
