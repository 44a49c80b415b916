import type { RefResolver } from '../shortcodes/shortcode-context.ts';

const EXTENSIONS = ['', '.md', '.markdown', '/index.md', '/_index.md'];

/**
 * Finds posts the way Hugo's `ref` does: a path from the content root (`/posts/hello.md`), a path
 * beside the linking post (`hello.md`), or, failing both, a file or bundle name that only one post
 * has (`hello`). Jekyll's `post_url 2023-05-01-hello` and `link _posts/2023-05-01-hello.md` are
 * found by name too.
 */
export class RefIndex implements RefResolver {
  private readonly bySource = new Map<string, string>();
  private readonly byName = new Map<string, string[]>();

  /** @param posts - every post that may be linked to: its source key and absolute URL */
  constructor(posts: Iterable<{ source: string; url: string }>) {
    for (const { source, url } of posts) {
      this.bySource.set(source, url);
      const name = nameOf(source);
      this.byName.set(name, [...(this.byName.get(name) ?? []), url]);
    }
  }

  /** @inheritdoc */
  resolve(target: string, from: string): string | undefined {
    const path = target.trim().replace(/^\.\//, '');
    if (path === '') return undefined;
    const candidates: string[] = [];
    if (!path.startsWith('/')) candidates.push(joinPath(from.slice(0, from.lastIndexOf('/') + 1), path));
    candidates.push(path.replace(/^\/+/, ''));
    for (const candidate of candidates) {
      for (const extension of EXTENSIONS) {
        const url = this.bySource.get(`${candidate.replace(/\/$/, '')}${extension}`);
        if (url !== undefined) return url;
      }
    }
    const found = this.byName.get(nameOf(path));
    return found?.length === 1 ? found[0] : undefined;
  }
}

/** `posts/2023/hello.md` and `posts/hello/index.md` are both named `hello`. */
function nameOf(path: string): string {
  const parts = path
    .replace(/\/+$/, '')
    .replace(/\.(md|markdown)$/i, '')
    .split('/');
  const last = parts.pop() ?? '';
  return (/^_?index$/i.test(last) ? (parts.pop() ?? '') : last).toLowerCase();
}

function joinPath(dir: string, relative: string): string {
  const out: string[] = [];
  for (const part of `${dir}${relative}`.split('/')) {
    if (part === '..') out.pop();
    else if (part !== '.' && part !== '') out.push(part);
  }
  return out.join('/');
}
