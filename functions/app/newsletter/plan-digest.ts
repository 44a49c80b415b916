import type { SiteConfig } from '../../core/config/site-config.ts';
import { digestEntries, digestPost } from '../../core/newsletter/digest-posts.ts';
import { previousRun } from '../../core/newsletter/schedule.ts';
import type { HeadEntry } from '../../core/site/feed-heads.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DigestJob, DigestQueue } from '../../ports/digest-queue.ts';
import type { Logger } from '../../ports/logger.ts';
import { mapLimit } from '../map-limit.ts';
import { PublishState } from '../publish-state.ts';
import type { DigestRecord, NewsletterStore } from './newsletter-store.ts';
import { requireNewsletter } from './subscriptions.ts';

/** Recipients per sender job: a few minutes of sending at SES's usual production rates. */
export const JOB_SIZE = 500;

export interface PlanDigestDeps {
  newsletter: NewsletterStore;
  /** The publish state: its entries are the published posts. */
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
}

/**
 * Plans the digest due at `until`: the posts published since the last digest, fixed in a digest
 * record, and one sender job per {@link JOB_SIZE} subscribers. Safe to run twice for one schedule
 * time (EventBridge may deliver twice): the second run finds it planned. If a run dies after
 * queueing, the retry queues the same jobs again and the sender's markers stop any repeat mail.
 * @param until - the schedule time the digest is for (defaults to now)
 * @param preview - plan and report, but write and queue nothing
 */
export async function planDigest(
  deps: PlanDigestDeps,
  site: SiteConfig,
  options: { until?: Date; preview?: boolean } = {},
): Promise<DigestPlan & { digest?: DigestRecord }> {
  const newsletter = requireNewsletter(site);
  const until = options.until ?? deps.clock.now();
  const digestId = digestIdOf(until);
  const state = await deps.newsletter.readDigestState();
  const base = { digestId, until: until.toISOString(), posts: [], recipients: 0, jobs: 0 };
  if (state && Date.parse(state.lastUntil) >= until.getTime() && !options.preview)
    return { ...base, since: state.lastUntil, skipped: 'already-planned' };
  const since = state ? new Date(state.lastUntil) : previousRun(newsletter.schedule, until, site.timezone);
  const entries = digestEntries(await publishedEntries(deps.state), since, until);
  // Full posts: the bodies are read once, here, and kept in the digest record with the rest.
  const publish = new PublishState(deps.state);
  const posts = await mapLimit(entries, 8, async (entry) =>
    digestPost(
      site,
      entry,
      newsletter.content === 'full' ? (await publish.readRecord(entry.source))?.contentHtml : undefined,
    ),
  );
  const plan: DigestPlan = { ...base, since: since.toISOString(), posts: posts.map((p) => p.title) };
  if (posts.length === 0) {
    if (!options.preview)
      await deps.newsletter.writeDigestState({
        lastUntil: until.toISOString(),
        lastDigestId: state?.lastDigestId ?? '',
      });
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
  const ids: string[] = [];
  for await (const id of deps.newsletter.subscriberIds()) ids.push(id);
  const jobs: DigestJob[] = [];
  for (let i = 0; i < ids.length; i += JOB_SIZE)
    jobs.push({ digestId, subscriberIds: ids.slice(i, i + JOB_SIZE) });
  if (options.preview) return { ...plan, recipients: ids.length, jobs: jobs.length, digest };
  // Record first, then jobs, then the state: every crash point leaves something a retry completes.
  await deps.newsletter.writeDigest(digest);
  await deps.queue.enqueue(jobs);
  await deps.newsletter.writeDigestState({ lastUntil: plan.until, lastDigestId: digestId });
  deps.log.info('digest planned', {
    digestId,
    posts: posts.length,
    subscribers: ids.length,
    jobs: jobs.length,
  });
  return { ...plan, recipients: ids.length, jobs: jobs.length, digest };
}

/** A digest's id: its cut-off, readable and sortable (`2026-11-30T09-00Z`). */
export function digestIdOf(until: Date): string {
  return `${until.toISOString().slice(0, 16).replace(':', '-')}Z`;
}

/** Every post the publish state knows (drafts are never in it). */
async function publishedEntries(state: BlobStore): Promise<HeadEntry[]> {
  const publish = new PublishState(state);
  const shards = await mapLimit(await publish.shardNames('entries'), 16, (name) =>
    publish.readShard('entries', name),
  );
  return shards.flatMap((shard) => Object.values(shard));
}
