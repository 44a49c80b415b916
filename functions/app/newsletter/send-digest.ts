import type { SiteConfig } from '../../core/config/site-config.ts';
import type { Subscriber } from '../../core/newsletter/subscriber.ts';
import type { TokenSigner } from '../../core/newsletter/tokens.ts';
import type { DigestJob, DigestQueue } from '../../ports/digest-queue.ts';
import type { Logger } from '../../ports/logger.ts';
import { type Mailer, SendError } from '../../ports/mailer.ts';
import type { Timer } from '../../ports/timer.ts';
import { mapLimit } from '../map-limit.ts';
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
  /**
   * How long a "sending" claim protects a recipient whose mail service cannot say whether it has
   * the message (SES): {@link SENDING_LEASE_MS} unless a test says otherwise.
   */
  leaseMs?: number;
  /**
   * Recipients still under another sender's lease go to a delayed job (the default, for SQS); a
   * caller with no delayed queue (the CLI) passes false and reports them as held.
   */
  requeueHeld?: boolean;
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
  /** Handed to a new job (out of time or out of quota, or held, below). */
  continued: number;
  /**
   * Marked "sending" by a sender that stopped before recording the outcome, and found in the mail
   * service's record of sent messages (the outbox): recorded as sent, not mailed again.
   */
  recovered: number;
  /**
   * Marked "sending" less than the lease ago by a sender that may still be at work, with a mail
   * service that cannot tell whether it has the message (SES): left to that sender, or to a later
   * job once the lease has run out.
   */
  held: number;
}

/**
 * A "sending" claim younger than this belongs to a sender that may still be at work: the digest
 * function's timeout (15 minutes), after which Lambda has stopped any invocation that claimed it.
 */
export const SENDING_LEASE_MS = 15 * 60_000;

const MAX_THROTTLE_RETRIES = 6;
/** The share of SES's maximum send rate Herald uses. */
export const RATE_MARGIN = 0.95;
/** Recipients read ahead of the sends, in parallel. */
const READ_AHEAD = 32;

/**
 * Sends one job of a digest: to each listed subscriber who is active, not suppressed and has posts
 * in their categories, one personal e-mail, paced to the account's send rate. Throttling is retried
 * with exponential backoff. When time or the day's quota runs out, the rest becomes a new job.
 *
 * Exactly once: each recipient is claimed with a conditional marker write ("sending") before the
 * send, so a concurrent run or job skips them; the message goes out under an idempotency key (digest
 * and recipient), and the marker becomes "sent" with the service's message id. A recipient found
 * still "sending" (a sender died between claim and record) is settled by asking the mail service:
 * the outbox has the file (recorded as sent) or has not (sent now; the outbox accepts a key once,
 * so even a sender still at work cannot make it two). SES keeps no record by key: such a recipient
 * is sent again once the claim is older than {@link SENDING_LEASE_MS}. The one window left is a
 * sender killed after SES accepted its message and before the "sent" marker was written (one S3 PUT,
 * tens of milliseconds): that recipient gets the digest twice. Every other crash, kill or retry
 * leaves each recipient mailed once.
 */
