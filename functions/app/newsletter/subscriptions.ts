import type { SiteConfig } from '../../core/config/site-config.ts';
import { ConfigError } from '../../core/errors.ts';
import { type PersonalLinks, renderConfirmation } from '../../core/newsletter/digest-email.ts';
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
import type { Clock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import { type Mailer, SendError } from '../../ports/mailer.ts';
import type { NewsletterStore } from './newsletter-store.ts';

/** What the subscription use-cases need. */
export interface SubscriptionDeps {
  newsletter: NewsletterStore;
  mailer: Mailer;
  signer: TokenSigner;
  clock: Clock;
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
  const existing = await deps.newsletter.readSubscriber(id);
  const { record, sendConfirmation } = requestSubscription(id, existing, request, now);
  if (record === undefined) return existing?.status === 'active' ? 'nothing-to-do' : 'rate-limited';
  await deps.newsletter.writeSubscriber(record);
  if (!sendConfirmation) return 'nothing-to-do';
  const expiresAt = new Date(now.getTime() + newsletter.confirmHours * 3600_000);
  const link = `${apiUrl}confirm?token=${deps.signer.sign('confirm', id, expiresAt)}`;
  const bodies = renderConfirmation(site, link, expiresAt);
  const raw = await composeMessage({
    from: newsletter.from,
    to: record.email,
    ...(newsletter.replyTo ? { replyTo: newsletter.replyTo } : {}),
    ...bodies,
    messageId: `confirm-${now.getTime().toString(36)}.${id}@${domainOf(newsletter.from.address)}`,
    date: now,
    boundary: `${id}${now.getTime().toString(36)}`,
  });
  try {
    await deps.mailer.send({ from: newsletter.from.address, to: record.email, raw });
  } catch (error) {
    if (!(error instanceof SendError)) throw error;
    deps.log.warn('confirmation mail not sent', {
      subscriber: id,
      failure: error.failure,
      reason: error.message,
    });
    return 'mail-refused';
  }
  deps.log.info('confirmation mail sent', { subscriber: id, source: request.consent.source });
  return 'confirmation-sent';
}

/** The result of following a confirmation or unsubscribe link. */
export type LinkOutcome =
  | { ok: true; subscriber?: Subscriber }
  | { ok: false; problem: TokenProblem | 'unknown' };

/** Activates the subscription a confirmation token names. Idempotent. */
export async function confirm(deps: SubscriptionDeps, token: string): Promise<LinkOutcome> {
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
