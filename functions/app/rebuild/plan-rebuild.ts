/**
 * A rebuild that fans out, for sites too large to rebuild in one invocation. The steps:
 *
 * 1. **plan** (the publish function, here): list the post keys, cut the sorted listing into shards
 *    of a few thousand, record the plan and mark the rebuild as under way; send a `read` per shard.
 * 2. **read** (parallel): parse each shard's front matter. The last shard to finish sends:
 * 3. **catalogue** (one): decide what is published as every full build does (decidePublished), the
 *    order, each post page's neighbours and the site's name of each term; send a `render` per shard.
 * 4. **render** (parallel): render each post, write its record and, when published, its page. The
 *    last shard to finish sends a `lists` per five shards' worth of published posts (pages on), or:
 * 5. **lists** (parallel): plan the site's list pages from every shard's entries and write a share
 *    of them (home and archive pages, term pages, aliases, sitemaps). The last to finish sends:
 * 6. **finish** (the publish function, serialised with publishing): rebuild the index from the
 *    shards' entries, write feeds and whatever page is not written yet, switch the index head,
 *    then publish whatever changed in the content bucket while the rebuild ran, and clear the mark.
 *
 * While a rebuild is under way, publish runs leave their changes to it (the finish compares every
 * file's version with the one read), so the index and the live feeds change only at the finish: a
 * crash anywhere leaves the previous site served whole. Post pages are written by the shards,
 * before the finish: each is the page of a post as it now is in the bucket, linking to neighbours
 * that exist in the bucket too, and the old pages stay until the finish removes those the rebuilt
 * site lacks, so a reader meets a correct page either way. List pages, written by the list steps
 * after every post page, list posts whose pages exist.
 *
 * Every step is safe to run twice (SQS delivers at least once; a crashed step is retried): its
 * output is one object, written when it is complete, and what it renders is the same again.
 */
import { randomUUID } from 'node:crypto';
import type { SiteConfig } from '../../core/config/site-config.ts';
import { ConfigError } from '../../core/errors.ts';
import {
  bundledMarkdownNotice,
  leftOutTranslations,
  markdownRoles,
  translationsNotice,
} from '../../core/posts/content-files.ts';
import { keyProblem } from '../../core/site/object-key.ts';
import { hashOf } from '../hash-of.ts';
import { loadSiteConfig } from '../load-site-config.ts';
import type { PublishDeps, PublishReport } from '../publish-run.ts';
import { isPostKey } from '../site-output.ts';
import { type RebuildMarker, RebuildStore } from './rebuild-store.ts';

/** Posts per shard unless configured: about 20 s of rendering in the 1,024 MB function. */
export const DEFAULT_SHARD_SIZE = 2000;
/**
 * A rebuild with no finish after this long has work stuck somewhere (a message in the dead-letter
 * queue, a step that died after its output but before sending the next): publish runs then send its
 * missing work again. Longer than any retry SQS would make by itself (visibility timeout 30 min).
 */
export const RESUME_AFTER_MS = 60 * 60 * 1000;

/** The ports of a fan-out rebuild: the publish ports with the rebuild's queue. */
export type FanOutDeps = PublishDeps & Required<Pick<PublishDeps, 'rebuild'>>;

/** Posts per shard in this rebuild. */
export function shardSize(deps: FanOutDeps): number {
  return Math.max(1, deps.rebuild.shardSize ?? DEFAULT_SHARD_SIZE);
}

/**
 * Starts a fan-out rebuild, or resumes the one under way by sending its missing work again.
 * @throws ConfigError for a bad site.yaml (nothing is started); store errors as they come
 */