export async function sendDigestJob(
  deps: SendDigestDeps,
  site: SiteConfig,
  job: DigestJob,
  options: SendOptions,
): Promise<SendReport> {
  const newsletter = requireNewsletter(site);
  const report: SendReport = {
    digestId: job.digestId,
    sent: 0,
    skipped: 0,
    rejected: 0,
    continued: 0,
    recovered: 0,
    held: 0,
  };
  const digest = await deps.newsletter.readDigest(job.digestId);
  if (digest === undefined) {
    deps.log.error('digest record missing; job dropped', { digestId: job.digestId });
    return report;
  }
  const quota = await deps.mailer.quota();
  let allowance = quota.max24HourSend - quota.sentLast24Hours;
  // SES counts on its own clock; 5% below its limit keeps sends from ever crowding one second.
  const pacer = new Pacer(quota.maxSendRate * RATE_MARGIN, deps.timer);
  const done = await settledRecipients(deps.newsletter, job);
  const composer = new DigestComposer(site, digest, {
    apiUrl: options.apiUrl,
    signer: deps.signer,
    date: deps.timer.now(),
  });
  const context = { deps, digest, newsletter, pacer, leaseMs: options.leaseMs ?? SENDING_LEASE_MS };
  const inFlight = new Set<Promise<void>>();
  const concurrency = options.concurrency ?? 16;
  const reserve = options.reserveMs ?? 60_000;
  let stopped: 'time' | 'quota' | undefined;
  let failure: unknown;
  const leftover: string[] = [];
  const held: string[] = [];

  const ids = job.subscriberIds.filter((id) => {
    if (done.has(id)) report.skipped++;
    return !done.has(id);
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
          else if (outcome === 'claimed' || outcome === 'recovered' || outcome === 'held') {
            if (outcome === 'claimed') report.skipped++;
            else if (outcome === 'recovered') report.recovered++;
            else held.push(id);
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
  report.held = held.length;
  if (held.length > 0 && options.requeueHeld !== false) {
    // Looked at again once the oldest claim can have run out (SQS delays at most 15 minutes).
    await deps.queue.enqueue(
      [{ digestId: job.digestId, subscriberIds: held }],
      Math.ceil(context.leaseMs / 1000),
    );
    report.continued += held.length;
    deps.log.info('digest recipients held by another sender; looked at again later', {
      digestId: job.digestId,
      recipients: held.length,
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
  leaseMs: number;
}

/**
 * The job's recipients whose marker says the matter is settled (sent or refused), so the job skips
 * them without composing; those still "sending" are settled in {@link deliver}. A first delivery
 * of a job finds no markers and reads nothing more than one listing.
 */
async function settledRecipients(store: NewsletterStore, job: DigestJob): Promise<Set<string>> {
  const marked = await store.markedRecipients(job.digestId);
  const ids = job.subscriberIds.filter((id) => marked.has(id));
  const markers = await mapLimit(ids, READ_AHEAD, (id) => store.readMarker(job.digestId, id));
  return new Set(ids.filter((_, i) => markers[i] !== undefined && markers[i]?.status !== 'sending'));
}

/**
 * The idempotency key of one recipient's copy of a digest: the digest id first (its date), then
 * `+`, which neither id holds and which sorts before the `-2` of a second digest planned in the
 * same minute, so the outbox lists digests in the order they were sent.
 */
const idempotencyKeyOf = (digestId: string, subscriberId: string): string => `${digestId}+${subscriberId}`;

/**
 * Claims a recipient for this sender: a new "sending" marker, or taking over one whose sender
 * stopped. "recovered" when the mail service already has the message (the marker now says so),
 * "held" when a sender may still be at work on it, "claimed" when another sender has it or is done.
 */
async function claim(
  context: SendContext,
  subscriber: Subscriber,
  at: string,
): Promise<'mine' | 'claimed' | 'recovered' | 'held'> {
  const { deps, digest } = context;
  const store = deps.newsletter;
  if (await store.claimRecipient(digest.id, subscriber.id, { at, status: 'sending' })) return 'mine';
  const current = await store.readMarkerVersioned(digest.id, subscriber.id);
  // Settled, or dropped by a sender out of quota (its continuation job sends it).
  if (current === undefined || current.marker.status !== 'sending') return 'claimed';
  const record = await deps.mailer.findSent(idempotencyKeyOf(digest.id, subscriber.id), subscriber.email);
  if (record !== 'unknown' && record.found) {
    await store.writeMarker(digest.id, subscriber.id, { at, status: 'sent', messageId: record.messageId });
    return 'recovered';
  }
  // The service cannot tell: a claim younger than the lease may belong to a sender still at work.
  if (record === 'unknown' && Date.parse(at) - Date.parse(current.marker.at) < context.leaseMs) return 'held';
  const taken = await store.replaceMarker(
    digest.id,
    subscriber.id,
    { at, status: 'sending' },
    current.version,
  );
  return taken ? 'mine' : 'claimed';
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
): Promise<'sent' | 'rejected' | 'quota' | 'claimed' | 'recovered' | 'held'> {
  const { deps, digest, newsletter, pacer } = context;
  const at = deps.timer.now().toISOString();
  // Conditional: of two runs or jobs reaching one recipient at once, only one sends.
  const claimed = await claim(context, subscriber, at);
  if (claimed !== 'mine') return claimed;
  for (let attempt = 0; ; attempt++) {
    try {
      const { messageId } = await deps.mailer.send({
        from: newsletter.from.address,
        to: subscriber.email,
        raw,
        idempotencyKey: idempotencyKeyOf(digest.id, subscriber.id),
      });
      // At once, and nothing awaited before it: the time between the service accepting the message
      // and this write is the one window in which a kill leaves SES's recipients mailed twice.
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
