import type { SiteConfig } from '../../core/config/site-config.ts';
import type { Subscriber } from '../../core/newsletter/subscriber.ts';
import type { TokenSigner } from '../../core/newsletter/tokens.ts';
import type { DigestJob, DigestQueue } from '../../ports/digest-queue.ts';
import type { Logger } from '../../ports/logger.ts';
import { type Mailer, SendError } from '../../ports/mailer.ts';
import type { Timer } from '../../ports/timer.ts';
import { DigestComposer } from './digest-composer.ts';
import type { DigestRecord, NewsletterStore } from './newsletter-store.ts';
import { Pacer } from './pacer.ts';
import { requireNewsletter } from './subscriptions.ts';

export interface SendDigestDeps {
  newsletter: NewsletterStore;
  mailer: Mailer;
  signer: TokenSigner;
  queue: DigestQueue;
  timer: Timer;
  log: Logger;
}

export interface SendOptions {
  /** The API's absolute base URL, ending in `/`, for unsubscribe links. */
  apiUrl: string;
  /** Milliseconds this invocation has left (Lambda's getRemainingTimeInMillis); unlimited if absent. */
  remainingMs?: () => number;
  /** Stop this long before the invocation ends, leaving time to hand over the rest. */
  reserveMs?: number;
  /** Sends in flight at once: enough to reach SES's rate despite each call's latency. */
  concurrency?: number;
}

export interface SendReport {
  digestId: string;
  sent: number;
  /**
   * Already sent by an earlier attempt or claimed by a concurrent one, unsubscribed, suppressed,
   * pending, or nothing in their categories.
   */
  skipped: number;
  /** Refused by the mail service for this address; not retried. */
  rejected: number;
  /** Handed to a new job (out of time or out of quota). */
  continued: number;
}

const MAX_THROTTLE_RETRIES = 6;
/** The share of SES's maximum send rate Herald uses. */
export const RATE_MARGIN = 0.95;
/** Recipients read ahead of the sends, in parallel. */
const READ_AHEAD = 32;

/**
 * Sends one job of a digest: to each listed subscriber who is active, not suppressed and has posts
 * in their categories, one personal e-mail, paced to the account's send rate. A marker is claimed
 * with a conditional write before each send, so a retried or crashed job, or a concurrent run, never
 * mails anyone twice (a crash between marker and send means that one person misses this digest: the
 * safe side for bulk mail). Throttling is
 * retried with exponential backoff. When time or the day's quota runs out, the rest becomes a new job.
 */
