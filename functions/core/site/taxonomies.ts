import { describeCategory } from '../config/category-pages.ts';
import type { PostMeta, Term } from '../posts/post.ts';
import { toSlug } from '../text/slug.ts';
import { compareText } from './order.ts';

/**
 * Hugo's taxonomies Herald publishes: each term gets a list page and feeds under
 * `<taxonomy>/<slug>/`. Categories come first: they are what readers subscribe to by e-mail.
 */
export const TAXONOMIES = ['categories', 'tags', 'series'] as const;
export type Taxonomy = (typeof TAXONOMIES)[number];

/**
 * How a term's pages and feeds describe it: a category from its `_index.md` when it has one, a tag
 * or series in Herald's words.
 * @returns the heading of its pages, their description, and whether that came from the author
 */
export function describeTerm(
  site: Parameters<typeof describeCategory>[0],
  taxonomy: Taxonomy,
  term: Term,
): { heading: string; description: string; written: boolean } {
  if (taxonomy === 'categories') return describeCategory(site, term);
  const description =
    taxonomy === 'tags'
      ? `Posts tagged ${term.name} from ${site.title}`
      : `The ${term.name} series from ${site.title}`;
  return { heading: term.name, description, written: false };
}

/** The folder of a term's pages and feeds: `tags/go/`. */
export function termFolder(taxonomy: Taxonomy, slug: string): string {
  return `${taxonomy}/${slug}/`;
}

/** The taxonomy and slug of a term's folder, or undefined for any other folder. */
export function folderTerm(folder: string): { taxonomy: Taxonomy; slug: string } | undefined {
  const match = /^([a-z]+)\/([^/]+)\/$/.exec(folder);
  const taxonomy = TAXONOMIES.find((t) => t === match?.[1]);
  return taxonomy === undefined || match?.[2] === undefined ? undefined : { taxonomy, slug: match[2] };
}

/** A post's terms of one taxonomy. */
export function termsOf(
  post: Pick<PostMeta, 'categories' | 'tags'> & { series?: Term[] | undefined },
  taxonomy: Taxonomy,
): Term[] {
  return taxonomy === 'categories' ? post.categories : taxonomy === 'tags' ? post.tags : (post.series ?? []);
}

/** Terms from names as an entry keeps them, one per slug. */
export function termsNamed(names: readonly string[] | undefined): Term[] {
  const terms = new Map<string, Term>();
  for (const name of names ?? []) {
    const slug = toSlug(name);
    if (slug !== '' && !terms.has(slug)) terms.set(slug, { name, slug });
  }
  return [...terms.values()];
}

/**
 * Groups published posts by the terms of one taxonomy, each group newest first. A term written in
 * several cases or spellings with one slug ("writing", "Writing") is one term, named as its newest
 * post spells it: the rule incremental runs can follow from the feed heads alone.
 * @param published - newest first
 * @returns terms by slug, in slug order
 */
export function byTerm<P extends Pick<PostMeta, 'categories' | 'tags'> & { series?: Term[] | undefined }>(
  published: readonly P[],
  taxonomy: Taxonomy,
): Map<string, { term: Term; posts: P[] }> {
  const groups = new Map<string, { term: Term; posts: P[] }>();
  for (const post of published) {
    for (const term of termsOf(post, taxonomy)) {
      const group = groups.get(term.slug) ?? { term, posts: [] };
      group.posts.push(post);
      groups.set(term.slug, group);
    }
  }
  return new Map([...groups].sort(([a], [b]) => compareText(a, b)));
}

/** The name the site shows for a term, by taxonomy and slug (undefined when it has no page). */
export type TermNames = (taxonomy: Taxonomy, slug: string) => string | undefined;

/**
 * A post with its categories, tags and series named as the site names them, so that a term written
 * "writing" in one post and "Writing" in another shows one name everywhere.
 * @param names - from {@link byTerm} (full builds, pages) or the feed heads (incremental feeds)
 */
export function withTermNames<
  P extends Pick<PostMeta, 'categories' | 'tags'> & { series?: Term[] | undefined },
>(post: P, names: TermNames): P {
  const rename = (taxonomy: Taxonomy, terms: readonly Term[]): Term[] =>
    terms.map((t) => {
      const name = names(taxonomy, t.slug);
      return name === undefined || name === t.name ? t : { name, slug: t.slug };
    });
  const named = {
    ...post,
    categories: rename('categories', post.categories),
    tags: rename('tags', post.tags),
  };
  if (post.series !== undefined) named.series = rename('series', post.series);
  return named;
}
