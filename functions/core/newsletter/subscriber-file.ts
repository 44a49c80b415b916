// Reading the subscriber lists other newsletter services export, and writing Herald's own. Pure:
// text in, rows out. The rule it keeps: a person's choice in the file (unsubscribed, bounced,
// complained, never confirmed) survives the import, with the evidence of their consent.
import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { FieldError } from '../errors.ts';
import { type EmailAddress, parseEmailAddress } from './email-address.ts';
import {
  type Consent,
  type ConsentSource,
  normaliseCategories,
  type Subscriber,
  type Suppression,
} from './subscriber.ts';

/** Whether an address may be mailed, as an export states it: a suppression outranks the subscription. */
export type ListStatus = Subscriber['status'] | 'suppressed';

/** The services whose exports Herald recognises by their columns. */
export type FileFormat =
  | 'herald'
  | 'mailchimp'
  | 'substack'
  | 'buttondown'
  | 'listmonk'
  | 'generic'
  | 'plain';

/** One address of an import file, with what the file says of it. */
export interface ListEntry {
  /** 1-based line of the file where the record starts. */
  line: number;
  email: EmailAddress;
  status: ListStatus;
  categories: string[];
  /**
   * Consent evidence from the file; `requestedAt` is absent when the file has no date (the
   * importer then records the import itself). Absent altogether for a suppression with no
   * subscription behind it (Herald's export of an address that bounced after being forgotten).
   */
  consent?: Omit<Consent, 'requestedAt'> & { requestedAt?: string };
  unsubscribedAt?: string;
  unsubscribedVia?: Subscriber['unsubscribedVia'];
  /** Since when the reader paused digests (Herald's export only). */
  pausedAt?: string;
  /** A suppression in the file; without `at`, the importer records the import time. */
  suppression?: { reason: Suppression['reason']; at?: string; detail?: string };
}

/** A line of an import file that was left out, and why. */
export interface SkippedLine {
  line: number;
  /** What the line gave as the address (may be empty or invalid). */
  email: string;
  reason: string;
}

/** What an import file holds. */
export interface SubscriberFile {
  format: FileFormat;
  delimiter: string;
  entries: ListEntry[];
  skipped: SkippedLine[];
}

/** One row of Herald's export: a subscriber record and/or a suppression of the same address. */
export interface ExportRecord {
  email: EmailAddress;
  subscriber?: Subscriber;
  suppression?: Suppression;
}

/** A file that cannot be read at all (nothing is imported from it). */
export class SubscriberFileError extends FieldError {
  override name = 'SubscriberFileError';
}

/** Herald's export columns, in order. Importing the export restores every one of them. */
export const EXPORT_COLUMNS = [
  'email',
  'status',
  'categories',
  'source',
  'requested_at',
  'confirmed_at',
  'ip',
  'user_agent',
  'note',
  'unsubscribed_at',
  'unsubscribed_via',
  'suppressed_reason',
  'suppressed_at',
  'suppressed_detail',
  'paused_at',
] as const;

/**
 * Writes Herald's export: one row per address, sorted by address so that two lists with the same
 * people give the same bytes (record ids depend on each installation's secret).
 */
export function writeSubscriberFile(records: readonly ExportRecord[]): string {
  const rows = [...records]
    .sort((a, b) => compare(a.email.toLowerCase(), b.email.toLowerCase()) || compare(a.email, b.email))
    .map(({ email, subscriber: s, suppression: x }) => [
      email,
      x ? 'suppressed' : (s?.status ?? ''),
      s?.categories.join(';') ?? '',
      s?.consent.source ?? '',
      s?.consent.requestedAt ?? '',
      s?.consent.confirmedAt ?? '',
      s?.consent.ip ?? '',
      s?.consent.userAgent ?? '',
      s?.consent.note ?? '',
      s?.unsubscribedAt ?? '',
      s?.unsubscribedVia ?? '',
      x?.reason ?? '',
      x?.at ?? '',
      x?.detail ?? '',
      s?.pausedAt ?? '',
    ]);
  return stringify(rows, { header: true, columns: [...EXPORT_COLUMNS] });
}

