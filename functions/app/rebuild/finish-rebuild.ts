import { PostError } from '../../core/errors.ts';
import { markdownRoles, resourceBundles } from '../../core/posts/content-files.ts';
import { keyProblem } from '../../core/site/object-key.ts';
import type { RebuildFinish } from '../../ports/rebuild-queue.ts';
import { hashOf } from '../hash-of.ts';
import { mapLimit } from '../map-limit.ts';
import type { PublishReport } from '../publish-run.ts';
import { applyChanges, completeRebuild, rebuildOtherLanguages, startRebuildRun } from '../publish-site.ts';
import { isPostKey } from '../site-output.ts';
import { configForStep, type FanOutDeps, startRebuild } from './plan-rebuild.ts';
import { RebuildStore } from './rebuild-store.ts';

const IO_CONCURRENCY = 16;

/**
 * The final step of a fan-out rebuild, run where publish runs are serialised: ends it as a one-run
 * rebuild ends ({@link completeRebuild}) over every shard's entries and links: the index, static
 * files, bundle resources, feeds, the pages not written yet (post pages are the render shards', list
 * pages the list steps') and the page index, then publishes every post whose file changed since its
 * shard read it,
 * and clears the rebuild's mark, after which publish runs apply their changes again. A crash
 * anywhere in it leaves the mark: the step runs again from its start, with the same result.
 * @returns undefined when the message is stale (the rebuild is over) or early (shards remain)
 * @throws ConfigError for a bad site.yaml; store errors as they come
 */
export async function finishRebuild(
  deps: FanOutDeps,
  message: RebuildFinish,
): Promise<PublishReport | undefined> {
  const store = new RebuildStore(deps.state);
  const under = await store.current();
  if (under?.id !== message.rebuild) {
    deps.log.info('rebuild step ignored: that rebuild is over', { ...message });
    return undefined;
  }
  const plan = await store.plan(under.id);
  const config = await configForStep(deps, under.id);
  if (plan === undefined || hashOf(config) !== plan.configHash) {
    // site.yaml changed under the rebuild (its event was left to this rebuild): rebuild with it.
    deps.log.info('site configuration changed during the rebuild: starting it again', { rebuild: under.id });
    await store.clearCurrent();
    return startRebuild(deps);
  }
  const shards = Array.from({ length: plan.shards }, (_, n) => n);
  const catalogued = await store.catalogue(plan.id);
  const rendered = await mapLimit(shards, IO_CONCURRENCY, (n) => store.rendered(plan.id, n));
  const lists = Array.from({ length: catalogued?.listShards ?? 0 }, (_, n) => n);
  const listed = await mapLimit(lists, IO_CONCURRENCY, (n) => store.listed(plan.id, n));
  if (catalogued === undefined || [...rendered, ...listed].some((r) => r === undefined)) return undefined;
  // A copy of a step SQS delivers again from here on must not write pages this step, or the
  // changes it publishes, have written since: it stops at its next batch.
  await store.markFinishing(plan.id);

  // The listing as it is now: bundle resources are published as they are, and posts whose file
  // differs from the version a shard read (or that came or went since) are published after.
  const postKeys = new Map<string, string | undefined>();
  const keys: string[] = [];
  const etags = new Map<string, string | undefined>();
  for await (const info of deps.content.list('posts/'))
    if (keyProblem(info.key) === undefined) {
      keys.push(info.key);
      etags.set(info.key, info.etag);
    }
  for (const [key, role] of markdownRoles(keys, isPostKey, config))
    if (role === 'post') postKeys.set(key, etags.get(key));

  const run = await startRebuildRun(deps, config, new Date(plan.now));
  const failed = catalogued.failed.map((f) => new PostError(f.file, f.field, f.reason));
  const conflicts = new Set(catalogued.conflicts);
  const pagesWritten: Record<string, string> = {};
  for (const shard of [...rendered, ...listed]) Object.assign(pagesWritten, shard?.pages);
  const report = await completeRebuild(run, {
    entries: rendered.flatMap((shard) => shard?.entries ?? []),
    links: rendered.flatMap((shard) => Object.entries(shard?.links ?? {})),
    brokenLinks: catalogued.brokenLinks,
    failed,
    errors: failed.filter((e) => !conflicts.has(e.file)),
    published: catalogued.published,
    resources: resourceBundles(keys, config),
    pagesWritten,
  });

  const versions = new Map<string, string | null>();
  for (const n of shards) {
    const read = await store.read(plan.id, n);
    for (const [key, etag] of Object.entries(read?.versions ?? {})) versions.set(key, etag);
  }
  const changed = new Set(rendered.flatMap((shard) => shard?.skipped ?? []));
  for (const [key, listed] of postKeys) {
    const etag = listed ?? (await deps.content.getVersioned(key))?.etag ?? null;
    if (versions.get(key) !== etag) changed.add(key);
  }
  for (const [key, etag] of versions) if (etag !== null && !postKeys.has(key)) changed.add(key);
  // site.yaml and static files: the rebuild read them at its end, as they are now.
  if (changed.size > 0) {
    deps.log.info('publishing what changed during the rebuild', { rebuild: plan.id, keys: changed.size });
    await applyChanges(deps, [...changed].sort());
  }
  await store.clearCurrent();
  await store.clear();
  // The other languages rebuild in one run each, once the site's own is whole again.
  return rebuildOtherLanguages(deps, config, report);
}
