import { parseEmailAddress } from '../../core/newsletter/email-address.ts';
import { endSubscription, normaliseCategories, type Subscriber } from '../../core/newsletter/subscriber.ts';
import type { TokenSigner } from '../../core/newsletter/tokens.ts';
import { closest } from '../../core/text/did-you-mean.ts';
import { toSlug } from '../../core/text/slug.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import { categoriesInUse } from '../post-index/post-index.ts';
import type { NewsletterStore } from './newsletter-store.ts';

export interface ManageDeps {
  newsletter: NewsletterStore;
  signer: TokenSigner;
  clock: Clock;
}

/** One address to add from the command line. */
export interface NewSubscriber {
  email: string;
  categories: string[];
  /** Where it came from, kept as consent evidence. */
  note?: string;
}

export type AddOutcome = { added: true } | { added: false; reason: string };

/**
 * Adds an active subscriber on the operator's word (the CLI). Never overrides a person's own decision: suppressed and unsubscribed addresses are
 * refused, with the reason.
 */
export async function addSubscriber(
  deps: ManageDeps,
  input: NewSubscriber,
  source: 'cli',
): Promise<AddOutcome> {
  const checked = parseEmailAddress(input.email);
  if (!checked.ok) return { added: false, reason: `address ${checked.reason}` };
  const id = deps.signer.subscriberId(checked.address);
  const [suppression, existing] = await Promise.all([
    deps.newsletter.readSuppression(id),
    deps.newsletter.readSubscriber(id),
  ]);
  if (suppression)
    return {
      added: false,
      reason: `suppressed after a ${suppression.reason} on ${suppression.at.slice(0, 10)}`,
    };
  if (existing?.status === 'unsubscribed')
    return {
      added: false,
      reason: `unsubscribed on ${existing.unsubscribedAt?.slice(0, 10) ?? 'an earlier date'}`,
    };
  if (existing?.status === 'active') return { added: false, reason: 'already subscribed' };
  const at = deps.clock.now().toISOString();
  const subscriber: Subscriber = {
    id,
    email: checked.address,
    status: 'active',
    categories: normaliseCategories(input.categories),
    consent: {
      source,
      requestedAt: at,
      confirmedAt: at,
      ...(input.note ? { note: input.note } : {}),
    },
    confirmationsSent: [],
    updatedAt: at,
  };
  await deps.newsletter.writeSubscriber(subscriber);
  return { added: true };
}

/**
 * Ends a subscription on the operator's word; with `forget`, erases the record (a request to be
 * forgotten) but keeps any suppression, so that the address still gets no mail.
 * @returns false when the address is not on the list
 */
export async function removeSubscriber(deps: ManageDeps, email: string, forget: boolean): Promise<boolean> {
  const checked = parseEmailAddress(email);
  if (!checked.ok) return false;
  const id = deps.signer.subscriberId(checked.address);
  const existing = await deps.newsletter.readSubscriber(id);
  if (existing === undefined) return false;
  if (forget) await deps.newsletter.deleteSubscriber(id);
  else await deps.newsletter.writeSubscriber(endSubscription(existing, 'cli', deps.clock.now()));
  return true;
}

/** A category asked for that no post uses, and the one in use it probably means. */
export interface UnusedCategory {
  name: string;
  meant?: string;
}

/**
 * The categories among `requested` that no published or scheduled post uses: a subscriber to them
 * alone would never get a digest, which is most often a typo or a category not created yet.
 * @param state - the publish state store
 * @returns empty when every category is in use, or when nothing was ever published (no way to know)
 */
export async function unusedCategories(
  state: BlobStore,
  requested: readonly string[],
): Promise<UnusedCategory[]> {
  const terms = await categoriesInUse(state, true);
  if (terms === undefined) return [];
  const inUse = new Map(terms.map((term) => [term.slug, term.name]));
  return requested
    .filter((name) => !inUse.has(toSlug(name)))
    .map((name) => {
      const meant = closest(name, inUse.values());
      return meant === undefined ? { name } : { name, meant };
    });
}