/**
 * Reads an import file: Herald's export, a Mailchimp audience export (subscribed, unsubscribed or
 * cleaned members), Substack's, Buttondown's or listmonk's subscriber export, any CSV with an
 * e-mail column, or a plain list of addresses one a line. The delimiter (`,` `;` tab) is detected,
 * headers match whatever their case and spacing, a byte-order mark is dropped.
 * @param text - the file's contents
 * @param file - its name, for messages; Mailchimp's status is also read from it
 *   (`unsubscribed_members_export_….csv`, `cleaned_members_export_….csv`)
 * @throws SubscriberFileError when the file is not a list at all (no e-mail column, broken quoting)
 */
export function readSubscriberFile(text: string, file: string): SubscriberFile {
  const body = text.replace(/^\uFEFF/, '');
  const delimiter = detectDelimiter(body);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(body, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const line = error instanceof CsvError ? (error as CsvError & { lines?: number }).lines : undefined;
    throw new SubscriberFileError(
      file,
      line === undefined ? 'file' : `line ${line}`,
      `is not readable CSV (${(error as Error).message.replace(/^Invalid [^:]*: /, '')})`,
      { cause: error },
    );
  }
  const first = records[0];
  if (first === undefined) return { format: 'plain', delimiter, entries: [], skipped: [] };
  const header = first.record.map(normaliseHeader);
  const rows = records.map(({ record, info }) => ({ record, line: info.lines }));
  const plain = header.length === 1 && parseEmailAddress(first.record[0] ?? '').ok;
  const reader = plain ? plainReader : chooseReader(header, file);
  if (reader === undefined)
    throw new SubscriberFileError(
      file,
      'header',
      `has no e-mail column (found ${first.record.map((h) => `"${h}"`).join(', ')}); name one "email" or "Email Address"`,
    );
  const entries: ListEntry[] = [];
  const skipped: SkippedLine[] = [];
  const seen = new Map<string, number>();
  for (const { record, line } of plain ? rows : rows.slice(1)) {
    const get = (...names: string[]): string => {
      for (const name of names) {
        const at = header.indexOf(name);
        if (at >= 0 && record[at]) return record[at] ?? '';
      }
      return '';
    };
    const given = plain ? (record[0] ?? '') : get(...EMAIL_HEADERS);
    const outcome = readEntry(reader, given, get, line, file);
    if ('reason' in outcome) {
      skipped.push({ line, email: given, reason: outcome.reason });
      continue;
    }
    const key = outcome.email.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      skipped.push({ line, email: given, reason: `repeats line ${earlier}` });
      continue;
    }
    seen.set(key, line);
    entries.push(outcome);
  }
  return { format: reader.format, delimiter, entries, skipped };
}

type Get = (...names: string[]) => string;
type Fields = Omit<ListEntry, 'line' | 'email'>;
interface Reader {
  format: FileFormat;
  /** What the row says; a string is the reason to skip it. */
  read(get: Get, file: string): Fields | string;
}

const EMAIL_HEADERS = ['email', 'emailaddress', 'mail', 'address'];

function readEntry(
  reader: Reader,
  given: string,
  get: Get,
  line: number,
  file: string,
): ListEntry | { reason: string } {
  const checked = parseEmailAddress(given);
  if (!checked.ok) return { reason: `address ${checked.reason}` };
  try {
    const fields = reader.read(get, file);
    if (typeof fields === 'string') return { reason: fields };
    // Herald's own export carries its original note; any other file is the evidence itself.
    const { consent } = fields;
    if (consent && reader.format !== 'herald') {
      const origin = consent.note ? ` (${consent.note})` : '';
      return {
        line,
        email: checked.address,
        ...fields,
        consent: { ...consent, note: `${file} line ${line}${origin}` },
      };
    }
    return { line, email: checked.address, ...fields };
  } catch (error) {
    if (error instanceof BadValue) return { reason: error.message };
    throw error;
  }
}

/** A value of one column that cannot be read: the line is skipped with this message. */
class BadValue extends Error {}

