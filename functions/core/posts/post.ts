import type { Person } from '../config/site-config.ts';

/** A category or tag: the name as the author wrote it and the slug used in URLs. */
export interface Term {
  name: string;
  slug: string;
}

/**
 * What Herald knows of a post without rendering its body. Dates are ISO 8601 strings with offset so
 * that a post survives a round trip through JSON (the publish state stores them).
 */
export interface PostMeta {
  /** Key of the source file, e.g. `posts/2023/hello.md`. */
  source: string;
  slug: string;
  title: string;
  /** Site-relative path of the post's page, e.g. `/posts/hello/`. */
  path: string;
  /** Absolute URL of the post's page. */
  url: string;
  published: string;
  updated: string;
  /** Plain text. */
  summary: string;
  categories: Term[];
  tags: Term[];
  /** Hugo's `series`: a taxonomy with its own pages, when a post names one. */
  series?: Term[];
  /**
   * Site paths of old URLs that redirect to the post (Hugo's `aliases`), e.g. `/2019/old-name/`;
   * never listed in feeds, sitemaps or archives.
   */
  aliases?: string[];
  /** ISO 8601: when the post leaves the site (Hugo's `expiryDate`); absent when it never does. */
  expires?: string;
  /** The body links to other posts (`ref`, `relref`, `link`, `post_url`): it fails when they are gone. */
  linksToPosts?: boolean;
  authors: Person[];
  /** Absolute URL. */
  image?: string;
  draft: boolean;
  /**
   * A Hugo headless bundle (`headless: true`, or `build: { render: never }`): not a post, never
   * published, and not counted as a draft either.
   */
  headless?: true;
}

/** A post read and validated, its markdown body not yet rendered (most posts never need it). */
export interface ParsedPost extends PostMeta {
  /** Markdown as written: normalised (line endings, characters XML forbids) when rendered. */
  body: string;
  /** The post's front matter says `math: true`: its formulas are rendered. */
  math?: boolean;
}

/** A post ready for a feed, a page or an e-mail. */
export interface Post extends PostMeta {
  /** Sanitised HTML with absolute URLs. */
  contentHtml: string;
}
