// The parallel steps of a fan-out rebuild (see plan-rebuild.ts): reading a shard, the catalogue,
// rendering a shard, writing a share of the list pages. Each writes its output as one object once
// complete, then, if it was the last of its kind, sends the next step.
import type { SiteConfig } from '../../core/config/site-config.ts';
import { PostError } from '../../core/errors.ts';
import { type Neighbour, type PlannedPage, postPagePlan } from '../../core/pages/page-plan.ts';
import type { ParsedPost, Post, PostMeta } from '../../core/posts/post.ts';
import { RefIndex } from '../../core/posts/ref-index.ts';
import { compareEntries, isLive, type PostEntry } from '../../core/site/post-entry.ts';
import { byTerm, TAXONOMIES, type TermNames, termFolder, termsOf } from '../../core/site/taxonomies.ts';
import { ignoredFieldReason } from '../../core/text/did-you-mean.ts';
import type { RebuildWork } from '../../ports/rebuild-queue.ts';
import { decidePublished } from '../build-site.ts';
import { hashOf } from '../hash-of.ts';
import { mapLimit } from '../map-limit.ts';
import { entryOf, PostIndex } from '../post-index/post-index.ts';
import { listAndSitePages, postPageEntry, sitePageEntries } from '../publish-pages.ts';
import { renderedPosts, renderForIndex } from '../publish-site.ts';
import { bodyWarnings, parseOne } from '../read-posts.ts';
import { publishedInPageIndexes, translationLinks } from '../translation-links.ts';
import { takePages, writePages } from '../write-pages.ts';
import { configForStep, type FanOutDeps, shardSize } from './plan-rebuild.ts';
import { type FailedPost, type RebuildPlan, RebuildStore, type RenderWork } from './rebuild-store.ts';

const IO_CONCURRENCY = 16;
/** Posts rendered before their pages are written: bounds the bodies a shard holds. */
const BATCH = 200;
/**
 * A list step writes the list pages of this many shards' worth of published posts (10,000 posts by
 * default: about 4,600 pages of synthetic posts with three tags each), so that the final step's
 * time does not grow with the list pages.
 */
const SHARDS_PER_LIST_STEP = 5;

/**
 * Runs one step of a rebuild's parallel work. A message of a rebuild that is no longer under way
 * does nothing; when site.yaml changed since the plan, the step sends the finish at once, which
 * starts the rebuild again with it.
 * @throws store errors as they come: the queue delivers the message again
 */
export async function runRebuildWork(deps: FanOutDeps, work: RebuildWork): Promise<void> {
  const store = new RebuildStore(deps.state);
  const under = await store.current();
  const plan = under?.id === work.rebuild ? await store.plan(work.rebuild) : undefined;
  if (plan === undefined) {
    deps.log.info('rebuild step ignored: that rebuild is over', { ...work });
    return;
  }
  const config = await configForStep(deps, plan.id);
  if (hashOf(config) !== plan.configHash) {
    await deps.rebuild.queue.sendFinish({ rebuild: plan.id, step: 'finish' });
    return;
  }
  const step: Step = { deps, store, plan, config };
  if (work.step === 'read') await readShard(step, work.shard);
  else if (work.step === 'catalogue') await catalogueShards(step);
  else if (work.step === 'render') await renderShard(step, work.shard);
  else await listShard(step, work.shard);
}

/** What every step works with: the ports, the rebuild's objects and plan, and the configuration. */
interface Step {
  deps: FanOutDeps;
  store: RebuildStore;
  plan: RebuildPlan;
  config: SiteConfig;
}

/** Parses the front matter of a shard's posts, keeping each file's version for the finish. */
async function readShard({ deps, store, plan, config }: Step, shard: number): Promise<void> {
  const keys = await store.keys(plan.id, shard);
  const posts: PostMeta[] = [];
  const failed: FailedPost[] = [];
  const versions: Record<string, string | null> = {};
  const results = await mapLimit(keys, IO_CONCURRENCY, async (key) => {
    const blob = await deps.content.getVersioned(key);
    versions[key] = blob?.etag ?? null;
    return blob === undefined ? undefined : parseOne(key, blob.body, config);
  });
  for (const result of results) {
    if (result === undefined) continue;
    if ('error' in result) {
      failed.push({ file: result.error.file, field: result.error.field, reason: result.error.reason });
      continue;
    }
    const { body: _body, math: _math, ...meta } = result.post as ParsedPost;
    posts.push(meta);
    for (const typo of result.typos)
      deps.log.warn('field ignored', {
        key: meta.source,
        field: typo.field,
        reason: ignoredFieldReason(typo.meant),
      });
    for (const warning of result.warnings) bodyWarnings(deps.log, meta.source)(warning);
  }
  await store.writeRead(plan.id, shard, { posts, failed, versions });
  if ((await store.done(plan.id, 'read')).size >= plan.shards)
    await deps.rebuild.queue.sendWork([{ rebuild: plan.id, step: 'catalogue' }]);
}

