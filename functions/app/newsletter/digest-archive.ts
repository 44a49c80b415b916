import type { ArchivedDigest } from '../../core/pages/newsletter-archive.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { mapLimit } from '../map-limit.ts';
import type { DigestRecord } from './newsletter-store.ts';

// In the publish state bucket, which the publish function reads and the digest function may write
// under this prefix only: the archive is public once published, so it holds no subscriber data.
const PREFIX = 'newsletter/archive/';

/**
 * Records a digest for the site's archive when it is planned (it is going out). The next publish
 * run (the tick, or any upload) writes its pages.
 */
export async function archiveDigest(state: BlobStore, digest: DigestRecord): Promise<void> {
  const archived: ArchivedDigest = {
    id: digest.id,
    until: digest.until,
    // Summaries only: a full body is the post page's to show.
    posts: digest.posts.map(({ html: _body, ...post }) => post),
  };
  await state.put(`${PREFIX}${digest.id}.json`, JSON.stringify(archived), {
    contentType: 'application/json',
  });
}

/** Every archived digest, in id order (the publish run sorts them for pages). */
export async function readArchive(state: BlobStore): Promise<ArchivedDigest[]> {
  const keys: string[] = [];
  for await (const info of state.list(PREFIX)) if (info.key.endsWith('.json')) keys.push(info.key);
  const digests = await mapLimit(keys, 16, async (key) => {
    const bytes = await state.get(key);
    return bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as ArchivedDigest);
  });
  return digests.filter((d): d is ArchivedDigest => d !== undefined);
}
