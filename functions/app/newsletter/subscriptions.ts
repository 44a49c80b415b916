import type { SiteConfig } from '../../core/config/site-config.ts';
import { ConfigError } from '../../core/errors.ts';
import { type PersonalLinks, renderConfirmation, renderWelcome } from '../../core/newsletter/digest-email.ts';
import { composeMessage } from '../../core/newsletter/mime.ts';
import {
  changePreferences,
  confirmSubscription,
  endSubscription,
  type Preferences,
  requestSubscription,
  type SubscribeRequest,
  type Subscriber,
} from '../../core/newsletter/subscriber.ts';
import type { TokenProblem, TokenSigner } from '../../core/newsletter/tokens.ts';
import { WriteConflict } from '../../ports/blob-store.ts';
import type { Logger } from '../../ports/logger.ts';
import { type Mailer, SendError } from '../../ports/mailer.ts';
import type { Timer } from '../../ports/timer.ts';
import type { NewsletterStore } from './newsletter-store.ts';

/** What the subscription use-cases need. */
export interface SubscriptionDeps {
  newsletter: NewsletterStore;
  mailer: Mailer;
  signer: TokenSigner;
  /** A timer, not only a clock: the subscribe answer waits out a fixed time (see http-api.ts). */
  clock: Timer;
  log: Logger;
}

/** The outcome of a subscribe request; callers answer every outcome the same way. */
export type SubscribeOutcome =
  | 'confirmation-sent'
  | 'nothing-to-do'
  | 'suppressed'
  | 'rate-limited'
  | 'mail-refused';

/**
 * Records a request to subscribe and mails a confirmation link (double opt-in). Whatever the
 * outcome, the caller must answer the same way, so that nobody can learn whether an address is on
 * the list. Suppressed addresses (bounced, complained) get no mail.
 * @param apiUrl - the API's absolute base URL, ending in `/`, for the confirmation link
 */
export async function subscribe(
  deps: SubscriptionDeps,
  site: SiteConfig,
  apiUrl: string,
  request: SubscribeRequest,
): Promise<SubscribeOutcome> {
  const newsletter = requireNewsletter(site);
  const id = deps.signer.subscriberId(request.email);
  if (await deps.newsletter.readSuppression(id)) return 'suppressed';
  const now = deps.clock.now();
  const found = await deps.newsletter.readSubscriberVersioned(id);
  const existing = found?.subscriber;
  const { record, sendConfirmation } = requestSubscription(id, existing, request, now);
  if (record === undefined) return existing?.status === 'active' ? 'nothing-to-do' : 'rate-limited';
  try {
    // Of concurrent requests for one address only the first write stands; the others saw a record
    // that no longer is, and their confirmation would break the rate limit.
    await deps.newsletter.replaceSubscriber(record, found?.version);
  } catch (error) {
    if (error instanceof WriteConflict) return 'rate-limited';
    throw error;
  }
  if (!sendConfirmation) return 'nothing-to-do';
  const expiresAt = new Date(now.getTime() + newsletter.confirmHours * 3600_000);
  const link = `${apiUrl}confirm?token=${deps.signer.sign('confirm', id, expiresAt)}`;
  const sent = await sendMail(deps, site, record, renderConfirmation(site, link, expiresAt), 'confirm', now);
  if (!sent) return 'mail-refused';
  deps.log.info('confirmation mail sent', { subscriber: id, source: request.consent.source });
  return 'confirmation-sent';
}

/** The result of following a confirmation or unsubscribe link. */
export type LinkOutcome =
  | { ok: true; subscriber?: Subscriber }
  | { ok: false; problem: TokenProblem | 'unknown' };

/**
 * Activates the subscription a confirmation token names. Idempotent.
 * @param welcome - the site and API URL, to mail a welcome with the reader's preferences link when
 *   site.yaml asks for one (`newsletter.welcome: true`); only on the first confirmation
 */
export async function confirm(
  deps: SubscriptionDeps,
  token: string,
  welcome?: { site: SiteConfig; apiUrl: string },
): Promise<LinkOutcome> {
  const now = deps.clock.now();
  const checked = deps.signer.verify(token, 'confirm', now);
  if (!checked.ok) return checked;
  const id = checked.token.subscriberId;
  const subscriber = await deps.newsletter.readSubscriber(id);
  // Unsubscribed after the mail was sent: the later decision stands; they can subscribe again.
  if (subscriber === undefined || subscriber.status === 'unsubscribed')
    return { ok: false, problem: 'unknown' };
  if (await deps.newsletter.readSuppression(id)) return { ok: false, problem: 'unknown' };
  const confirmed = confirmSubscription(subscriber, now);
  await deps.newsletter.writeSubscriber(confirmed);
  if (subscriber.status === 'pending' && welcome?.site.newsletter?.welcome) {
    const links = personalLinks(welcome.apiUrl, deps.signer, id);
    // A welcome that cannot be sent is logged; the subscription stands.
    await sendMail(deps, welcome.site, confirmed, renderWelcome(welcome.site, links), 'welcome', now);
  }
  if (subscriber.status !== 'active' || subscriber.pendingCategories)
    deps.log.info('subscription confirmed', { subscriber: id });
  return { ok: true, subscriber: confirmed };
}