/**
 * Decides what is published from every shard's front matter, as a one-run rebuild decides it
 * ({@link decidePublished}), and gives each shard its work: the posts to render, each published
 * post's neighbours and the site's names of their terms.
 */
async function catalogueShards({ deps, store, plan, config }: Step): Promise<void> {
  if ((await store.catalogue(plan.id)) !== undefined) {
    // Done before, but the step may have died before sending every render: send the missing ones.
    const rendered = await store.done(plan.id, 'rendered');
    const missing = Array.from({ length: plan.shards }, (_, n) => n).filter((n) => !rendered.has(n));
    await deps.rebuild.queue.sendWork(missing.map((shard) => ({ rebuild: plan.id, step: 'render', shard })));
    return;
  }
  const shards = Array.from({ length: plan.shards }, (_, n) => n);
  const reads = await mapLimit(shards, IO_CONCURRENCY, async (n) => {
    const read = await store.read(plan.id, n);
    if (read === undefined) throw new Error(`internal: rebuild ${plan.id} shard ${n} is not read yet`);
    return read;
  });
  const unparsed = reads.flatMap((read) => read.failed.map((f) => new PostError(f.file, f.field, f.reason)));
  const { posts, failed, brokenLinks } = await decidePublished(
    deps,
    config,
    reads.flatMap((read) => read.posts),
    unparsed,
    new Date(plan.now),
  );
  const neighbour = (post: PostMeta | undefined): Neighbour | null =>
    post === undefined ? null : { title: post.title, url: post.url };
  const pages = new Map<string, { newer: Neighbour | null; older: Neighbour | null }>();
  posts.published.forEach((post, i) => {
    pages.set(post.source, {
      newer: neighbour(posts.published[i - 1]),
      older: neighbour(posts.published[i + 1]),
    });
  });
  // One name per term across the site (its newest post's spelling), as the final step's pages show.
  const names = new Map<string, string>();
  for (const taxonomy of TAXONOMIES)
    for (const [slug, { term }] of byTerm(posts.published, taxonomy))
      names.set(termFolder(taxonomy, slug), term.name);
  const rendered = renderedPosts(posts);
  const renders = new Set(rendered.map((p) => p.source));
  await mapLimit(shards, IO_CONCURRENCY, async (n) => {
    const work: RenderWork = { posts: [], names: {} };
    for (const post of reads[n]?.posts ?? []) {
      if (!renders.has(post.source)) continue;
      const page = pages.get(post.source);
      work.posts.push(page === undefined ? { source: post.source } : { source: post.source, page });
      if (page === undefined) continue;
      for (const taxonomy of TAXONOMIES)
        for (const term of termsOf(post, taxonomy)) {
          const folder = termFolder(taxonomy, term.slug);
          const name = names.get(folder);
          if (name !== undefined) work.names[folder] = name;
        }
    }
    await store.writeWork(plan.id, n, work);
  });
  await store.writeCatalogue(plan.id, {
    links: rendered.map(({ source, url }) => ({ source, url })),
    published: posts.published.map((post) => post.source),
    failed: failed.map((e) => ({ file: e.file, field: e.field, reason: e.reason })),
    conflicts: posts.conflicts.map((e) => e.file),
    brokenLinks,
    listShards: config.pages
      ? Math.ceil(posts.published.length / (shardSize(deps) * SHARDS_PER_LIST_STEP))
      : 0,
  });
  await deps.rebuild.queue.sendWork(shards.map((shard) => ({ rebuild: plan.id, step: 'render', shard })));
}

/** Renders a shard's posts: each record, and each published post's page. */
async function renderShard(step: Step, shard: number): Promise<void> {
  const { deps, store, plan, config } = step;
  const [work, read, catalogued] = await Promise.all([
    store.work(plan.id, shard),
    store.read(plan.id, shard),
    store.catalogue(plan.id),
  ]);
  if (work === undefined || read === undefined || catalogued === undefined)
    throw new Error(`internal: rebuild ${plan.id} renders shard ${shard} before its catalogue`);
  const metas = new Map(read.posts.map((post) => [post.source, post]));
  const refs = new RefIndex(catalogued.links);
  const names: TermNames = (taxonomy, slug) => work.names[termFolder(taxonomy, slug)];
  const entries: PostEntry[] = [];
  const links: Record<string, Record<string, string | null>> = {};
  const pages: Record<string, string> = {};
  const skipped: string[] = [];
  for (let i = 0; i < work.posts.length; i += BATCH) {
    if (await fenced(step)) return;
    const batch = work.posts.slice(i, i + BATCH);
    const posts = new Map<string, Post>();
    await mapLimit(batch, IO_CONCURRENCY, async ({ source }) => {
      const meta = metas.get(source);
      const rendered = meta === undefined ? undefined : await renderNow(deps, config, refs, meta);
      if (rendered === undefined) {
        skipped.push(source);
        return;
      }
      const { post, resolved } = rendered;
      await PostIndex.writeRecord(deps.state, post);
      posts.set(source, post);
      entries.push(entryOf(post));
      if (resolved !== undefined) links[source] = resolved;
    });
    // As the finish plans them: with the translations of posts that have any.
    const translations = await translationLinks(
      deps.content,
      config,
      batch.flatMap(({ source, page }) => (page !== undefined && posts.has(source) ? [source] : [])),
      publishedInPageIndexes(deps.state, config),
    );
    const planned = batch.flatMap(({ source, page }) => {
      const post = posts.get(source);
      if (page === undefined || post === undefined) return [];
      const entry = {
        ...postPageEntry(config, entryOf(post), names),
        translations: translations.get(source),
      };
      return [postPagePlan(config, entry, page.newer ?? undefined, page.older ?? undefined)];
    });
    const written = await writePages(deps.output, planned, plan.configHash, undefined, async () => posts, {
      force: true,
    });
    Object.assign(pages, written.signatures);
  }
  await store.writeRendered(plan.id, shard, { entries, links, pages, skipped });
  if ((await store.done(plan.id, 'rendered')).size >= plan.shards)
    await sendLists(step, catalogued.listShards);
}