export async function sendDigestJob(
  deps: SendDigestDeps,
  site: SiteConfig,
  job: DigestJob,
  options: SendOptions,
): Promise<SendReport> {
  const newsletter = requireNewsletter(site);
  const report: SendReport = { digestId: job.digestId, sent: 0, skipped: 0, rejected: 0, continued: 0 };
  const digest = await deps.newsletter.readDigest(job.digestId);
  if (digest === undefined) {
    deps.log.error('digest record missing; job dropped', { digestId: job.digestId });
    return report;
  }
  const quota = await deps.mailer.quota();
  let allowance = quota.max24HourSend - quota.sentLast24Hours;
  // SES counts on its own clock; 5% below its limit keeps sends from ever crowding one second.
  const pacer = new Pacer(quota.maxSendRate * RATE_MARGIN, deps.timer);
  const marked = await deps.newsletter.markedRecipients(job.digestId);
  const composer = new DigestComposer(site, digest, {
    apiUrl: options.apiUrl,
    signer: deps.signer,
    date: deps.timer.now(),
  });
  const context = { deps, digest, newsletter, pacer };
  const inFlight = new Set<Promise<void>>();
  const concurrency = options.concurrency ?? 16;
  const reserve = options.reserveMs ?? 60_000;
  let stopped: 'time' | 'quota' | undefined;
  let failure: unknown;
  const leftover: string[] = [];

  const ids = job.subscriberIds.filter((id) => {
    if (marked.has(id)) report.skipped++;
    return !marked.has(id);
  });
  for (let start = 0; start < ids.length; start += READ_AHEAD) {
    const chunk = ids.slice(start, start + READ_AHEAD);
    if (stopped || failure) {
      leftover.push(...chunk);
      continue;
    }
    const records = await Promise.all(chunk.map((id) => readRecipient(deps.newsletter, id)));
    for (const [i, subscriber] of records.entries()) {
      const id = chunk[i] as string;
      if (stopped || failure) {
        leftover.push(id);
        continue;
      }
      if (options.remainingMs && options.remainingMs() < reserve) stopped = 'time';
      else if (allowance <= 0) stopped = 'quota';
      if (stopped) {
        leftover.push(id);
        continue;
      }
      const raw = subscriber && (await composer.compose(subscriber));
      if (subscriber === undefined || raw === undefined) {
        report.skipped++;
        continue;
      }
      allowance--;
      await pacer.wait();
      const send = deliver(context, subscriber, raw)
        .then((outcome) => {
          if (outcome === 'sent') report.sent++;
          else if (outcome === 'rejected') report.rejected++;
          else if (outcome === 'claimed') {
            report.skipped++;
            allowance++;
          } else {
            stopped = 'quota';
            leftover.push(id);
          }
        })
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => inFlight.delete(send));
      inFlight.add(send);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
  }
  await Promise.all(inFlight);
  if (leftover.length > 0) {
    // Out of quota: wait the longest SQS allows and look again; out of time: carry on at once.
    await deps.queue.enqueue(
      [{ digestId: job.digestId, subscriberIds: leftover }],
      stopped === 'quota' ? 900 : 0,
    );
    report.continued = leftover.length;
    deps.log.info('digest job continued in a new job', {
      digestId: job.digestId,
      reason: stopped ?? 'error',
      recipients: leftover.length,
    });
  }
  if (failure !== undefined) throw failure;
  deps.log.info('digest job done', { ...report });
  return report;
}

interface SendContext {
  deps: SendDigestDeps;
  digest: DigestRecord;
  newsletter: NonNullable<SiteConfig['newsletter']>;
  pacer: Pacer;
}

// Active and not paused. The status alone decides the rest: suppressing an address ends its subscription, and a suppressed address
// can neither confirm nor be added again, so a second read per recipient would tell nothing new.
async function readRecipient(store: NewsletterStore, id: string): Promise<Subscriber | undefined> {
  const subscriber = await store.readSubscriber(id);
  return subscriber?.status === 'active' && subscriber.pausedAt === undefined ? subscriber : undefined;
}

async function deliver(
  context: SendContext,
  subscriber: Subscriber,
  raw: Buffer,
): Promise<'sent' | 'rejected' | 'quota' | 'claimed'> {
  const { deps, digest, newsletter, pacer } = context;
  const at = deps.timer.now().toISOString();
  // Conditional: of two runs or jobs reaching one recipient at once, only one sends.
  if (!(await deps.newsletter.claimRecipient(digest.id, subscriber.id, { at, status: 'sending' })))
    return 'claimed';
  for (let attempt = 0; ; attempt++) {
    try {
      const { messageId } = await deps.mailer.send({
        from: newsletter.from.address,
        to: subscriber.email,
        raw,
      });
      await deps.newsletter.writeMarker(digest.id, subscriber.id, { at, status: 'sent', messageId });
      return 'sent';
    } catch (error) {
      if (!(error instanceof SendError)) throw error;
      if (error.failure === 'throttled' && attempt < MAX_THROTTLE_RETRIES) {
        // 1 s, 2 s, 4 s … with jitter; the pacer holds every send back as long, and the retry
        // takes its turn like any other send so that it cannot burst past the rate.
        pacer.pause(1000 * 2 ** attempt * (0.75 + Math.random() / 2));
        await pacer.wait();
        continue;
      }
      if (error.failure === 'quota-exhausted' || error.failure === 'throttled') {
        // Known not sent: drop the marker so that the continuation job sends it, later.
        await deps.newsletter.deleteMarker(digest.id, subscriber.id);
        return 'quota';
      }
      await deps.newsletter.writeMarker(digest.id, subscriber.id, {
        at,
        status: 'rejected',
        reason: error.message,
      });
      deps.log.warn('digest not accepted for a subscriber', {
        subscriber: subscriber.id,
        failure: error.failure,
        reason: error.message,
      });
      return 'rejected';
    }
  }
}