/**
 * Ends the subscription an unsubscribe token names, at once. Idempotent: an unknown or already
 * unsubscribed id is a success, since the person's wish is met either way.
 */
export async function unsubscribe(
  deps: SubscriptionDeps,
  token: string,
  via: 'link' | 'one-click',
): Promise<LinkOutcome> {
  const now = deps.clock.now();
  const checked = deps.signer.verify(token, 'unsubscribe', now);
  if (!checked.ok) return checked;
  const id = checked.token.subscriberId;
  const subscriber = await deps.newsletter.readSubscriber(id);
  if (subscriber === undefined) return { ok: true };
  if (subscriber.status !== 'unsubscribed') {
    await deps.newsletter.writeSubscriber(endSubscription(subscriber, via, now));
    deps.log.info('unsubscribed', { subscriber: id, via });
  }
  return { ok: true };
}

/**
 * Reads the subscription a preferences link names, for its page.
 * @returns the subscriber; `unknown` when there is none any more
 */
export async function readPreferences(deps: SubscriptionDeps, token: string): Promise<LinkOutcome> {
  const checked = deps.signer.verify(token, 'unsubscribe', deps.clock.now());
  if (!checked.ok) return checked;
  const subscriber = await deps.newsletter.readSubscriber(checked.token.subscriberId);
  return subscriber === undefined ? { ok: false, problem: 'unknown' } : { ok: true, subscriber };
}

/**
 * Applies what a reader chose on the preferences page. Only an active subscription changes: an
 * unsubscribed reader subscribes again through the form (and confirms), never through an old link.
 */
export async function updatePreferences(
  deps: SubscriptionDeps,
  token: string,
  preferences: Preferences,
): Promise<LinkOutcome> {
  const found = await readPreferences(deps, token);
  if (!found.ok || found.subscriber === undefined || found.subscriber.status !== 'active') return found;
  const changed = changePreferences(found.subscriber, preferences, deps.clock.now());
  if (changed !== found.subscriber) {
    await deps.newsletter.writeSubscriber(changed);
    deps.log.info('preferences changed', {
      subscriber: changed.id,
      categories: changed.categories.length,
      paused: changed.pausedAt !== undefined,
    });
  }
  return { ok: true, subscriber: changed };
}

/**
 * The site's newsletter section.
 * @throws ConfigError when site.yaml has none
 */
export function requireNewsletter(site: SiteConfig): NonNullable<SiteConfig['newsletter']> {
  if (site.newsletter === undefined)
    throw new ConfigError('site.yaml', 'newsletter', 'is required for e-mail digests (from: and schedule:)');
  return site.newsletter;
}

/** The domain of an address, for Message-IDs. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/**
 * Composes and sends one transactional mail (a confirmation, a welcome) to a subscriber.
 * @returns false when the mail service refused it (logged)
 */
async function sendMail(
  deps: SubscriptionDeps,
  site: SiteConfig,
  to: Subscriber,
  bodies: { subject: string; html: string; text: string },
  kind: 'confirm' | 'welcome',
  now: Date,
): Promise<boolean> {
  const newsletter = requireNewsletter(site);
  const raw = await composeMessage({
    from: newsletter.from,
    to: to.email,
    ...(newsletter.replyTo ? { replyTo: newsletter.replyTo } : {}),
    ...bodies,
    messageId: `${kind}-${now.getTime().toString(36)}.${to.id}@${domainOf(newsletter.from.address)}`,
    date: now,
    boundary: `${to.id}${now.getTime().toString(36)}`,
  });
  try {
    await deps.mailer.send({ from: newsletter.from.address, to: to.email, raw });
    return true;
  } catch (error) {
    if (!(error instanceof SendError)) throw error;
    deps.log.warn(`${kind} mail not sent`, {
      subscriber: to.id,
      failure: error.failure,
      reason: error.message,
    });
    return false;
  }
}

/**
 * A subscriber's unsubscribe and preferences links. Both carry the same never-expiring token: the
 * preferences page can do no more than the unsubscribe link (end or narrow the subscription).
 */
export function personalLinks(apiUrl: string, signer: TokenSigner, subscriberId: string): PersonalLinks {
  const token = signer.sign('unsubscribe', subscriberId);
  return {
    unsubscribe: `${apiUrl}unsubscribe?token=${token}`,
    preferences: `${apiUrl}preferences?token=${token}`,
  };
}
