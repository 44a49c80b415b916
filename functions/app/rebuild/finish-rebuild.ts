import { PostError } from '../../core/errors.ts';
import { isTranslation, resourceBundles } from '../../core/posts/content-files.ts';
import { keyProblem } from '../../core/site/object-key.ts';
import type { RebuildFinish } from '../../ports/rebuild-queue.ts';
import { hashOf } from '../hash-of.ts';
import { mapLimit } from '../map-limit.ts';
import type { PublishReport } from '../publish-run.ts';
import { applyChanges, completeRebuild, startRebuildRun } from '../publish-site.ts';
import { isPostKey } from '../site-output.ts';
import { configForStep, type FanOutDeps, startRebuild } from './plan-rebuild.ts';
import { RebuildStore } from './rebuild-store.ts';

const IO_CONCURRENCY = 16;

/**
 * The final step of a fan-out rebuild, run where publish runs are serialised: rebuilds the index
 * from every shard's entries, writes the feeds and list pages (the post pages are the shards'),
 * switches the index head, then publishes every post whose file changed since its shard read it,
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
  if (catalogued === undefined || rendered.some((r) => r === undefined)) return undefined;

  // The listing as it is now: bundle resources are published as they are, and posts whose file
  // differs from the version a shard read (or that came or went since) are published after.
  const postKeys = new Map<string, string | undefined>();
  const keys: string[] = [];
  for await (const info of deps.content.list('posts/')) {
    if (keyProblem(info.key) === undefined) keys.push(info.key);
    if (isPostKey(info.key) && !isTranslation(info.key, config.language)) postKeys.set(info.key, info.etag);
  }

  const run = await startRebuildRun(deps, config, new Date(plan.now));
  const failed = catalogued.failed.map((f) => new PostError(f.file, f.field, f.reason));
  const conflicts = new Set(catalogued.conflicts);
  const pagesWritten: Record<string, string> = {};
  for (const shard of rendered) Object.assign(pagesWritten, shard?.pages);
  const report = await completeRebuild(run, {
    entries: rendered.flatMap((shard) => shard?.entries ?? []),
    links: rendered.flatMap((shard) => Object.entries(shard?.links ?? {})),
    brokenLinks: catalogued.brokenLinks,
    failed,
    errors: failed.filter((e) => !conflicts.has(e.file)),
    published: catalogued.published,
    resources: resourceBundles(keys, config.language),
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
  return report;
}
