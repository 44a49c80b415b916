import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DefaultTreeAdapterMap, parse } from 'parse5';

// Checks that a built site's pages and feed items point at files the build wrote.

type Node = DefaultTreeAdapterMap['node'];

/** Every `.html` file under a folder, relative to it. */
export function htmlFiles(folder: string, prefix = ''): string[] {
  return readdirSync(join(folder, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? htmlFiles(folder, `${prefix}${e.name}/`)
      : e.name.endsWith('.html')
        ? [`${prefix}${e.name}`]
        : [],
  );
}

/** Every URL a page refers to, from href, src, srcset and poster attributes. */
export function references(node: Node, found: string[] = []): string[] {
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
export function fileOf(url: string, base: string): string {
  const path = decodeURIComponent(new URL(url).pathname).slice(new URL(base).pathname.length);
  if (path === '' || path.endsWith('/')) return `${path}index.html`;
  return path.split('/').pop()?.includes('.') ? path : `${path}/index.html`;
}

/**
 * Links, images and feed items of a built site that point inside it at no written file.
 * @param out - the output folder
 * @param base - the site's base URL
 * @param onReference - sees every reference found in a page (to assert more of them)
 * @returns `page -> url` for each broken one
 */
export function brokenLinks(
  out: string,
  base: string,
  onReference: (file: string, url: string) => void = () => {},
): string[] {
  const broken: string[] = [];
  for (const file of htmlFiles(out)) {
    const document = parse(readFileSync(join(out, file), 'utf8'));
    for (const url of references(document as Node)) {
      if (url.startsWith('#') || url.startsWith('mailto:')) continue;
      onReference(file, url);
      if (!url.startsWith(base)) continue;
      if (!existsSync(join(out, fileOf(url, base)))) broken.push(`${file} -> ${url}`);
    }
  }
  const feed = JSON.parse(readFileSync(join(out, 'feed.json'), 'utf8')) as {
    items: { url: string; image?: string }[];
  };
  for (const item of feed.items)
    for (const url of [item.url, item.image])
      if (url?.startsWith(base) && !existsSync(join(out, fileOf(url, base))))
        broken.push(`feed.json -> ${url}`);
  return broken;
}
