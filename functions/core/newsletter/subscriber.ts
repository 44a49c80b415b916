import { toSlug } from '../text/slug.ts';
import type { EmailAddress } from './email-address.ts';

/** Where a subscription came from: kept as consent evidence. */
export type ConsentSource = 'form' | 'api' | 'import' | 'cli';

/** Evidence of consent: who asked, when, from where, and when they confirmed. */
export interface Consent {
  source: ConsentSource;
  /** ISO 8601. */
  requestedAt: string;
  ip?: string;
  userAgent?: string;
  /** ISO 8601; absent while pending. */
  confirmedAt?: string;
  /** For imports: the file and line the address came from. */
  note?: string;
}

/** One subscriber, as stored (privately) in the newsletter bucket. */
export interface Subscriber {
  id: string;
  email: EmailAddress;
  status: 'pending' | 'active' | 'unsubscribed';
  /** Category slugs; empty means every post. */
  categories: string[];
  consent: Consent;
  /** Categories asked for by an active subscriber, applied when they confirm. */
  pendingCategories?: string[];
  /** When confirmation mails were sent in the last day (ISO 8601), to refuse mail-bombing. */
  confirmationsSent: string[];
  unsubscribedAt?: string;
  unsubscribedVia?: 'link' | 'one-click' | 'cli' | 'bounce' | 'complaint';
  /** Since when the reader paused digests from the preferences page (ISO 8601); absent: not paused. */
  pausedAt?: string;
  updatedAt: string;
}

/** What a reader chooses on the preferences page. */
export interface Preferences {
  /** Category names or slugs; empty means every post. */
  categories: readonly string[];
  paused: boolean;
}

/** Why an address gets no mail at all: kept beside the subscriber records. */
export interface Suppression {
  email: EmailAddress;
  reason: 'bounce' | 'complaint' | 'manual';
  /** ISO 8601. */
  at: string;
  detail?: string;
}

/** A request to subscribe, from the form, the API, the CLI or an import. */
export interface SubscribeRequest {
  email: EmailAddress;
  categories: string[];
  consent: Omit<Consent, 'requestedAt' | 'confirmedAt'>;
}

/** At most one confirmation mail per address every 10 minutes, and 3 a day. */
export const CONFIRMATION_LIMITS = { gapMs: 10 * 60_000, perDay: 3 } as const;
const DAY_MS = 24 * 3600_000;

/**
 * Applies a subscribe request to what is stored for the address.
 * @param existing - the stored subscriber, if any
 * @returns the record to store (undefined: nothing changes) and whether to mail a confirmation
 */
export function requestSubscription(
  id: string,
  existing: Subscriber | undefined,
  request: SubscribeRequest,
  now: Date,
): { record: Subscriber | undefined; sendConfirmation: boolean } {
  const at = now.toISOString();
  const recent = (existing?.confirmationsSent ?? []).filter((t) => now.getTime() - Date.parse(t) < DAY_MS);
  const last = recent.length > 0 ? Math.max(...recent.map((t) => Date.parse(t))) : undefined;
  const allowed =
    recent.length < CONFIRMATION_LIMITS.perDay &&
    (last === undefined || now.getTime() - last >= CONFIRMATION_LIMITS.gapMs);
  const categories = normaliseCategories(request.categories);
  if (existing?.status === 'active') {
    // An active subscriber keeps their choice until they confirm a change from their inbox:
    // otherwise anyone who knows an address could rewrite its categories.
    if (sameSet(existing.categories, categories) || !allowed)
      return { record: undefined, sendConfirmation: false };
    return {
      record: {
        ...existing,
        pendingCategories: categories,
        confirmationsSent: [...recent, at],
        updatedAt: at,
      },
      sendConfirmation: true,
    };
  }
  if (!allowed) return { record: undefined, sendConfirmation: false };
  const record: Subscriber = {
    id,
    email: request.email,
    status: 'pending',
    categories,
    consent: { ...request.consent, requestedAt: at },
    confirmationsSent: [...recent, at],
    updatedAt: at,
  };
  return { record, sendConfirmation: true };
}

/** Activates a subscription (idempotent); a pending category change takes effect. */
export function confirmSubscription(subscriber: Subscriber, now: Date): Subscriber {
  const at = now.toISOString();
  const { pendingCategories, unsubscribedAt: _u, unsubscribedVia: _v, ...rest } = subscriber;
  return {
    ...rest,
    status: 'active',
    categories: pendingCategories ?? subscriber.categories,
    consent: { ...subscriber.consent, confirmedAt: subscriber.consent.confirmedAt ?? at },
    updatedAt: at,
  };
}

/** Ends a subscription at once; the record stays as evidence of consent and of its withdrawal. */
export function endSubscription(
  subscriber: Subscriber,
  via: NonNullable<Subscriber['unsubscribedVia']>,
  now: Date,
): Subscriber {
  if (subscriber.status === 'unsubscribed') return subscriber;
  const { pendingCategories: _p, ...rest } = subscriber;
  return {
    ...rest,
    status: 'unsubscribed',
    unsubscribedAt: now.toISOString(),
    unsubscribedVia: via,
    updatedAt: now.toISOString(),
  };
}

/**
 * Applies a reader's own choice of categories and pause. Their own word needs no confirmation:
 * the signed link came to their inbox.
 * @returns the same object when nothing changes
 */
export function changePreferences(subscriber: Subscriber, preferences: Preferences, now: Date): Subscriber {
  const categories = normaliseCategories(preferences.categories);
  const paused = subscriber.pausedAt !== undefined;
  if (sameSet(categories, subscriber.categories) && paused === preferences.paused) return subscriber;
  const { pausedAt: _p, pendingCategories: _c, ...rest } = subscriber;
  return {
    ...rest,
    categories,
    ...(preferences.paused ? { pausedAt: subscriber.pausedAt ?? now.toISOString() } : {}),
    updatedAt: now.toISOString(),
  };
}

/**
 * Category names or slugs as a reader gave them, as sorted unique slugs.
 * @param names - at most 50 are kept, each cut to 100 characters
 */
export function normaliseCategories(names: readonly string[]): string[] {
  const slugs = names
    .slice(0, 50)
    .map((name) => toSlug(name.slice(0, 100)))
    .filter((slug) => slug !== '');
  return [...new Set(slugs)].sort();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
