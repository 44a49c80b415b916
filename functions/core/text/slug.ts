import slugify from 'slugify';

/**
 * Normalises text to a URL slug: "What is X?" -> `what-is-x`, "Café au lait" -> `cafe-au-lait`.
 * Letters outside Latin are kept (browsers show them; they are percent-encoded on the wire).
 * @param text - a title, a slug as an author wrote it (spaces allowed), or a file name
 * @returns the slug, or an empty string when nothing usable is left
 */
export function toSlug(text: string): string {
  let slug = cache.get(text);
  if (slug === undefined) {
    slug = computeSlug(text);
    // Category and tag names repeat across thousands of posts; a bounded cache keeps memory flat.
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, slug);
  }
  return slug;
}

const CACHE_LIMIT = 50_000;
const cache = new Map<string, string>();

function computeSlug(text: string): string {
  return slugify(text.replace(/[_.]+/g, ' '), {
    lower: true,
    strict: false,
    trim: true,
    remove: /[^\p{L}\p{N}\s-]/gu,
  })
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
}
