import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EmailAddress } from '../../functions/core/newsletter/email-address.ts';
import { mergeListEntry } from '../../functions/core/newsletter/list-import.ts';
import type { Subscriber } from '../../functions/core/newsletter/subscriber.ts';
import {
  type ListEntry,
  readSubscriberFile,
  SubscriberFileError,
  writeSubscriberFile,
} from '../../functions/core/newsletter/subscriber-file.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const read = (name: string) => readSubscriberFile(readFileSync(fixturePath(`lists/${name}`), 'utf8'), name);
const byEmail = (entries: ListEntry[]) => Object.fromEntries(entries.map((e) => [e.email, e]));

describe('readSubscriberFile', () => {
  it('reads a Mailchimp subscribed export: consent times in UTC, IP, a skipped line per bad row', () => {
    const file = read('subscribed_members_export_9f8e7d.csv');
    expect(file.format).toBe('mailchimp');
    const ann = byEmail(file.entries)['ann@example.org'];
    expect(ann).toMatchObject({
      line: 2,
      status: 'active',
      consent: {
        source: 'import',
        requestedAt: '2021-03-04T10:11:12.000Z',
        confirmedAt: '2021-03-04T10:15:00.000Z',
        ip: '203.0.113.7',
        note: 'subscribed_members_export_9f8e7d.csv line 2 (Mailchimp export)',
      },
    });
    // The domain is lower-cased; the date it has (CONFIRM_TIME only) serves as both.
    expect(byEmail(file.entries)['Bob@example.org']?.consent?.requestedAt).toBe('2022-01-02T08:00:00.000Z');
    expect(file.skipped).toEqual([
      { line: 4, email: 'not-an-address', reason: 'address is not an e-mail address (name@example.com)' },
      {
        line: 5,
        email: 'carol@example.org',
        reason:
          'OPTIN_TIME: "2022-02-30 08:00:00" is not a date and time (use ISO 8601, e.g. 2024-03-01T09:30:00Z)',
      },
    ]);
  });

  it('reads Mailchimp unsubscribed and cleaned members as unsubscribed and suppressed', () => {
    const [dan] = read('unsubscribed_members_export_9f8e7d.csv').entries;
    expect(dan).toMatchObject({ status: 'unsubscribed', unsubscribedAt: '2023-07-01T12:00:00.000Z' });
    const [erin] = read('cleaned_members_export_9f8e7d.csv').entries;
    expect(erin).toMatchObject({
      status: 'suppressed',
      suppression: { reason: 'bounce', at: '2023-02-03T04:05:06.000Z' },
      consent: { requestedAt: '2019-01-01T00:00:00.000Z' },
    });
  });

  it("reads Substack's, Buttondown's (re-saved with semicolons) and listmonk's exports", () => {
    const substack = read('email_list.fieldnotes.csv');
    expect(substack.format).toBe('substack');
    expect(substack.entries.map((e) => [e.email, e.status])).toEqual([
      ['fay@example.org', 'active'],
      ['gus@example.org', 'active'],
      ['hal@example.org', 'unsubscribed'],
    ]);
    const buttondown = read('buttondown-subscribers.csv');
    expect([buttondown.format, buttondown.delimiter]).toEqual(['buttondown', ';']);
    expect(buttondown.entries.map((e) => [e.email, e.status, e.consent?.requestedAt])).toEqual([
      ['ida@example.org', 'active', '2023-06-01T08:00:00.000Z'],
      ['jon@example.org', 'pending', '2023-06-02T10:00:00.000Z'],
      ['kim@example.org', 'unsubscribed', '2023-06-03T10:00:00.000Z'],
      ['lou@example.org', 'suppressed', '2023-06-04T10:00:00.000Z'],
    ]);
    expect(buttondown.entries[1]?.consent?.confirmedAt).toBeUndefined();
    expect(buttondown.skipped[0]?.reason).toMatch(/^type: "martian" is not a Buttondown subscriber type/);
    // The names Buttondown's API used before it renamed them.
    const older = readSubscriberFile(
      'email,creation_date,subscriber_type\nida@example.org,2023-06-01T10:00:00Z,regular\nmay@example.org,,martian\n',
      'b.csv',
    );
    expect(older.entries.map((e) => [e.email, e.status])).toEqual([['ida@example.org', 'active']]);
    expect(older.skipped[0]?.reason).toMatch(/^subscriber_type: "martian"/);
    const listmonk = read('listmonk-subscribers.csv');
    expect([listmonk.format, listmonk.delimiter]).toEqual(['listmonk', ',']);
    expect(
      listmonk.entries.map((e) => [e.email, e.status, e.consent?.requestedAt, e.unsubscribedAt]),
    ).toEqual([
      ['ned@example.org', 'active', '2020-07-04T11:22:33.123Z', undefined],
      ['oli@example.org', 'unsubscribed', '2020-07-05T11:22:33.000Z', '2024-01-01T00:00:00.000Z'],
      // Go's time string: the offset counts, the zone's abbreviation after it is a label.
      ['pam@example.org', 'suppressed', '2020-07-06T11:22:33.000Z', '2024-01-02T00:00:00.000Z'],
    ]);
    expect(listmonk.entries[2]?.suppression?.at).toBe('2024-01-02T00:00:00.000Z');
    expect(listmonk.skipped).toEqual([]);
  });

  it('detects a tab-separated file (a listmonk export re-saved from a spreadsheet)', () => {
    const tabs = readSubscriberFile(
      'uuid\temail\tname\tattributes\tstatus\tcreated_at\tupdated_at\nu-1\tned@example.org\tNed\t{}\tenabled\t2020-07-04 11:22:33.123456+00\t2020-07-04 11:22:33+00\n',
      'listmonk.tsv',
    );
    expect([tabs.format, tabs.delimiter]).toEqual(['listmonk', '\t']);
    expect(tabs.entries[0]?.consent?.requestedAt).toBe('2020-07-04T11:22:33.123Z');
  });

  it('reads a plain list without a header, reporting repeats', () => {
    const file = read('plain.txt');
    expect(file.format).toBe('plain');
    expect(file.entries.map((e) => e.email)).toEqual(['quinn@example.org', 'rex@example.org']);
    expect(file.skipped).toEqual([{ line: 4, email: 'quinn@example.org', reason: 'repeats line 1' }]);
  });

  it('matches headers whatever their case and spacing', () => {
    const file = readSubscriberFile(
      ' E-Mail ;Categories;Consented At\nann@example.org;News;2024-01-02\n',
      'x.csv',
    );
    expect(file.format).toBe('generic');
    expect(file.entries[0]).toMatchObject({
      categories: ['news'],
      consent: { requestedAt: '2024-01-02T00:00:00.000Z' },
    });
  });

  it('refuses a file with no e-mail column or broken quoting, naming what it found', () => {
    expect(() => readSubscriberFile('name,city\nAnn,Oslo\n', 'people.csv')).toThrow(
      'people.csv: header: has no e-mail column (found "name", "city"); name one "email" or "Email Address"',
    );
    expect(() => readSubscriberFile('email\n"ann@example.org\n', 'q.csv')).toThrow(SubscriberFileError);
    expect(readSubscriberFile('', 'empty.csv').entries).toEqual([]);
  });

  it('skips hostile values: header injection, unknown statuses, absurd dates', () => {
    const file = readSubscriberFile(
      'email,status,consented_at\n"a@example.org\r\nBcc: x@evil.test",,\nb@example.org,reactivated,\nc@example.org,,9999-99-99\n',
      'h.csv',
    );
    expect(file.entries).toEqual([]);
    expect(file.skipped.map((s) => s.reason)).toEqual([
      'address contains a line break or control character',
      'status: "reactivated" is not one of pending, active, unsubscribed, suppressed',
      'consented_at: "9999-99-99" is not a date and time (use ISO 8601, e.g. 2024-03-01T09:30:00Z)',
    ]);
  });
});

