import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DefaultTreeAdapterMap, parse } from 'parse5';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { FsBlobStore } from '../../functions/adapters/fs-blob-store.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { buildSite } from '../../functions/app/build-site.ts';

const CONTENT = fileURLToPath(new URL('../../content', import.meta.url));
const BASE = 'https://fieldnotes.example.org/';
const out = mkdtempSync(join(tmpdir(), 'herald-site-'));

type Node = DefaultTreeAdapterMap['node'];

function htmlFiles(folder: string, prefix = ''): string[] {
  return readdirSync(join(folder, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? htmlFiles(folder, `${prefix}${e.name}/`)
      : e.name.endsWith('.html')
        ? [`${prefix}${e.name}`]
        : [],
  );
}

/** Every URL a page refers to, from href, src, srcset and poster attributes. */
function references(node: Node, found: string[] = []): string[] {
  if ('attrs' in node) {
    for (const attr of node.attrs) {
      if (['href', 'src', 'poster'].includes(attr.name)) found.push(attr.value);
      if (attr.name === 'srcset')
        found.push(...attr.value.split(/,\s+/).map((c) => c.trim().split(/\s+/)[0] ?? ''));
    }
  }
  if ('childNodes' in node) for (const child of node.childNodes) references(child, found);
  if ('content' in node && node.content) references(node.content as Node, found);
  return found;
}

/** The file a URL inside the site is served from, as CloudFront and local mode map it. */
function fileOf(url: string): string {
  const path = decodeURIComponent(new URL(url).pathname).slice(new URL(BASE).pathname.length);
  if (path === '' || path.endsWith('/')) return `${path}index.html`;
  return path.split('/').pop()?.includes('.') ? path : `${path}/index.html`;
}

beforeAll(async () => {
  const report = await buildSite({
    content: new FsBlobStore(CONTENT),
    output: new FsBlobStore(out),
    clock: fixedClock(new Date('2025-01-01T00:00:00Z')),
    log: silentLogger,
  });
  expect(report.failed).toEqual([]);
});

describe('the sample site as built', () => {
  it('has only well-formed pages', () => {
    const files = htmlFiles(out);
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const errors: string[] = [];
      parse(readFileSync(join(out, file), 'utf8'), { onParseError: (e) => errors.push(e.code) });
      expect([file, errors]).toEqual([file, []]);
    }
  });

  it('has no broken internal link, image or feed item link', () => {
    const broken: string[] = [];
    for (const file of htmlFiles(out)) {
      const document = parse(readFileSync(join(out, file), 'utf8'));
      for (const url of references(document as Node)) {
        if (url.startsWith('#') || url.startsWith('mailto:')) continue;
        expect([file, url]).toEqual([file, expect.stringMatching(/^https?:\/\//)]);
        if (!url.startsWith(BASE)) continue;
        if (!existsSync(join(out, fileOf(url)))) broken.push(`${file} -> ${url}`);
      }
    }
    const feed = JSON.parse(readFileSync(join(out, 'feed.json'), 'utf8')) as { items: { url: string }[] };
    for (const item of feed.items)
      if (!existsSync(join(out, fileOf(item.url)))) broken.push(`feed.json -> ${item.url}`);
    expect(broken).toEqual([]);
  });
});