function chooseReader(header: readonly string[], file: string): Reader | undefined {
  const has = (...names: string[]) => names.some((n) => header.includes(n));
  if (!has(...EMAIL_HEADERS)) return undefined;
  if (has('status') && has('source') && has('requestedat')) return heraldReader;
  if (has('emailaddress') && has('optintime', 'confirmtime', 'memberrating', 'leid', 'euid'))
    return mailchimpReader(header, file);
  if (has('emaildisabled', 'activesubscription')) return substackReader;
  if (has('subscribertype', 'creationdate')) return buttondownReader;
  if (has('uuid') && has('status')) return listmonkReader;
  return genericReader;
}

const plainReader: Reader = {
  format: 'plain',
  read: () => ({ status: 'active', categories: [], consent: { source: 'import' } }),
};

/** Herald's own export: every field comes back as it was. */
const heraldReader: Reader = {
  format: 'herald',
  read(get) {
    const status = oneOf(get('status'), 'status', [
      'pending',
      'active',
      'unsubscribed',
      'suppressed',
    ] as const);
    const source = get('source');
    const suppression =
      status === 'suppressed'
        ? {
            reason: oneOf(get('suppressedreason'), 'suppressed_reason', [
              'bounce',
              'complaint',
              'manual',
            ] as const),
            at: requiredDate(get('suppressedat'), 'suppressed_at'),
            ...optional('detail', get('suppresseddetail')),
          }
        : undefined;
    const via = get('unsubscribedvia');
    const unsubscribedAt = date(get('unsubscribedat'), 'unsubscribed_at');
    const pausedAt = date(get('pausedat'), 'paused_at');
    const entry: Fields = {
      status,
      categories: normaliseCategories(get('categories').split(/[;,]/)),
      ...(unsubscribedAt ? { unsubscribedAt } : {}),
      ...(pausedAt ? { pausedAt } : {}),
      ...(via
        ? {
            unsubscribedVia: oneOf(via, 'unsubscribed_via', [
              'link',
              'one-click',
              'cli',
              'bounce',
              'complaint',
            ] as const),
          }
        : {}),
      ...(suppression ? { suppression } : {}),
    };
    // A suppression whose subscription was forgotten has no consent to restore.
    if (source === '' && status === 'suppressed') return entry;
    const requestedAt = requiredDate(get('requestedat'), 'requested_at');
    const confirmedAt = date(get('confirmedat'), 'confirmed_at');
    return {
      ...entry,
      consent: {
        source: oneOf(source, 'source', ['form', 'api', 'import', 'cli'] as const),
        requestedAt,
        ...(confirmedAt ? { confirmedAt } : {}),
        ...optional('ip', get('ip')),
        ...optional('userAgent', get('useragent')),
        ...optional('note', get('note')),
      },
    };
  },
};

/**
 * Mailchimp's audience export is three files with the same columns; the unsubscribed one adds
 * UNSUB_TIME, the cleaned one (hard bounces) CLEAN_TIME. Times are UTC.
 */
function mailchimpReader(header: readonly string[], file: string): Reader {
  const name = file.toLowerCase();
  const cleaned = header.includes('cleantime') || /cleaned/.test(name);
  const unsubscribed = !cleaned && (header.includes('unsubtime') || /unsubscribed/.test(name));
  return {
    format: 'mailchimp',
    read(get) {
      const optin = date(get('optintime'), 'OPTIN_TIME');
      const confirm = date(get('confirmtime'), 'CONFIRM_TIME');
      const consent = importConsent(
        'Mailchimp',
        optin ?? confirm,
        confirm ?? optin,
        get('optinip', 'confirmip'),
      );
      if (cleaned) {
        const at = date(get('cleantime'), 'CLEAN_TIME');
        return {
          status: 'suppressed',
          categories: [],
          consent,
          unsubscribedVia: 'bounce',
          ...(at ? { unsubscribedAt: at } : {}),
          suppression: { reason: 'bounce', ...(at ? { at } : {}), detail: 'cleaned in Mailchimp' },
        };
      }
      if (unsubscribed) {
        const at = date(get('unsubtime'), 'UNSUB_TIME');
        return {
          status: 'unsubscribed',
          categories: [],
          consent,
          unsubscribedVia: 'link',
          ...(at ? { unsubscribedAt: at } : {}),
        };
      }
      return { status: 'active', categories: [], consent };
    },
  };
}

