import type { Term } from '../../core/posts/post.ts';
import { categoryOf } from '../../core/site/feed-heads.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { type IndexHead, IndexStore } from '../post-index/index-store.ts';

/**
 * The site's categories, named as the site names them, from the publish state's index (one small
 * read): what a reader can choose on the preferences page.
 */
export async function siteCategories(state: BlobStore): Promise<Term[]> {
  const head = (await new IndexStore(state).readHead()) as IndexHead | undefined;
  // An index of another version has no heads to read: no categories until the next publish.
  return Object.entries((head?.version === 4 ? head.heads.lists : undefined) ?? {})
    .filter(([folder, list]) => folder.startsWith('categories/') && list.length > 0)
    .map(([folder, list]) => categoryOf(folder, list))
    .sort((a, b) => a.name.localeCompare(b.name));
}