describe("Herald's export", () => {
  const at = '2024-05-06T07:08:09.010Z';
  const subscriber = (
    email: string,
    status: Subscriber['status'],
    extra: Partial<Subscriber> = {},
  ): Subscriber => ({
    id: email,
    email: email as EmailAddress,
    status,
    categories: ['news', 'travel'],
    consent: {
      source: 'form',
      requestedAt: at,
      confirmedAt: at,
      ip: '192.0.2.1',
      userAgent: 'Mozilla/5.0 "quoted", comma',
    },
    confirmationsSent: [],
    updatedAt: at,
    ...extra,
  });

  it('reads back exactly what it wrote, for every status', () => {
    const text = writeSubscriberFile([
      {
        email: 'zed@example.org' as EmailAddress,
        subscriber: subscriber('zed@example.org', 'active', { pausedAt: at }),
      },
      {
        email: 'amy@example.org' as EmailAddress,
        subscriber: subscriber('amy@example.org', 'unsubscribed', {
          unsubscribedAt: at,
          unsubscribedVia: 'one-click',
        }),
      },
      {
        email: 'bo@example.org' as EmailAddress,
        subscriber: subscriber('bo@example.org', 'unsubscribed', {
          unsubscribedAt: at,
          unsubscribedVia: 'bounce',
        }),
        suppression: {
          email: 'bo@example.org' as EmailAddress,
          reason: 'bounce',
          at,
          detail: 'mailbox does not exist',
        },
      },
      {
        email: 'cy@example.org' as EmailAddress,
        suppression: { email: 'cy@example.org' as EmailAddress, reason: 'complaint', at },
      },
      {
        email: 'di@example.org' as EmailAddress,
        subscriber: subscriber('di@example.org', 'pending', { consent: { source: 'api', requestedAt: at } }),
      },
    ]);
    expect(text.split('\n')[0]).toBe(
      'email,status,categories,source,requested_at,confirmed_at,ip,user_agent,note,unsubscribed_at,unsubscribed_via,suppressed_reason,suppressed_at,suppressed_detail,paused_at',
    );
    expect(
      text
        .split('\n')
        .slice(1, -1)
        .map((l) => l.split(',')[0]),
    ).toEqual(['amy@example.org', 'bo@example.org', 'cy@example.org', 'di@example.org', 'zed@example.org']);
    const file = readSubscriberFile(text, 'export.csv');
    expect(file.format).toBe('herald');
    expect(file.skipped).toEqual([]);
    const now = new Date('2030-01-01T00:00:00Z');
    const records = file.entries.map((entry) => {
      const outcome = mergeListEntry(entry.email, undefined, undefined, entry, now);
      if (outcome.kind !== 'write') throw new Error(outcome.reason);
      return { email: entry.email, ...outcome };
    });
    expect(writeSubscriberFile(records)).toBe(text);
    // The import time appears nowhere: every date is the file's.
    expect(JSON.stringify(records.map((r) => [r.subscriber?.consent, r.suppression]))).not.toContain('2030');
  });
});

