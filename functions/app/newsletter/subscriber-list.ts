import { mergeListEntry } from '../../core/newsletter/list-import.ts';
import type {
  ExportRecord,
  ListEntry,
  ListStatus,
  SkippedLine,
} from '../../core/newsletter/subscriber-file.ts';
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

/**
 * Imports the entries of a subscriber file into the list, keeping every choice and every piece
 * of consent evidence the file has (see {@link mergeListEntry}). Addresses are changed a stored
 * group at a time (one read and one write for all the file's addresses in it), each group's
 * entries in line order, so that an address given twice is merged with its first line.
 * @param onProgress - told how many entries are done, for a progress bar
 */
export async function importList(
  deps: ManageDeps,
  entries: readonly ListEntry[],
  onProgress: (done: number) => void = () => {},
): Promise<ListImportReport> {
  const now = deps.clock.now();
  const byId = new Map<string, ListEntry[]>();
  for (const entry of entries) {
    const id = deps.signer.subscriberId(entry.email);
    const same = byId.get(id);
    if (same === undefined) byId.set(id, [entry]);
    else same.push(entry);
  }
  const report: ListImportReport = {
    added: { pending: 0, active: 0, unsubscribed: 0, suppressed: 0 },
    updated: 0,
    skipped: [],
  };
  let done = 0;
  await deps.newsletter.updateAddresses(
    byId.keys(),
    // Called again when a concurrent writer changed the group first: it only edits the records
    // and returns its tally, which is counted once the group is stored.
    (records) => {
      const tally: ListImportReport = {
        added: { pending: 0, active: 0, unsubscribed: 0, suppressed: 0 },
        updated: 0,
        skipped: [],
      };
      let count = 0;
      for (const [id, stored] of records) {
        for (const entry of byId.get(id) ?? []) {
          count++;
          const current = records.get(id) ?? stored;
          const outcome = mergeListEntry(id, current.subscriber, current.suppression, entry, now);
          if (outcome.kind === 'skip') {
            tally.skipped.push({ line: entry.line, email: entry.email, reason: outcome.reason });
            continue;
          }
          records.set(id, {
            ...current,
            ...(outcome.subscriber ? { subscriber: outcome.subscriber } : {}),
            ...(outcome.suppression ? { suppression: outcome.suppression } : {}),
          });
          if (outcome.change === 'added') tally.added[entry.status]++;
          else tally.updated++;
        }
      }
      return { tally, count };
    },
    ({ tally, count }) => {
      for (const status of Object.keys(report.added) as ListStatus[])
        report.added[status] += tally.added[status];
      report.updated += tally.updated;
      report.skipped.push(...tally.skipped);
      done += count;
      onProgress(done);
    },
  );
  report.skipped.sort((a, b) => a.line - b.line);
  return report;
}

/** Every address the list knows (subscribers and suppressions), for {@link writeSubscriberFile}. */
export async function exportList(newsletter: NewsletterStore): Promise<ExportRecord[]> {
  const records: ExportRecord[] = [];
  for await (const [, { subscriber, suppression }] of newsletter.addressRecords()) {
    const email = subscriber?.email ?? suppression?.email;
    if (email === undefined) continue;
    records.push({ email, ...(subscriber ? { subscriber } : {}), ...(suppression ? { suppression } : {}) });
  }
  return records;
}