/**
 * Whether this step must stop before its next batch of pages: its rebuild is over, or its final step
 * has started (the step is a copy SQS delivered again; its pages are written, and writing them now
 * could undo what the final step publishes).
 */
async function fenced({ deps, store, plan }: Step): Promise<boolean> {
  const stop = (await store.current())?.id !== plan.id || (await store.finishing(plan.id));
  if (stop) deps.log.info('rebuild step stopped: its rebuild is finishing or over', { rebuild: plan.id });
  return stop;
}

/** After the last render: the list steps, or the final step when the site has no list pages. */
async function sendLists({ deps, plan }: Pick<Step, 'deps' | 'plan'>, count = 0): Promise<void> {
  if (count === 0) await deps.rebuild.queue.sendFinish({ rebuild: plan.id, step: 'finish' });
  else
    await deps.rebuild.queue.sendWork(
      Array.from({ length: count }, (_, shard) => ({ rebuild: plan.id, step: 'lists' as const, shard })),
    );
}

/**
 * Writes one share of the site's list pages (every `listShards`-th page of the full run's plan:
 * home and archive pages, term pages, aliases, sitemaps, the feeds page), planned from every
 * shard's entries as the final step plans them, which then finds them written. Like post pages,
 * they go live before the final step, and they show posts whose pages are written.
 */
async function listShard(step: Step, shard: number): Promise<void> {
  const { deps, store, plan, config } = step;
  const catalogued = await store.catalogue(plan.id);
  const count = catalogued?.listShards ?? 0;
  if (catalogued === undefined || shard >= count)
    throw new Error(`internal: rebuild ${plan.id} lists share ${shard} of ${count}`);
  const shards = Array.from({ length: plan.shards }, (_, n) => n);
  const rendered = await mapLimit(shards, IO_CONCURRENCY, async (n) => {
    const result = await store.rendered(plan.id, n);
    if (result === undefined)
      throw new Error(`internal: rebuild ${plan.id} lists before shard ${n} is rendered`);
    return result.entries;
  });
  // The posts the final step finds published, live and owning their URL, in the site's order.
  const published = new Set(catalogued.published);
  const now = Date.parse(plan.now);
  const live = rendered
    .flat()
    .filter((entry) => published.has(entry.source) && isLive(entry, now))
    .sort(compareEntries);
  const entries = await sitePageEntries(deps, config, live);
  function* share(): Generator<PlannedPage> {
    let n = 0;
    for (const page of listAndSitePages(config, entries)) if (n++ % count === shard) yield page;
  }
  const pages: Record<string, string> = {};
  const planned = share();
  for (let batch = takePages(planned, BATCH); batch.length > 0; batch = takePages(planned, BATCH)) {
    if (await fenced(step)) return;
    const written = await writePages(deps.output, batch, plan.configHash, undefined, noBodies, {
      force: true,
    });
    Object.assign(pages, written.signatures);
  }
  await store.writeListed(plan.id, shard, { pages });
  if ((await store.done(plan.id, 'listed')).size >= count)
    await deps.rebuild.queue.sendFinish({ rebuild: plan.id, step: 'finish' });
}

/** List pages show no post's body: a page that asks for one is a bug. */
async function noBodies(sources: string[]): Promise<Map<string, Post>> {
  if (sources.length > 0) throw new Error(`internal: a list page needs the body of ${sources[0]}`);
  return new Map();
}

/**
 * A post rendered from the bucket as it is now, or undefined when it was deleted or no longer
 * renders (it changed under the rebuild: the finish publishes it as it is then).
 */
async function renderNow(
  deps: FanOutDeps,
  config: SiteConfig,
  refs: RefIndex,
  meta: PostMeta,
): Promise<Awaited<ReturnType<typeof renderForIndex>> | undefined> {
  try {
    return await renderForIndex(deps, config, refs, meta);
  } catch (error) {
    if (error instanceof PostError) return undefined;
    throw error;
  }
}
