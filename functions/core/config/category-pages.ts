import { ConfigError } from '../errors.ts';
import { FrontMatterFields, readText } from '../posts/field-values.ts';
import { FrontMatterSyntaxError, splitFrontMatter } from '../posts/front-matter.ts';
import { toSlug } from '../text/slug.ts';
import { stripXmlForbidden } from '../text/xml-safe.ts';

/** What a category's `_index.md` says of its page and feeds; unset fields keep Herald's wording. */
export interface CategoryPage {
  /** The heading of the category's pages, in place of the category's name. */
  title?: string;
  /** The text under the heading, the pages' meta description and the category feeds' description. */
  description?: string;
}

/** `categories/<name>/_index.md`, as in a Hugo `content/` folder (its translations aside). */
const CATEGORY_INDEX = /^categories\/([^/]+)\/_index\.(md|markdown)$/i;

/** Is this content key a category's `_index.md`? */
export function isCategoryIndexKey(key: string): boolean {
  return CATEGORY_INDEX.test(key);
}

/**
 * Reads a category's `_index.md`: its `title` and `description` (or `summary`). The category is
 * the folder's name, or the file's `slug`, as a category slug.
 * @param key - e.g. `categories/Test/_index.md`
 * @param text - the file's text
 * @throws ConfigError naming the file when its front matter cannot be read
 */
export function parseCategoryPage(key: string, text: string): { slug: string; page: CategoryPage } {
  let data: Record<string, unknown>;
  try {
    data = splitFrontMatter(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).data;
  } catch (error) {
    const reason = error instanceof FrontMatterSyntaxError ? error.message.replace(/:$/, '') : String(error);
    throw new ConfigError(key, 'front matter', reason, { cause: error });
  }
  const fields = new FrontMatterFields(data);
  const folder = CATEGORY_INDEX.exec(key)?.[1] ?? '';
  const slug = toSlug(readText(fields.find(['slug'])?.value) ?? '') || toSlug(folder);
  const page: CategoryPage = {};
  const title = readText(fields.find(['title'])?.value);
  const description = readText(fields.find(['description', 'summary'])?.value);
  if (title !== undefined) page.title = stripXmlForbidden(title);
  if (description !== undefined) page.description = stripXmlForbidden(description);
  return { slug, page };
}

/**
 * How a category's pages and feeds describe it: from its `_index.md` when there is one.
 * @returns the heading of its pages, their description, and whether that came from the author
 */
export function describeCategory(
  site: { title: string; categoryPages?: Record<string, CategoryPage> },
  category: { name: string; slug: string },
): { heading: string; description: string; written: boolean } {
  const page = Object.hasOwn(site.categoryPages ?? {}, category.slug)
    ? site.categoryPages?.[category.slug]
    : undefined;
  return {
    heading: page?.title ?? category.name,
    description: page?.description ?? `Posts in ${category.name} from ${site.title}`,
    written: page?.description !== undefined,
  };
}