/** Substack's "export emails": `email_disabled` true means the reader turned the e-mails off. */
const substackReader: Reader = {
  format: 'substack',
  read(get) {
    const created = date(get('createdat'), 'created_at');
    const consent = importConsent('Substack', created, created, '');
    const disabled = get('emaildisabled').toLowerCase();
    if (disabled !== '' && !['true', 'false', '1', '0', 'yes', 'no'].includes(disabled))
      return `email_disabled: "${get('emaildisabled')}" is not true or false`;
    if (['true', '1', 'yes'].includes(disabled)) return { status: 'unsubscribed', categories: [], consent };
    return { status: 'active', categories: [], consent };
  },
};

// Buttondown's subscriber types (its API's enum): who receives e-mail, who never confirmed, who left.
const BUTTONDOWN_ACTIVE = [
  'regular',
  'premium',
  'gifted',
  'trialed',
  'past_due',
  'churning',
  'paused',
  'unpaid',
  'comped',
];
const BUTTONDOWN_LEFT = ['unsubscribed', 'removed'];

/**
 * Buttondown's subscriber export: `type` and `creation_date`, as its API names a subscriber's fields
 * (`subscriber_type` and `email` before the API's 2024 renaming, still read).
 */
const buttondownReader: Reader = {
  format: 'buttondown',
  read(get) {
    const created = date(get('creationdate', 'date'), 'creation_date');
    const consent = importConsent('Buttondown', created, created, get('ipaddress', 'ip'));
    const type = get('subscribertype', 'type').toLowerCase();
    if (type === '' || BUTTONDOWN_ACTIVE.includes(type)) return { status: 'active', categories: [], consent };
    if (type === 'unactivated') {
      const { confirmedAt: _c, ...unconfirmed } = consent;
      return { status: 'pending', categories: [], consent: unconfirmed };
    }
    if (BUTTONDOWN_LEFT.includes(type))
      return { status: 'unsubscribed', categories: [], consent, unsubscribedVia: 'link' };
    if (type === 'complained' || type === 'undeliverable' || type === 'spammy' || type === 'blocked') {
      const reason = type === 'complained' ? 'complaint' : 'bounce';
      return {
        status: 'suppressed',
        categories: [],
        consent,
        unsubscribedVia: reason,
        suppression: { reason, detail: `${type} in Buttondown` },
      };
    }
    const column = get('subscribertype') === '' ? 'type' : 'subscriber_type';
    return `${column}: "${type}" is not a Buttondown subscriber type Herald knows; fix or remove the line`;
  },
};

/** listmonk's subscriber export: `status` enabled, disabled or blocklisted. */
const listmonkReader: Reader = {
  format: 'listmonk',
  read(get) {
    const created = date(get('createdat'), 'created_at');
    const consent = importConsent('listmonk', created, created, '');
    const status = oneOf(get('status').toLowerCase(), 'status', [
      'enabled',
      'disabled',
      'blocklisted',
    ] as const);
    if (status === 'enabled') return { status: 'active', categories: [], consent };
    if (status === 'disabled')
      return {
        status: 'unsubscribed',
        categories: [],
        consent,
        unsubscribedVia: 'link',
        ...optionalDate(get('updatedat')),
      };
    // The last change of a blocklisted subscriber is, as a rule, the blocklisting.
    const at = date(get('updatedat'), 'updated_at');
    return {
      status: 'suppressed',
      categories: [],
      consent,
      unsubscribedVia: 'link',
      ...(at ? { unsubscribedAt: at } : {}),
      suppression: { reason: 'manual', detail: 'blocklisted in listmonk', ...(at ? { at } : {}) },
    };
  },
};

