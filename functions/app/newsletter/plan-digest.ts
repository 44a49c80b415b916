import type { SiteConfig } from '../../core/config/site-config.ts';
import { type AppearedPost, digestPosts } from '../../core/newsletter/digest-posts.ts';
import { type BlobStore, WriteConflict } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DigestJob, DigestQueue } from '../../ports/digest-queue.ts';
import type { Logger } from '../../ports/logger.ts';
import { mapLimit } from '../map-limit.ts';
import { IndexStore } from '../post-index/index-store.ts';
import { appearedBetween, newsletterSince } from '../post-index/post-index.ts';
import { archiveDigest } from './digest-archive.ts';
import type { DigestRecord, NewsletterStore } from './newsletter-store.ts';
import { requireNewsletter } from './subscriptions.ts';

/** Recipients per sender job: a few minutes of sending at SES's usual production rates. */
export const JOB_SIZE = 500;

export interface PlanDigestDeps {
  newsletter: NewsletterStore;
  /** The publish state: its post index says what the site published, and when. */
  state: BlobStore;
  queue: DigestQueue;
  clock: Clock;
  log: Logger;
}

export interface DigestPlan {
  digestId: string;
  since: string;
  until: string;
  /** Posts in the digest, newest first (their titles, for reports). */
  posts: string[];
  /** Subscribers handed to the sender (each is checked again as it is sent). */
  recipients: number;
  jobs: number;
  /** Why nothing was planned, when nothing was. */
  skipped?: 'already-planned' | 'no-new-posts';
  /** True when this run finished a digest an earlier run planned but did not finish queueing. */
  resumed?: boolean;
}

/**
 * Plans the digest due at `until`: the posts that first appeared on the site since the last
 * digest's cut-off (and since the newsletter was switched on), owners of their URL only, at most
 * `newsletter.maxAgeDays` old when they appeared; fixed in a digest record with its own id, and one sender job per
 * {@link JOB_SIZE} subscribers. Each post appears once, so it falls in exactly one digest.
 * Safe to run twice for one schedule time (EventBridge may deliver twice): the second run finds it
 * planned. If a run dies after queueing, the next run queues that digest's jobs again (the sender's
 * markers stop any repeat mail) before planning anything new.
 * @param until - the schedule time the digest is for (defaults to now)
 * @param preview - plan and report, but write and queue nothing
 */
export async function planDigest(
  deps: PlanDigestDeps,
  site: SiteConfig,
  options: { until?: Date; preview?: boolean } = {},
): Promise<DigestPlan & { digest?: DigestRecord }> {
  // Concurrent planners (two `herald digest` runs, a manual run beside the schedule) each read the
  // state, and the state and digest records are written conditionally: a planner that loses reads
  // the winner's state and plans again from there, so no window of posts is planned twice.
  for (let attempt = 1; ; attempt++) {
    try {
      return await planOnce(deps, site, options);
    } catch (error) {
      if (!(error instanceof WriteConflict) || attempt >= MAX_PLAN_ATTEMPTS) throw error;
      deps.log.info('another run planned first; planning again from its state', { attempt });
    }
  }
}

const MAX_PLAN_ATTEMPTS = 8;

