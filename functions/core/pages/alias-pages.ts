import type { SiteConfig } from '../config/site-config.ts';
import { compareText } from '../site/order.ts';
import { ownerOf } from '../site/post-entry.ts';
import { html } from './html.ts';

/** What alias pages need of a published post. */
export interface AliasSource {
  source: string;
  /** The post's own site path. */
  path: string;
  /** Old site paths that should redirect to it. */
  aliases?: string[] | undefined;
}

/** One redirect page: the old path and the post it sends readers to. */
export interface Redirect {
  /** Site path of the old URL, e.g. `/2019/old-name/`. */
  path: string;
  /** The post's source and site path. */
  source: string;
  target: string;
}

/** An alias not written because a post, or another post's alias, has that URL. */
export interface AliasCollision {
  alias: string;
  /** The post whose alias was dropped. */
  file: string;
  /** The post that keeps the URL: its own page, or its alias. */
  winner: string;
  /** True when the winner's own page is at that URL. */
  real: boolean;
}

/**
 * Decides every redirect page of the site. A real post's page always wins its URL; of several
 * aliases at one URL, the post {@link ownerOf} picks keeps it (the ownership rule of posts). The
 * rest are collisions, which the caller reports naming both files.
 * @param published - posts on the site now (drafts, scheduled and expired posts have no aliases)
 * @returns redirects in path order, and collisions in file order
 */
export function planAliases(published: readonly AliasSource[]): {
  redirects: Redirect[];
  collisions: AliasCollision[];
} {
  const real = new Map(published.map((post) => [pageFile(post.path), post.source] as const));
  const claims = new Map<string, { alias: string; post: AliasSource }[]>();
  for (const post of published)
    for (const alias of post.aliases ?? []) {
      const file = pageFile(alias);
      claims.set(file, [...(claims.get(file) ?? []), { alias, post }]);
    }
  const redirects: Redirect[] = [];
  const collisions: AliasCollision[] = [];
  for (const [file, claimants] of claims) {
    const page = real.get(file);
    const owner = page ?? ownerOf(claimants.map((c) => c.post.source));
    for (const { alias, post } of claimants) {
      if (page === undefined && post.source === owner)
        redirects.push({ path: alias, source: post.source, target: post.path });
      else if (post.source !== page)
        collisions.push({ alias, file: post.source, winner: owner ?? '', real: page !== undefined });
    }
  }
  redirects.sort((a, b) => compareText(a.path, b.path));
  collisions.sort((a, b) => compareText(a.file, b.file) || compareText(a.alias, b.alias));
  return { redirects, collisions };
}

/**
 * The reason an alias was dropped, for the author of the post that lost it.
 * @param collision - from {@link planAliases}
 */
export function collisionReason(collision: AliasCollision): string {
  return collision.real
    ? `${collision.alias} is the URL of ${collision.winner}; alias ignored`
    : `${collision.alias} is already an alias of ${collision.winner}; alias ignored`;
}

/**
 * The redirect page at an old URL, as Hugo writes it (its alias template): a canonical link to the
 * post, `noindex` so that search engines list the post instead, and an immediate refresh.
 * @param target - the post's absolute URL
 */
export function aliasPage(site: Pick<SiteConfig, 'language'>, target: string): string {
  return html`<!DOCTYPE html><html lang="${site.language}"><head><title>${target}</title><link rel="canonical" href="${target}"><meta name="robots" content="noindex"><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${target}"></head></html>`.toString();
}

/** `/a/` and `/a/index.html` are one file. */
function pageFile(path: string): string {
  return path.endsWith('/') ? `${path}index.html` : path;
}