describe('mergeListEntry', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const entry = (status: ListEntry['status']): ListEntry => ({
    line: 2,
    email: 'ann@example.org' as EmailAddress,
    status,
    categories: [],
    consent: {
      source: 'import',
      requestedAt: '2020-01-01T00:00:00.000Z',
      confirmedAt: '2020-01-01T00:00:00.000Z',
    },
    ...(status === 'suppressed' ? { suppression: { reason: 'bounce' as const } } : {}),
  });
  const stored = (status: Subscriber['status']): Subscriber => ({
    id: 'x',
    email: 'ann@example.org' as EmailAddress,
    status,
    categories: ['news'],
    consent: {
      source: 'form',
      requestedAt: '2019-05-05T00:00:00.000Z',
      confirmedAt: '2019-05-05T00:00:00.000Z',
    },
    confirmationsSent: [],
    updatedAt: '2019-05-05T00:00:00.000Z',
  });

  it('never reactivates an address unsubscribed or suppressed here', () => {
    expect(mergeListEntry('x', stored('unsubscribed'), undefined, entry('active'), now)).toEqual({
      kind: 'skip',
      reason: 'unsubscribed on an earlier date',
    });
    const suppression = {
      email: 'ann@example.org' as EmailAddress,
      reason: 'complaint' as const,
      at: '2021-02-03T00:00:00.000Z',
    };
    expect(mergeListEntry('x', undefined, suppression, entry('active'), now)).toEqual({
      kind: 'skip',
      reason: 'suppressed after a complaint on 2021-02-03',
    });
  });

  it('keeps stored consent: an address already active is left alone', () => {
    expect(mergeListEntry('x', stored('active'), undefined, entry('active'), now)).toEqual({
      kind: 'skip',
      reason: 'already subscribed',
    });
  });

  it('honours a choice made on the other service: unsubscribed or bounced there ends it here', () => {
    const left = mergeListEntry('x', stored('active'), undefined, entry('unsubscribed'), now);
    expect(left).toMatchObject({
      kind: 'write',
      subscriber: { status: 'unsubscribed', consent: { requestedAt: '2019-05-05T00:00:00.000Z' } },
    });
    const bounced = mergeListEntry('x', stored('active'), undefined, entry('suppressed'), now);
    expect(bounced).toMatchObject({
      kind: 'write',
      suppression: { reason: 'bounce', at: now.toISOString() },
    });
    const onlySuppressed = mergeListEntry('x', stored('unsubscribed'), undefined, entry('suppressed'), now);
    expect(onlySuppressed).toMatchObject({ kind: 'write', change: 'updated' });
    expect(onlySuppressed.kind === 'write' ? onlySuppressed.subscriber : 'skipped').toBeUndefined();
  });

  it('records the import itself as evidence when the file has no date', () => {
    const outcome = mergeListEntry(
      'x',
      undefined,
      undefined,
      { ...entry('active'), consent: { source: 'import', note: 'a.txt line 1' } },
      now,
    );
    expect(outcome).toMatchObject({
      kind: 'write',
      subscriber: {
        consent: {
          requestedAt: now.toISOString(),
          confirmedAt: now.toISOString(),
          note: 'a.txt line 1; no consent date in the file',
        },
      },
    });
  });
});