async function planOnce(
  deps: PlanDigestDeps,
  site: SiteConfig,
  options: { until?: Date; preview?: boolean },
): Promise<DigestPlan & { digest?: DigestRecord }> {
  const newsletter = requireNewsletter(site);
  const until = options.until ?? deps.clock.now();
  const read = await deps.newsletter.readDigestStateVersioned();
  let { state, version } = read;
  if (state?.pending !== undefined && !options.preview) {
    const pending = await deps.newsletter.readDigest(state.pending);
    if (pending !== undefined) return resume(deps, pending);
    // The mark is written after the record, so this is state edited by hand: drop the mark.
    state = { lastUntil: state.lastUntil, lastDigestId: state.lastDigestId };
    await deps.newsletter.replaceDigestState(state, version);
    version = (await deps.newsletter.readDigestStateVersioned()).version;
  }
  const base = { until: until.toISOString(), posts: [], recipients: 0, jobs: 0 };
  if (state && Date.parse(state.lastUntil) >= until.getTime() && !options.preview)
    return { ...base, digestId: state.lastDigestId, since: state.lastUntil, skipped: 'already-planned' };
  // Nothing before the newsletter was switched on; before a publish run has seen it, nothing at all.
  const switchedOn = (await newsletterSince(deps.state)) ?? until;
  const since = new Date(Math.max(switchedOn.getTime(), state ? Date.parse(state.lastUntil) : 0));
  const appeared = since < until ? await appearedBetween(deps.state, since, until) : [];
  const posts = digestPosts(
    site,
    appeared,
    newsletter.maxAgeDays,
    newsletter.content === 'full' ? await postBodies(deps.state, appeared) : undefined,
  );
  const digestId = await freshDigestId(deps.newsletter, until);
  const plan: DigestPlan = {
    ...base,
    digestId,
    since: since.toISOString(),
    posts: posts.map((p) => p.title),
  };
  if (posts.length === 0) {
    if (!options.preview)
      await deps.newsletter.replaceDigestState(
        { lastUntil: until.toISOString(), lastDigestId: state?.lastDigestId ?? '' },
        version,
      );
    deps.log.info('no new posts; no digest', { since: plan.since, until: plan.until });
    return { ...plan, skipped: 'no-new-posts' };
  }
  const digest: DigestRecord = {
    id: digestId,
    since: plan.since,
    until: plan.until,
    posts,
    plannedAt: deps.clock.now().toISOString(),
  };
  const jobs = await jobsFor(deps.newsletter, digestId);
  const recipients = jobs.reduce((n, job) => n + job.subscriberIds.length, 0);
  if (options.preview) return { ...plan, recipients, jobs: jobs.length, digest };
  // Record, then the pending mark, then jobs, then the state: a crash before the mark leaves a
  // record nobody was sent (the retry plans afresh); after it, the next run finishes this digest.
  await deps.newsletter.createDigest(digest);
  await deps.newsletter.replaceDigestState(
    {
      lastUntil: state?.lastUntil ?? since.toISOString(),
      lastDigestId: state?.lastDigestId ?? '',
      pending: digestId,
    },
    version,
  );
  // Once marked, the digest will go out (a retry finishes it): the site's archive may show it.
  await archiveDigest(deps.state, digest);
  await deps.queue.enqueue(jobs);
  await deps.newsletter.writeDigestState({ lastUntil: plan.until, lastDigestId: digestId });
  deps.log.info('digest planned', {
    digestId,
    posts: posts.length,
    subscribers: recipients,
    jobs: jobs.length,
  });
  return { ...plan, recipients, jobs: jobs.length, digest };
}

/** A digest's id: its cut-off, readable and sortable (`2026-11-30T09-00Z`). */
export function digestIdOf(until: Date): string {
  return `${until.toISOString().slice(0, 16).replace(':', '-')}Z`;
}

/**
 * An id no digest has: the cut-off's minute, and a counter when digests were planned within one
 * minute (a manual run after the scheduled one), so that no digest shares another's markers.
 */
async function freshDigestId(newsletter: NewsletterStore, until: Date): Promise<string> {
  const base = digestIdOf(until);
  let id = base;
  for (let n = 2; (await newsletter.readDigest(id)) !== undefined; n++) id = `${base}-${n}`;
  return id;
}

/** One sender job per {@link JOB_SIZE} subscribers. */
async function jobsFor(newsletter: NewsletterStore, digestId: string): Promise<DigestJob[]> {
  const ids: string[] = [];
  for await (const id of newsletter.subscriberIds()) ids.push(id);
  const jobs: DigestJob[] = [];
  for (let i = 0; i < ids.length; i += JOB_SIZE)
    jobs.push({ digestId, subscriberIds: ids.slice(i, i + JOB_SIZE) });
  return jobs;
}

/** Finishes a digest whose planning was interrupted after it was marked pending. */
async function resume(
  deps: PlanDigestDeps,
  digest: DigestRecord,
): Promise<DigestPlan & { digest: DigestRecord }> {
  const jobs = await jobsFor(deps.newsletter, digest.id);
  await archiveDigest(deps.state, digest);
  await deps.queue.enqueue(jobs);
  await deps.newsletter.writeDigestState({ lastUntil: digest.until, lastDigestId: digest.id });
  deps.log.info('interrupted digest finished', { digestId: digest.id, jobs: jobs.length });
  return {
    digestId: digest.id,
    since: digest.since,
    until: digest.until,
    posts: digest.posts.map((p) => p.title),
    recipients: jobs.reduce((n, job) => n + job.subscriberIds.length, 0),
    jobs: jobs.length,
    resumed: true,
    digest,
  };
}

/**
 * The sanitised bodies (links absolute) of the posts, by source, from the records the publish
 * function wrote: read once, here, and kept in the digest record so every batch sends the same.
 */
async function postBodies(state: BlobStore, appeared: readonly AppearedPost[]): Promise<Map<string, string>> {
  const store = new IndexStore(state);
  const records = await mapLimit(appeared, 8, (a) => store.readRecord(a.entry.source));
  return new Map(records.flatMap((post) => (post ? [[post.source, post.contentHtml] as const] : [])));
}
