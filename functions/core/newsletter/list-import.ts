import type { Subscriber, Suppression } from './subscriber.ts';
import type { ListEntry } from './subscriber-file.ts';

/** What importing one entry does: records to write, or why nothing is written. */
export type MergeOutcome =
  | { kind: 'write'; subscriber?: Subscriber; suppression?: Suppression; change: 'added' | 'updated' }
  | { kind: 'skip'; reason: string };

/**
 * Decides what an imported entry does to what is stored for the same address. The more
 * restrictive choice always wins: an address unsubscribed or suppressed in the store stays so
 * whatever the file says; one unsubscribed or suppressed in the file is unsubscribed or suppressed
 * here. Stored consent evidence is never replaced by the import time.
 * @param id - the address's subscriber id
 * @param existing - the stored subscriber, if any
 * @param suppressed - the stored suppression, if any
 * @param now - the import time, recorded where the file gives no date
 */
export function mergeListEntry(
  id: string,
  existing: Subscriber | undefined,
  suppressed: Suppression | undefined,
  entry: ListEntry,
  now: Date,
): MergeOutcome {
  const at = now.toISOString();
  const fileSuppression: Suppression | undefined = entry.suppression && {
    email: entry.email,
    reason: entry.suppression.reason,
    at: entry.suppression.at ?? at,
    ...(entry.suppression.detail ? { detail: entry.suppression.detail } : {}),
  };
  if (suppressed)
    return {
      kind: 'skip',
      reason:
        entry.status === 'suppressed'
          ? 'already suppressed'
          : `suppressed after a ${suppressed.reason} on ${suppressed.at.slice(0, 10)}`,
    };
  if (existing === undefined) {
    const subscriber = entry.consent && newRecord(id, entry, at);
    return {
      kind: 'write',
      change: 'added',
      ...(subscriber ? { subscriber } : {}),
      ...(fileSuppression ? { suppression: fileSuppression } : {}),
    };
  }
  const leaves = entry.status === 'unsubscribed' || entry.status === 'suppressed';
  if (existing.status === 'unsubscribed') {
    if (fileSuppression) return { kind: 'write', change: 'updated', suppression: fileSuppression };
    return {
      kind: 'skip',
      reason:
        entry.status === 'unsubscribed'
          ? 'already unsubscribed'
          : `unsubscribed on ${existing.unsubscribedAt?.slice(0, 10) ?? 'an earlier date'}`,
    };
  }
  if (leaves) {
    // The person left on the other service after subscribing here too: their latest word counts.
    const { pendingCategories: _p, ...rest } = existing;
    const subscriber: Subscriber = {
      ...rest,
      status: 'unsubscribed',
      unsubscribedAt: entry.unsubscribedAt ?? entry.suppression?.at ?? at,
      unsubscribedVia: entry.unsubscribedVia ?? 'cli',
      updatedAt: at,
    };
    return {
      kind: 'write',
      change: 'updated',
      subscriber,
      ...(fileSuppression ? { suppression: fileSuppression } : {}),
    };
  }
  if (existing.status === 'active') return { kind: 'skip', reason: 'already subscribed' };
  if (entry.status === 'pending') return { kind: 'skip', reason: 'already waiting for confirmation' };
  // Pending here, confirmed on the other service: active, keeping the earliest consent evidence.
  const record = newRecord(id, entry, at);
  return {
    kind: 'write',
    change: 'updated',
    subscriber: {
      ...record,
      consent: {
        ...record.consent,
        requestedAt: entry.consent?.requestedAt ?? existing.consent.requestedAt,
      },
      confirmationsSent: existing.confirmationsSent,
    },
  };
}

function newRecord(id: string, entry: ListEntry, at: string): Subscriber {
  const { requestedAt, confirmedAt, ...evidence } = entry.consent ?? { source: 'import' as const };
  const undated = requestedAt === undefined;
  // With no date in the file, the evidence is the operator's import: its time, said in the note.
  const consentConfirmed = confirmedAt ?? (undated && entry.status === 'active' ? at : undefined);
  return {
    id,
    email: entry.email,
    status: entry.status === 'suppressed' ? 'unsubscribed' : entry.status,
    categories: entry.categories,
    consent: {
      ...evidence,
      requestedAt: requestedAt ?? at,
      ...(consentConfirmed ? { confirmedAt: consentConfirmed } : {}),
      ...(undated ? { note: `${evidence.note ?? 'import'}; no consent date in the file` } : {}),
    },
    confirmationsSent: [],
    ...(entry.unsubscribedAt ? { unsubscribedAt: entry.unsubscribedAt } : {}),
    ...(entry.unsubscribedVia ? { unsubscribedVia: entry.unsubscribedVia } : {}),
    ...(entry.pausedAt ? { pausedAt: entry.pausedAt } : {}),
    updatedAt: at,
  };
}
