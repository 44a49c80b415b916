import { parseEmailAddress } from '../../core/newsletter/email-address.ts';
import { endSubscription, normaliseCategories, type Subscriber } from '../../core/newsletter/subscriber.ts';
import type { TokenSigner } from '../../core/newsletter/tokens.ts';
import { categoryOf } from '../../core/site/feed-heads.ts';
import { closest } from '../../core/text/did-you-mean.ts';
import { toSlug } from '../../core/text/slug.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import { mapLimit } from '../map-limit.ts';
import { PublishState } from '../publish-state.ts';
import type { NewsletterStore } from './newsletter-store.ts';

export interface ManageDeps {
  newsletter: NewsletterStore;
  signer: TokenSigner;
  clock: Clock;
}

/** One address to add, from the command line or a CSV row. */
export interface NewSubscriber {
  email: string;
  categories: string[];
  /** Where it came from, kept as consent evidence (e.g. `list.csv line 12`). */
  note?: string;
  /** When the person originally consented, if the source says (ISO 8601). */
  consentedAt?: string;
}

export type AddOutcome = { added: true } | { added: false; reason: string };

/**
 * Adds an active subscriber on the operator's word (the CLI, an import of a list that already
 * confirmed). Never overrides a person's own decision: suppressed and unsubscribed addresses are
 * refused, with the reason.
 */
export async function addSubscriber(
  deps: ManageDeps,
  input: NewSubscriber,
  source: 'cli' | 'import',
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
  const consentedAt =
    input.consentedAt && !Number.isNaN(Date.parse(input.consentedAt))
      ? new Date(input.consentedAt).toISOString()
      : at;
  const subscriber: Subscriber = {
    id,
    email: checked.address,
    status: 'active',
    categories: normaliseCategories(input.categories),
    consent: {
      source,
      requestedAt: consentedAt,
      confirmedAt: consentedAt,
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

export interface ImportReport {
  added: number;
  skipped: { line: number; email: string; reason: string }[];
}

/**
 * Imports rows (e.g. from a CSV file), several at a time; each row is added or skipped with its
 * reason (invalid, suppressed, unsubscribed, already subscribed, a repeat within the file).
 * @param onProgress - told how many rows are done, for a progress bar
 */
export async function importSubscribers(
  deps: ManageDeps,
  rows: readonly (NewSubscriber & { line: number })[],
  onProgress: (done: number) => void = () => {},
): Promise<ImportReport> {
  const report: ImportReport = { added: 0, skipped: [] };
  const seen = new Map<string, number>();
  let done = 0;
  await mapLimit(rows, 16, async (row) => {
    const checked = parseEmailAddress(row.email);
    const key = checked.ok ? checked.address.toLowerCase() : undefined;
    const first = key === undefined ? undefined : seen.get(key);
    if (key !== undefined && first === undefined) seen.set(key, row.line);
    const outcome: AddOutcome =
      first !== undefined
        ? { added: false, reason: `repeats line ${first}` }
        : await addSubscriber(deps, row, 'import');
    if (outcome.added) report.added++;
    else report.skipped.push({ line: row.line, email: row.email, reason: outcome.reason });
    onProgress(++done);
  });
  report.skipped.sort((a, b) => a.line - b.line);
  return report;
}

/** Every subscriber record, in id order. */
export async function* allSubscribers(newsletter: NewsletterStore): AsyncIterable<Subscriber> {
  const ids: string[] = [];
  for await (const id of newsletter.subscriberIds()) ids.push(id);
  for (let i = 0; i < ids.length; i += 64) {
    const records = await mapLimit(ids.slice(i, i + 64), 16, (id) => newsletter.readSubscriber(id));
    for (const record of records) if (record) yield record;
  }
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
  const index = await new PublishState(state).loadIndex();
  if (index === undefined) return [];
  const inUse = new Map<string, string>();
  for (const [folder, list] of Object.entries(index.heads.lists))
    if (folder !== '') {
      const category = categoryOf(folder, list);
      inUse.set(category.slug, category.name);
    }
  for (const entry of index.heads.upcoming)
    for (const name of entry.cats ?? []) if (!inUse.has(toSlug(name))) inUse.set(toSlug(name), name);
  return requested
    .filter((name) => !inUse.has(toSlug(name)))
    .map((name) => {
      const meant = closest(name, inUse.values());
      return meant === undefined ? { name } : { name, meant };
    });
}
