import { MemoryDigestQueue } from '../../adapters/memory-digest-queue.ts';
import type { SiteConfig } from '../../core/config/site-config.ts';
import type { DigestRecord, NewsletterStore } from './newsletter-store.ts';
import { type DigestPlan, type PlanDigestDeps, planDigest } from './plan-digest.ts';
import { type SendDigestDeps, type SendReport, sendDigestJob } from './send-digest.ts';

/** What finishing an earlier, interrupted digest did. */
export interface ResumedDigest {
  digestId: string;
  /** Subscribers no run had reached, mailed now (sent or refused by the mail service). */
  recipients: number;
  report: SendReport;
  /**
   * Recipients marked "sending" by a run that stopped before it recorded the outcome: the mail may
   * or may not have left, so they are not mailed again (at most once is the safe side for bulk mail).
   */
  inDoubt: number;
}

/**
 * Plans a digest and sends every job in this process, one after another: for the CLI, where there
 * is no SQS. The same use-cases as in AWS; only the queue is a list, so a run that is killed loses
 * its jobs. The next run therefore finishes the last digest first: every active subscriber who was
 * confirmed when it was planned and has no marker for it gets it now (markers are claimed with
 * conditional writes, so concurrent runs still mail each person once).
 */
export async function runDigestNow(
  deps: Omit<PlanDigestDeps & SendDigestDeps, 'queue'>,
  site: SiteConfig,
  options: { until?: Date; apiUrl: string },
): Promise<{ plan: DigestPlan; sent: SendReport[]; resumed?: ResumedDigest }> {
  const queue = new MemoryDigestQueue();
  const send = (job: { digestId: string; subscriberIds: string[] }) =>
    sendDigestJob({ ...deps, queue }, site, job, { apiUrl: options.apiUrl });
  const last = (await deps.newsletter.readDigestState())?.lastDigestId;
  const earlier = last ? await deps.newsletter.readDigest(last) : undefined;
  let resumed: ResumedDigest | undefined;
  if (earlier !== undefined) {
    const { unreached, inDoubt } = await unreachedRecipients(deps.newsletter, earlier);
    if (unreached.length > 0) {
      const reports = await sendAll(queue, send, { digestId: earlier.id, subscriberIds: unreached });
      const report = total(earlier.id, reports);
      // Subscribers with nothing in their categories stay unmarked; only real sends are a resumption.
      if (report.sent + report.rejected > 0) {
        resumed = { digestId: earlier.id, recipients: report.sent + report.rejected, report, inDoubt };
        deps.log.info('interrupted digest resumed', { digestId: earlier.id, sent: report.sent });
      }
    }
  }
  const plan = await planDigest({ ...deps, queue }, site, options.until ? { until: options.until } : {});
  const sent: SendReport[] = [];
  for (let next = queue.take(); next; next = queue.take()) sent.push(await send(next.job));
  return { plan, sent, ...(resumed ? { resumed } : {}) };
}

async function sendAll(
  queue: MemoryDigestQueue,
  send: (job: { digestId: string; subscriberIds: string[] }) => Promise<SendReport>,
  first: { digestId: string; subscriberIds: string[] },
): Promise<SendReport[]> {
  const reports = [await send(first)];
  // Continuations (out of time or quota) come back through the queue.
  for (let next = queue.take(); next; next = queue.take()) reports.push(await send(next.job));
  return reports;
}

function total(digestId: string, reports: SendReport[]): SendReport {
  const sum: SendReport = { digestId, sent: 0, skipped: 0, rejected: 0, continued: 0 };
  for (const r of reports) {
    sum.sent += r.sent;
    sum.skipped += r.skipped;
    sum.rejected += r.rejected;
  }
  return sum;
}

/**
 * Active subscribers, confirmed by the time the digest was planned, without a marker for it; and
 * how many markers say "sending" (a run stopped between claiming and recording).
 */
async function unreachedRecipients(
  store: NewsletterStore,
  digest: DigestRecord,
): Promise<{ unreached: string[]; inDoubt: number }> {
  const markers = await store.markers(digest.id);
  const unreached: string[] = [];
  for await (const id of store.subscriberIds()) {
    if (markers.has(id)) continue;
    const subscriber = await store.readSubscriber(id);
    const confirmedAt = subscriber?.consent.confirmedAt;
    if (subscriber?.status === 'active' && confirmedAt !== undefined && confirmedAt <= digest.plannedAt)
      unreached.push(id);
  }
  const inDoubt = [...markers.values()].filter((m) => m.status === 'sending').length;
  return { unreached, inDoubt };
}
