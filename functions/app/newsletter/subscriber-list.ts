import { mergeListEntry } from '../../core/newsletter/list-import.ts';
import type { Subscriber, Suppression } from '../../core/newsletter/subscriber.ts';
import type {
  ExportRecord,
  ListEntry,
  ListStatus,
  SkippedLine,
} from '../../core/newsletter/subscriber-file.ts';
import { mapLimit } from '../map-limit.ts';
import type { ManageDeps } from './manage-subscribers.ts';
import type { NewsletterStore } from './newsletter-store.ts';

/** What an import did. */
export interface ListImportReport {
  /** New addresses, by the status they were stored with. */
  added: Record<ListStatus, number>;
  /** Stored addresses whose status changed (a pending one confirmed, an active one left). */
  updated: number;
  /** Lines left alone, with the reason, in line order. */
  skipped: SkippedLine[];
}

// Enough requests in flight to hide the latency of S3 (or local mode's server), few enough for
// one process's sockets.
const IN_FLIGHT = 48;

/**
 * Imports the entries of a subscriber file into the list, keeping every choice and every piece
 * of consent evidence the file has (see {@link mergeListEntry}). The stored ids are listed first,
 * so that a new address costs one write and no read.
 * @param onProgress - told how many entries are done, for a progress bar
 */
export async function importList(
  deps: ManageDeps,
  entries: readonly ListEntry[],
  onProgress: (done: number) => void = () => {},
): Promise<ListImportReport> {
  const [stored, suppressed] = await Promise.all([
    collect(deps.newsletter.subscriberIds()),
    collect(deps.newsletter.suppressedIds()),
  ]);
  const report: ListImportReport = {
    added: { pending: 0, active: 0, unsubscribed: 0, suppressed: 0 },
    updated: 0,
    skipped: [],
  };
  const now = deps.clock.now();
  let done = 0;
  await mapLimit(entries, IN_FLIGHT, async (entry) => {
    const id = deps.signer.subscriberId(entry.email);
    const [existing, suppression] = await Promise.all([
      stored.has(id) ? deps.newsletter.readSubscriber(id) : undefined,
      suppressed.has(id) ? deps.newsletter.readSuppression(id) : undefined,
    ]);
    const outcome = mergeListEntry(id, existing, suppression, entry, now);
    if (outcome.kind === 'skip')
      report.skipped.push({ line: entry.line, email: entry.email, reason: outcome.reason });
    else {
      // The suppression first: should the process stop between the two writes, the address is
      // already kept from mail.
      if (outcome.suppression) await deps.newsletter.writeSuppression(id, outcome.suppression);
      if (outcome.subscriber) await deps.newsletter.writeSubscriber(outcome.subscriber);
      if (outcome.change === 'added') report.added[entry.status]++;
      else report.updated++;
    }
    onProgress(++done);
  });
  report.skipped.sort((a, b) => a.line - b.line);
  return report;
}

/** Every address the list knows (subscribers and suppressions), for {@link writeSubscriberFile}. */
export async function exportList(newsletter: NewsletterStore): Promise<ExportRecord[]> {
  const [subscriberIds, suppressedIds] = await Promise.all([
    collect(newsletter.subscriberIds()),
    collect(newsletter.suppressedIds()),
  ]);
  const ids = [...new Set([...subscriberIds, ...suppressedIds])];
  const records = await mapLimit(ids, IN_FLIGHT, async (id): Promise<ExportRecord | undefined> => {
    const [subscriber, suppression]: [Subscriber | undefined, Suppression | undefined] = await Promise.all([
      subscriberIds.has(id) ? newsletter.readSubscriber(id) : undefined,
      suppressedIds.has(id) ? newsletter.readSuppression(id) : undefined,
    ]);
    const email = subscriber?.email ?? suppression?.email;
    if (email === undefined) return undefined;
    return { email, ...(subscriber ? { subscriber } : {}), ...(suppression ? { suppression } : {}) };
  });
  return records.filter((r): r is ExportRecord => r !== undefined);
}

async function collect(ids: AsyncIterable<string>): Promise<Set<string>> {
  const set = new Set<string>();
  for await (const id of ids) set.add(id);
  return set;
}