/** Any CSV with an e-mail column; optional `categories`, `consented_at` (or `created_at`), `status`. */
const genericReader: Reader = {
  format: 'generic',
  read(get) {
    const at = date(get('consentedat', 'subscribedat', 'createdat', 'date'), 'consented_at');
    const consent = importConsent('', at, at, get('ip', 'ipaddress'));
    const given = get('status').toLowerCase();
    const status =
      given === '' || given === 'subscribed'
        ? 'active'
        : oneOf(given, 'status', ['pending', 'active', 'unsubscribed', 'suppressed'] as const);
    const categories = normaliseCategories(get('categories', 'tags').split(/[;,]/));
    if (status === 'suppressed')
      return { status, categories, consent, unsubscribedVia: 'bounce', suppression: { reason: 'manual' } };
    if (status === 'unsubscribed') return { status, categories, consent, unsubscribedVia: 'link' };
    if (status === 'pending') {
      const { confirmedAt: _c, ...unconfirmed } = consent;
      return { status, categories, consent: unconfirmed };
    }
    return { status, categories, consent };
  },
};

function importConsent(
  service: string,
  requestedAt: string | undefined,
  confirmedAt: string | undefined,
  ip: string,
): NonNullable<ListEntry['consent']> {
  return {
    source: 'import' as ConsentSource,
    ...(requestedAt ? { requestedAt } : {}),
    ...(confirmedAt ? { confirmedAt } : {}),
    ...optional('ip', ip),
    ...(service ? { note: `${service} export` } : {}),
  };
}

function oneOf<T extends string>(value: string, column: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new BadValue(`${column}: "${value}" is not one of ${allowed.join(', ')}`);
}

function optional<K extends string>(key: K, value: string): { [P in K]?: string } {
  return (value === '' ? {} : { [key]: value }) as { [P in K]?: string };
}

function optionalDate(value: string): { unsubscribedAt?: string } {
  const at = date(value, 'updated_at');
  return at ? { unsubscribedAt: at } : {};
}

function requiredDate(value: string, column: string): string {
  const at = date(value, column);
  if (at === undefined) throw new BadValue(`${column}: is empty`);
  return at;
}

// ISO 8601 and the "2021-03-04 10:11:12" (Mailchimp), "2021-03-04 10:11:12.123456+00"
// (PostgreSQL) and "2020-07-04 11:22:33.123456 +0000 UTC" (listmonk: Go's time.Time.String, the
// zone's abbreviation after the offset, which alone counts) forms; no zone means UTC, as these
// services write.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?(?:\s+[A-Z]{1,6})?$/i;

/**
 * A date and time from an import file as ISO 8601 (UTC, milliseconds), undefined when empty.
 * @throws BadValue naming the column when it is not a date
 */
function date(value: string, column: string): string | undefined {
  if (value === '') return undefined;
  const m = DATE_TIME.exec(value);
  if (m) {
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const n = (x: string | undefined) => Number(x ?? 0);
    const utc = Date.UTC(n(y), n(mo) - 1, n(d), n(h), n(mi), n(s), Number(`${frac ?? ''}000`.slice(0, 3)));
    const check = new Date(utc);
    // Date.UTC rolls 31 February over into March: a date that does not exist is an error.
    if (
      check.getUTCMonth() === n(mo) - 1 &&
      check.getUTCDate() === n(d) &&
      n(h) < 24 &&
      n(mi) < 60 &&
      n(s) < 60
    ) {
      const z = zone && zone.toUpperCase() !== 'Z' ? /([+-])(\d{2}):?(\d{2})?/.exec(zone) : null;
      const offsetMinutes = z ? (z[1] === '-' ? -1 : 1) * (n(z[2]) * 60 + n(z[3])) : 0;
      return new Date(utc - offsetMinutes * 60_000).toISOString();
    }
  }
  throw new BadValue(
    `${column}: "${value}" is not a date and time (use ISO 8601, e.g. 2024-03-01T09:30:00Z)`,
  );
}

function normaliseHeader(name: string): string {
  return name.toLowerCase().replace(/[\s_\-."']/g, '');
}

/** The delimiter of the header line: the most frequent of `,` `;` tab outside quotes. */
function detectDelimiter(text: string): string {
  const end = text.search(/\r?\n/);
  const line = end < 0 ? text : text.slice(0, end);
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ',';
  for (const [ch, n] of counts) if (n > (counts.get(best) ?? 0)) best = ch;
  return best;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
