// The subscriber list as stored: addresses grouped (a few thousand objects rather than one per
// address), imports and exports through the groups, and what must survive concurrent writers and
// the change of layout.
import { describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { groupOf } from '../../functions/app/newsletter/address-groups.ts';
import { NewsletterStore } from '../../functions/app/newsletter/newsletter-store.ts';
import { exportList, importList } from '../../functions/app/newsletter/subscriber-list.ts';
import { type EmailAddress, parseEmailAddress } from '../../functions/core/newsletter/email-address.ts';
import type { Subscriber } from '../../functions/core/newsletter/subscriber.ts';
import { readSubscriberFile, writeSubscriberFile } from '../../functions/core/newsletter/subscriber-file.ts';
import type { TokenSigner } from '../../functions/core/newsletter/tokens.ts';
import type { PutOptions } from '../../functions/ports/blob-store.ts';
import { memoryNewsletter } from '../helpers/newsletter.ts';

const address = (text: string): EmailAddress => {
  const parsed = parseEmailAddress(text);
  if (!parsed.ok) throw new Error(text);
  return parsed.address;
};

/** `count` addresses whose ids share one stored group. */
function sameGroup(signer: TokenSigner, count: number): EmailAddress[] {
  const byGroup = new Map<string, EmailAddress[]>();
  for (let i = 0; ; i++) {
    const email = address(`reader${i}@example.org`);
    const group = groupOf(signer.subscriberId(email));
    const list = [...(byGroup.get(group) ?? []), email];
    if (list.length === count) return list;
    byGroup.set(group, list);
  }
}

function activeRecord(signer: TokenSigner, email: EmailAddress, at: string): Subscriber {
  return {
    id: signer.subscriberId(email),
    email,
    status: 'active',
    categories: [],
    consent: { source: 'form', requestedAt: at, confirmedAt: at },
    confirmationsSent: [],
    updatedAt: at,
  };
}

const csv = (lines: string[]) => `email,status,confirmed_at\n${lines.join('\n')}\n`;

describe('subscriber list storage', () => {
  it('imports 2,000 addresses in at most one write per group, exports them, and round-trips byte for byte', async () => {
    const w = memoryNewsletter();
    const rows = Array.from({ length: 2000 }, (_, i) => `r${i}@example.org,active,2024-01-01T00:00:00.000Z`);
    const file = readSubscriberFile(csv(rows), 'list.csv');
    const writes: string[] = [];
    const put = w.bucket.put.bind(w.bucket);
    w.bucket.put = (key: string, body: Uint8Array | string, options?: PutOptions) => {
      writes.push(key);
      return put(key, body, options);
    };
    const progress: number[] = [];
    const report = await importList(
      { newsletter: w.newsletter, signer: w.signer, clock: w.clock },
      file.entries,
      (done) => progress.push(done),
    );
    expect(report.added.active).toBe(2000);
    expect(new Set(writes).size).toBe(writes.length);
    expect(writes.length).toBeLessThan(2000);
    // The progress bar: rising, ending at the number of entries.
    expect(progress.at(-1)).toBe(2000);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    const exported = writeSubscriberFile(await exportList(w.newsletter));
    const empty = memoryNewsletter();
    await importList(
      { newsletter: empty.newsletter, signer: empty.signer, clock: empty.clock },
      readSubscriberFile(exported, 'export.csv').entries,
    );
    expect(writeSubscriberFile(await exportList(empty.newsletter))).toBe(exported);
  });

  it('keeps a sign-up that lands in a group while the import writes it, and counts each entry once', async () => {
    const w = memoryNewsletter();
    const [imported, signedUp] = sameGroup(w.signer, 2) as [EmailAddress, EmailAddress];
    const other = new NewsletterStore(w.bucket);
    let raced = false;
    const put = w.bucket.put.bind(w.bucket);
    w.bucket.put = async (key: string, body: Uint8Array | string, options?: PutOptions) => {
      if (!raced && key.startsWith('address-groups/')) {
        // Another writer (the subscribe API) gets in between the import's read and its write.
        raced = true;
        await other.writeSubscriber(activeRecord(w.signer, signedUp, '2026-11-30T08:00:00.000Z'));
      }
      return put(key, body, options);
    };
    const report = await importList(
      { newsletter: w.newsletter, signer: w.signer, clock: w.clock },
      readSubscriberFile(csv([`${imported},active,2024-01-01T00:00:00.000Z`]), 'list.csv').entries,
    );
    expect(raced).toBe(true);
    expect(report).toEqual({
      added: { pending: 0, active: 1, unsubscribed: 0, suppressed: 0 },
      updated: 0,
      skipped: [],
    });
    const emails = (await exportList(w.newsletter)).map((r) => r.email).sort();
    expect(emails).toEqual([imported, signedUp].sort());
  });

  it('merges entries for one address in order (two files read as one): a later "active" does not undo an unsubscribe', async () => {
    const w = memoryNewsletter();
    const first = readSubscriberFile(csv(['ann@example.org,unsubscribed,2024-01-01T00:00:00.000Z']), 'a.csv');
    const second = readSubscriberFile(csv(['x@example.org,active,', 'ANN@example.org,active,']), 'b.csv');
    const report = await importList({ newsletter: w.newsletter, signer: w.signer, clock: w.clock }, [
      ...first.entries,
      ...second.entries,
    ]);
    expect(report.skipped).toEqual([
      { line: 3, email: 'ANN@example.org', reason: 'unsubscribed on an earlier date' },
    ]);
    const ann = await w.newsletter.readSubscriber(w.signer.subscriberId(address('ann@example.org')));
    expect(ann?.status).toBe('unsubscribed');
  });

  it('a conditional change fails only when that record changed, not when a neighbour in its group did', async () => {
    const w = memoryNewsletter();
    const [a, b] = sameGroup(w.signer, 2) as [EmailAddress, EmailAddress];
    const at = '2026-11-30T08:00:00.000Z';
    await w.newsletter.writeSubscriber(activeRecord(w.signer, a, at));
    const read = await w.newsletter.readSubscriberVersioned(w.signer.subscriberId(a));
    await w.newsletter.writeSubscriber(activeRecord(w.signer, b, at));
    const paused = { ...(read?.subscriber as Subscriber), pausedAt: at };
    await w.newsletter.replaceSubscriber(paused, read?.version);
    expect((await w.newsletter.readSubscriber(paused.id))?.pausedAt).toBe(at);
    // Now the version read is stale, and a new record cannot be created over an existing one.
    await expect(w.newsletter.replaceSubscriber(paused, read?.version)).rejects.toThrow(
      'changed by another writer',
    );
    await expect(w.newsletter.replaceSubscriber(paused, undefined)).rejects.toThrow(
      'changed by another writer',
    );
    // Forgetting a subscriber keeps their suppression and their neighbour.
    await w.newsletter.writeSuppression(paused.id, { email: a, reason: 'bounce', at });
    await w.newsletter.deleteSubscriber(paused.id);
    expect(await w.newsletter.readSubscriber(paused.id)).toBeUndefined();
    expect(await w.newsletter.readSuppression(paused.id)).toMatchObject({ reason: 'bounce' });
    expect(await w.newsletter.readSubscriber(w.signer.subscriberId(b))).toBeDefined();
  });

  it('folds records kept one object per address (the earlier layout) into the groups, losing nobody', async () => {
    const w = memoryNewsletter();
    const bucket = new MemoryBlobStore();
    const at = '2025-01-01T00:00:00.000Z';
    const ann = activeRecord(w.signer, address('ann@example.org'), at);
    const bob = {
      ...activeRecord(w.signer, address('bob@example.org'), at),
      status: 'unsubscribed' as const,
    };
    await bucket.put(`subscribers/${ann.id}.json`, JSON.stringify(ann));
    await bucket.put(`subscribers/${bob.id}.json`, JSON.stringify(bob));
    await bucket.put(
      `suppressed/${bob.id}.json`,
      JSON.stringify({ email: bob.email, reason: 'complaint', at }),
    );
    const store = new NewsletterStore(bucket);
    expect(await store.readSubscriber(ann.id)).toEqual(ann);
    const records = await exportList(store);
    const rows = records.map((r) => [r.email, r.subscriber?.status, r.suppression?.reason]);
    expect(rows.sort()).toEqual([
      ['ann@example.org', 'active', undefined],
      ['bob@example.org', 'unsubscribed', 'complaint'],
    ]);
    expect([...bucket.objects.keys()].filter((key) => !key.startsWith('address-groups/'))).toEqual([]);
  });

  it('refuses to rewrite a group it cannot read, naming the object, and changes nothing', async () => {
    const w = memoryNewsletter();
    const email = address('ann@example.org');
    const key = `address-groups/${groupOf(w.signer.subscriberId(email))}.json`;
    await w.bucket.put(key, '{"subscribers": {');
    await expect(
      importList(
        { newsletter: w.newsletter, signer: w.signer, clock: w.clock },
        readSubscriberFile(csv([`${email},active,`]), 'list.csv').entries,
      ),
    ).rejects.toThrow(`${key}: not valid JSON`);
    expect(w.bucket.text(key)).toBe('{"subscribers": {');
  });
});