export async function startRebuild(deps: FanOutDeps): Promise<PublishReport> {
  const store = new RebuildStore(deps.state);
  const now = deps.clock.now();
  const under = await store.current();
  if (under !== undefined) {
    await resume(deps, store, under, now);
    return report(under.id);
  }
  const config = await loadSiteConfig(deps.content, deps.overrides);
  const listed: string[] = [];
  for await (const info of deps.content.list('posts/'))
    if (keyProblem(info.key) === undefined) listed.push(info.key);
  const roles = [...markdownRoles(listed, isPostKey, config)];
  const keys = roles.filter(([, role]) => role === 'post').map(([key]) => key);
  const translations = leftOutTranslations(
    roles.filter(([, role]) => role === 'translation').map(([key]) => key),
    config,
  );
  const bundled = roles.filter(([, role]) => role === 'bundled').map(([key]) => key);
  if (translations.length > 0)
    deps.log.info('translations left out', { notice: translationsNotice(translations, config) });
  if (bundled.length > 0)
    deps.log.info('markdown in bundles left out', { notice: bundledMarkdownNotice(bundled) });
  keys.sort();
  const size = shardSize(deps);
  const shards = Math.max(1, Math.ceil(keys.length / size));
  const id = `${now.toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
  // Leftovers of a rebuild whose plan never completed.
  await store.clear();
  for (let n = 0; n < shards; n++) await store.writeKeys(id, n, keys.slice(n * size, (n + 1) * size));
  await store.writePlan({ id, now: now.toISOString(), configHash: hashOf(config), shards });
  // From here on, publish runs leave their changes to this rebuild.
  await store.setCurrent({ id, startedAt: now.toISOString() });
  await deps.rebuild.queue.sendWork(
    Array.from({ length: shards }, (_, shard) => ({ rebuild: id, step: 'read' as const, shard })),
  );
  deps.log.info('rebuild started', { rebuild: id, posts: keys.length, shards });
  return report(id);
}

/**
 * The rebuild under way, if any, for a publish run that must leave its changes to it. A rebuild
 * stalled for {@link RESUME_AFTER_MS} has its missing work sent again (when this run can send it).
 */
export async function rebuildUnderWay(deps: PublishDeps): Promise<string | undefined> {
  const store = new RebuildStore(deps.state);
  const under = await store.current();
  if (under === undefined) return undefined;
  const now = deps.clock.now();
  const since = Date.parse(under.resumedAt ?? under.startedAt);
  if (deps.rebuild !== undefined && now.getTime() - since > RESUME_AFTER_MS) {
    deps.log.warn('rebuild stalled: sending its missing work again', { rebuild: under.id });
    await resume(deps as FanOutDeps, store, under, now);
  }
  return under.id;
}

/** Sends whatever the rebuild has not done yet: reads, the catalogue, renders, lists, or the finish. */
async function resume(deps: FanOutDeps, store: RebuildStore, under: RebuildMarker, now: Date): Promise<void> {
  const { id } = under;
  await store.setCurrent({ ...under, resumedAt: now.toISOString() });
  const plan = await store.plan(id);
  const queue = deps.rebuild.queue;
  const all = Array.from({ length: plan?.shards ?? 0 }, (_, n) => n);
  if (plan === undefined) {
    // A mark without a plan cannot be finished: the finish step clears it and starts again.
    await queue.sendFinish({ rebuild: id, step: 'finish' });
    return;
  }
  const read = await store.done(id, 'read');
  const missingReads = all.filter((n) => !read.has(n));
  const catalogued = missingReads.length > 0 ? undefined : await store.catalogue(id);
  let sent: string;
  if (missingReads.length > 0) {
    await queue.sendWork(missingReads.map((shard) => ({ rebuild: id, step: 'read', shard })));
    sent = `read ${missingReads.length}`;
  } else if (catalogued === undefined) {
    await queue.sendWork([{ rebuild: id, step: 'catalogue' }]);
    sent = 'catalogue';
  } else {
    const rendered = await store.done(id, 'rendered');
    const missing = all.filter((n) => !rendered.has(n));
    const listed = await store.done(id, 'listed');
    const lists = Array.from({ length: catalogued.listShards ?? 0 }, (_, n) => n).filter(
      (n) => !listed.has(n),
    );
    if (missing.length > 0) {
      await queue.sendWork(missing.map((shard) => ({ rebuild: id, step: 'render', shard })));
      sent = `render ${missing.length}`;
    } else if (lists.length > 0) {
      await queue.sendWork(lists.map((shard) => ({ rebuild: id, step: 'lists', shard })));
      sent = `lists ${lists.length}`;
    } else {
      await queue.sendFinish({ rebuild: id, step: 'finish' });
      sent = 'finish';
    }
  }
  deps.log.info('rebuild resumed', { rebuild: id, sent });
}

/**
 * The site configuration for a step of the rebuild `id`. An invalid site.yaml abandons the rebuild
 * (the previous site stays published, and publishing resumes, reporting the mistake); the upload
 * that fixes it starts a rebuild anew.
 * @throws ConfigError naming the field, after abandoning
 */
export async function configForStep(deps: PublishDeps, id: string): Promise<SiteConfig> {
  try {
    return await loadSiteConfig(deps.content, deps.overrides);
  } catch (error) {
    if (error instanceof ConfigError) {
      await new RebuildStore(deps.state).clearCurrent();
      deps.log.warn('rebuild abandoned: site.yaml is invalid; the previous site stays published', {
        rebuild: id,
      });
    }
    throw error;
  }
}

function report(id: string): PublishReport {
  return {
    rebuilt: false,
    processed: 0,
    regenerated: [],
    removed: [],
    pages: [],
    failed: [],
    rebuilding: id,
  };
}
