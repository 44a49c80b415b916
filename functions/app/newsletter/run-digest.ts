import { MemoryDigestQueue } from '../../adapters/memory-digest-queue.ts';
import type { SiteConfig } from '../../core/config/site-config.ts';
import type { DigestJob } from '../../ports/digest-queue.ts';
import type { DigestRecord, NewsletterStore } from './newsletter-store.ts';
import { type DigestPlan, type PlanDigestDeps, planDigest } from './plan-digest.ts';
import { type SendDigestDeps, type SendReport, sendDigestJob } from './send-digest.ts';

/** What finishing an earlier, interrupted digest did. */
export interface ResumedDigest {
  digestId: string;
  /** Subscribers no run had finished with, mailed now (sent or refused by the mail service). */
  recipients: number;
  report: SendReport;
  /**
   * Recipients marked "sending" by a run that stopped before it recorded the outcome. Each is
   * settled by the mail service's record: found (report.recovered), not found and mailed now (in
   * report.sent), or, where the service cannot tell (SES), held until the claim is older than the lease
   * (report.held; the next run looks again).
   */
  inDoubt: number;
}

type RunDeps = Omit<PlanDigestDeps & SendDigestDeps, 'queue'>;

/**
 * Plans a digest and sends every job in this process, one after another: for the CLI, where there
 * is no SQS. The same use-cases as in AWS; only the queue is a list, so a run that is killed loses
 * its jobs. The next run therefore finishes the last digest first ({@link finishLastDigest}).
 */
export async function runDigestNow(
  deps: RunDeps,
  site: SiteConfig,
  options: { until?: Date; apiUrl: string },
): Promise<{ plan: DigestPlan; sent: SendReport[]; resumed?: ResumedDigest }> {
  const resumed = await finishLastDigest(deps, site, options);
  const queue = new MemoryDigestQueue();
  const plan = await planDigest({ ...deps, queue }, site, options.until ? { until: options.until } : {});
  const sent = await sendAll(deps, site, queue, options.apiUrl);
  return { plan, sent, ...(resumed ? { resumed } : {}) };
}

/**
 * Finishes the last planned digest, which a killed run (the CLI's, or local mode's, whose queue
 * is a list in memory) may have left half sent: every active subscriber who was confirmed when it was
 * planned and has no marker for it, or a "sending" marker whose outcome no run recorded, gets it now.
 * Markers are claimed with conditional writes, so a run doing the same at once still mails each
 * person once.
 * @returns what it did, or `undefined` when there was nothing to finish
 */
export async function finishLastDigest(
  deps: RunDeps,
  site: SiteConfig,
  options: { apiUrl: string },
): Promise<ResumedDigest | undefined> {
  const last = (await deps.newsletter.readDigestState())?.lastDigestId;
  const earlier = last ? await deps.newsletter.readDigest(last) : undefined;
  if (earlier === undefined) return undefined;
  const { unreached, inDoubt } = await unreachedRecipients(deps.newsletter, earlier);
  if (unreached.length === 0) return undefined;
  const queue = new MemoryDigestQueue();
  await queue.enqueue([{ digestId: earlier.id, subscriberIds: unreached }]);
  const report = total(earlier.id, await sendAll(deps, site, queue, options.apiUrl));
  // Subscribers with nothing in their categories stay unmarked; only real sends are a resumption.
  if (report.sent + report.rejected + report.recovered + report.held === 0) return undefined;
  deps.log.info('interrupted digest resumed', {
    digestId: earlier.id,
    sent: report.sent,
    recovered: report.recovered,
    held: report.held,
  });
  return { digestId: earlier.id, recipients: report.sent + report.rejected, report, inDoubt };
}

// Continuations (out of time or quota) come back through the queue; recipients another sender
// may still hold are reported rather than queued, since this queue cannot wait for their lease.
async function sendAll(
  deps: RunDeps,
  site: SiteConfig,
  queue: MemoryDigestQueue,
  apiUrl: string,
): Promise<SendReport[]> {
  const reports: SendReport[] = [];
  const send = (job: DigestJob) =>
    sendDigestJob({ ...deps, queue }, site, job, { apiUrl, requeueHeld: false });
  for (let next = queue.take(); next; next = queue.take()) reports.push(await send(next.job));
  return reports;
}

function total(digestId: string, reports: SendReport[]): SendReport {
  const sum: SendReport = { digestId, sent: 0, skipped: 0, rejected: 0, continued: 0, recovered: 0, held: 0 };
  for (const r of reports) {
    sum.sent += r.sent;
    sum.skipped += r.skipped;
    sum.rejected += r.rejected;
    sum.recovered += r.recovered;
    sum.held += r.held;
  }
  return sum;
}

/**
 * Active subscribers, confirmed by the time the digest was planned, without a settled marker for
 * it (none, or "sending"); and how many markers say "sending" (a run stopped between claiming and
 * recording).
 */
async function unreachedRecipients(
  store: NewsletterStore,
  digest: DigestRecord,
): Promise<{ unreached: string[]; inDoubt: number }> {
  const markers = await store.markers(digest.id);
  const unreached: string[] = [];
  let inDoubt = 0;
  for await (const id of store.subscriberIds()) {
    const marker = markers.get(id);
    if (marker !== undefined && marker.status !== 'sending') continue;
    const subscriber = await store.readSubscriber(id);
    const confirmedAt = subscriber?.consent.confirmedAt;
    if (subscriber?.status === 'active' && confirmedAt !== undefined && confirmedAt <= digest.plannedAt) {
      unreached.push(id);
      if (marker !== undefined) inDoubt++;
    }
  }
  return { unreached, inDoubt };
}
