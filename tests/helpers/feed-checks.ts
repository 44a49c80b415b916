import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';
import { validateXML } from 'xmllint-wasm';
import jsonFeedSchema from '../schemas/jsonfeed-1.1.schema.json' with { type: 'json' };
import { fixturePath } from './fixtures.ts';

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(ajv);
const validateJsonFeed = ajv.compile(jsonFeedSchema);

/** Errors of a JSON Feed document against the JSON Feed 1.1 schema; empty when valid. */
export function jsonFeedErrors(json: string): string[] {
  return validateJsonFeed(JSON.parse(json))
    ? []
    : (validateJsonFeed.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/**
 * XML 1.0 well-formedness with namespaces, checked by saxes, a conformant parser (fast-xml-parser's
 * validator accepts `<` in attribute values, NUL and a stray `]]>`): `true` or the first error.
 */
export function xmlWellFormed(xml: string): true | string {
  const parser = new SaxesParser({ xmlns: true });
  let first: string | undefined;
  parser.on('error', (error) => {
    first ??= error.message;
  });
  try {
    parser.write(xml).close();
  } catch (error) {
    first ??= String(error);
  }
  return first ?? true;
}

// RFC 4287 Appendix B in RELAX NG's XML syntax (converted from atom.rnc, the appendix verbatim, by
// trang): libxml2 reads only that syntax, and through xmllint-wasm it runs with Node alone.
const SCHEMA = { fileName: 'atom.rng', contents: readFileSync(fixturePath('../schemas/atom.rng'), 'utf8') };

/**
 * Validates Atom documents against the RFC 4287 RELAX NG schema with libxml2 (xmllint-wasm, an npm
 * package: no Java, no apt).
 * @returns libxml2's complaints, each with its document's index; empty when every document is valid
 */
export async function atomSchemaErrors(...documents: string[]): Promise<string[]> {
  const result = await validateXML({
    xml: documents.map((contents, i) => ({ fileName: `atom-${i}.xml`, contents })),
    schema: SCHEMA,
    extension: 'relaxng',
  });
  return result.errors.map((e) => e.rawMessage);
}

const RFC822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  cdataPropName: '#cdata',
  isArray: (name) =>
    ['item', 'entry', 'category', 'link', 'author', 'atom:link', 'dc:creator'].includes(name),
});

/** URLs in href/src/srcset/poster attributes that are not absolute. */
function relativeUrls(html: string): string[] {
  const found: string[] = [];
  for (const [, name, value = ''] of html.matchAll(/\s(href|src|poster|srcset)="([^"]*)"/g)) {
    const urls = name === 'srcset' ? value.split(/,\s+/).map((c) => c.split(/\s+/)[0] ?? '') : [value];
    for (const url of urls) if (!/^(https?:|mailto:|tel:)/.test(url)) found.push(url);
  }
  return found;
}

function text(node: unknown): string {
  if (Array.isArray(node)) return text(node[0]);
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (node && typeof node === 'object') {
    const n = node as Record<string, unknown>;
    return String(n['#cdata'] ?? n['#text'] ?? '');
  }
  return '';
}

/**
 * The rules of the W3C Feed Validation Service that Herald's RSS must pass: RFC 822 dates, an
 * `atom:link rel="self"` at the feed's own URL, unique guids, absolute URLs in HTML, titles as plain
 * text with `&` and `<` as hexadecimal references (not CDATA), `<author>` only as an e-mail address,
 * and enclosures with a positive length and a media type.
 * @returns every violation found; empty when the feed passes
 */
export function rssRuleViolations(xml: string, selfUrl: string): string[] {
  const problems: string[] = [];
  const channel = parser.parse(xml).rss?.channel;
  if (!channel) return ['no rss/channel'];
  const self = (channel['atom:link'] ?? []).find((l: Record<string, string>) => l['@rel'] === 'self');
  if (self?.['@href'] !== selfUrl) problems.push(`self link ${self?.['@href']} is not ${selfUrl}`);
  if (!RFC822.test(text(channel.lastBuildDate)))
    problems.push(`lastBuildDate ${text(channel.lastBuildDate)}`);
  for (const titleSource of xml.matchAll(/<title>([\s\S]*?)<\/title>/g)) {
    const raw = titleSource[1] ?? '';
    if (raw.includes('<![CDATA[')) problems.push(`title in CDATA: ${raw}`);
    if (/&(?!#x[0-9A-F]+;|gt;)/i.test(raw)) problems.push(`title with & not as a hex reference: ${raw}`);
  }
  const guids = new Set<string>();
  for (const item of channel.item ?? []) {
    const guid = text(item.guid);
    if (guids.has(guid)) problems.push(`duplicate guid ${guid}`);
    guids.add(guid);
    if (!/^https?:\/\//.test(text(item.link))) problems.push(`relative link ${text(item.link)}`);
    if (!RFC822.test(text(item.pubDate))) problems.push(`pubDate ${text(item.pubDate)}`);
    for (const author of item.author ?? []) {
      if (!/^[^\s@]+@[^\s@]+(\s+\(.+\))?$/.test(text(author)))
        problems.push(`author is not an e-mail: ${text(author)}`);
    }
    for (const html of [text(item.description), text(item['content:encoded'])]) {
      for (const url of relativeUrls(html)) problems.push(`relative URL in HTML: ${url}`);
      if (/<script|\son\w+=|javascript:/i.test(html)) problems.push('script in HTML');
    }
    const enclosure = item.enclosure;
    if (enclosure && !(Number(enclosure['@length']) > 0 && /^\w+\/[\w.+-]+$/.test(enclosure['@type']))) {
      problems.push(`enclosure length ${enclosure['@length']} type ${enclosure['@type']}`);
    }
  }
  return problems;
}

/**
 * The Atom rules beyond the schema that readers and the W3C validator rely on: a self link, RFC 3339
 * dates, unique ids, categories with a term, absolute URLs in HTML, and no tags in HTML titles.
 */
export function atomRuleViolations(xml: string, selfUrl: string): string[] {
  const problems: string[] = [];
  const feed = parser.parse(xml).feed;
  if (!feed) return ['no feed'];
  const self = (feed.link ?? []).find((l: Record<string, string>) => l['@rel'] === 'self');
  if (self?.['@href'] !== selfUrl) problems.push(`self link ${self?.['@href']} is not ${selfUrl}`);
  if (!RFC3339.test(text(feed.updated))) problems.push(`updated ${text(feed.updated)}`);
  if (!feed.author) problems.push('no feed author');
  const ids = new Set<string>();
  for (const entry of feed.entry ?? []) {
    const id = text(entry.id);
    if (ids.has(id)) problems.push(`duplicate id ${id}`);
    ids.add(id);
    if (!RFC3339.test(text(entry.updated)) || !RFC3339.test(text(entry.published)))
      problems.push(`dates of ${id}`);
    // A type="html" title with a tag in it is read as markup and the tag dropped; type="text" (the
    // default) is shown as written, tags included.
    const titleType = typeof entry.title === 'object' ? entry.title['@type'] : undefined;
    if (titleType === 'html' && /<\/?[a-z][^>]*>/i.test(text(entry.title)))
      problems.push(`HTML tag in title: ${text(entry.title)}`);
    for (const category of entry.category ?? [])
      if (!category['@term']) problems.push(`category without term in ${id}`);
    for (const html of [text(entry.summary), text(entry.content)]) {
      for (const url of relativeUrls(html)) problems.push(`relative URL in HTML: ${url}`);
    }
  }
  return problems;
}
