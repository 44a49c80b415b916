import type { Term } from '../../core/posts/post.ts';
import { categoryOf } from '../../core/site/feed-heads.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { PublishState } from '../publish-state.ts';

/**
 * The site's categories, named as the site names them, from the publish state's index (one small
 * read): what a reader can choose on the preferences page.
 */
export async function siteCategories(state: BlobStore): Promise<Term[]> {
  const index = await new PublishState(state).loadIndex();
  return Object.entries(index?.heads.lists ?? {})
    .filter(([folder, list]) => folder.startsWith('categories/') && list.length > 0)
    .map(([folder, list]) => categoryOf(folder, list))
    .sort((a, b) => a.name.localeCompare(b.name));
}
