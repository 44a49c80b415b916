import { DateTime } from 'luxon';
import { wallClockToInstant, zoneOffset } from './zone-offset.ts';

/** An instant, and the UTC offset (minutes) in which it is shown. */
export interface PostInstant {
  ms: number;
  offset: number;
}

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const MONTH_NAMES =
  'january february march april may june july august september october november december'.split(' ');

// The shapes nearly every post uses, read directly; anything else goes to luxon, below.
const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const MONTH_DAY_YEAR =
  /^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/i;
const DAY_MONTH_YEAR = /^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$/i;

// Formats luxon reads for the rarer shapes, tried in order after ISO 8601, SQL-style and RFC 2822.
const HUMAN_FORMATS = [
  'MMMM d yyyy h:mm a',
  'MMM d yyyy h:mm a',
  'MMMM d yyyy H:mm',
  'MMM d yyyy H:mm',
  'd MMMM yyyy H:mm',
  'd MMM yyyy H:mm',
  'yyyy/MM/dd',
  'yyyy/M/d',
  'yyyy/MM/dd H:mm',
  'yyyy.MM.dd',
];

/**
 * Reads a date as authors write it. A value without a zone is taken in `timezone`.
 * Accepts ISO 8601 (date only, with time, with or without zone), `2023-06-28 10:00`, RFC 2822,
 * "June 28, 2023", "Jun 28 2023", "28 June 2023", "June 28th, 2023 9:30 PM", and JS dates.
 * @param value - a front matter value: string or Date
 * @param timezone - IANA zone of the site
 * @returns the instant with the offset it is shown in, or `undefined` when the value is not a date
 */
export function parsePostDate(value: unknown, timezone: string): PostInstant | undefined {
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? undefined : { ms, offset: zoneOffset(timezone, ms) };
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  return readCommonShape(text, timezone) ?? readWithLuxon(text, timezone);
}

/**
 * ISO 8601 with the instant's offset: `2023-06-28T00:00:00.000+01:00`, or `…Z` at offset zero.
 * @param instant - a parsed date
 */
export function formatInstant(instant: PostInstant): string {
  const wall = new Date(instant.ms + instant.offset * 60_000).toISOString().slice(0, -1);
  if (instant.offset === 0) return `${wall}Z`;
  const minutes = Math.round(Math.abs(instant.offset));
  const sign = instant.offset < 0 ? '-' : '+';
  return `${wall}${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/**
 * The calendar date of an instant in a zone, for permalinks such as `/:year/:month/:slug/`.
 * @returns zero-padded year, month and day
 */
export function calendarDate(ms: number, timezone: string): { year: string; month: string; day: string } {
  const wall = new Date(ms + zoneOffset(timezone, ms) * 60_000);
  return {
    year: String(wall.getUTCFullYear()).padStart(4, '0'),
    month: pad(wall.getUTCMonth() + 1),
    day: pad(wall.getUTCDate()),
  };
}

function readCommonShape(text: string, timezone: string): PostInstant | undefined {
  const iso = ISO_LIKE.exec(text);
  if (iso !== null) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '0', zone] = iso;
    const wall = wallClock(
      Number(y),
      Number(mo),
      Number(d),
      Number(h),
      Number(mi),
      Number(s),
      Number(fraction.padEnd(3, '0').slice(0, 3)),
    );
    if (wall === undefined) return undefined;
    if (zone === undefined) return wallClockToInstant(timezone, wall);
    const offset = parseOffset(zone);
    return offset === undefined ? undefined : { ms: wall - offset * 60_000, offset };
  }
  const mdy = MONTH_DAY_YEAR.exec(text);
  const dmy = mdy === null ? DAY_MONTH_YEAR.exec(text) : null;
  const [monthName, day, year] =
    mdy !== null ? [mdy[1], mdy[2], mdy[3]] : dmy !== null ? [dmy[2], dmy[1], dmy[3]] : [];
  if (monthName === undefined) return undefined;
  const month = monthNumber(monthName);
  const wall = month === undefined ? undefined : wallClock(Number(year), month, Number(day), 0, 0, 0, 0);
  return wall === undefined ? undefined : wallClockToInstant(timezone, wall);
}

function monthNumber(name: string): number | undefined {
  const lower = name.toLowerCase();
  const byPrefix = MONTHS[lower];
  if (byPrefix !== undefined) return byPrefix;
  const full = MONTH_NAMES.indexOf(lower);
  return full < 0 ? undefined : full + 1;
}

/** Wall-clock time as UTC milliseconds, or undefined when a field is out of range (June 31). */
function wallClock(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear takes the year as written.
  const date = new Date(Date.UTC(2000, 0, 1, h, mi, s, ms));
  date.setUTCFullYear(y, mo - 1, d);
  return date.getUTCDate() === d ? date.getTime() : undefined;
}

function parseOffset(zone: string): number | undefined {
  if (zone.toUpperCase() === 'Z') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (match === null) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return minutes > 18 * 60 ? undefined : match[1] === '-' ? -minutes : minutes;
}

function readWithLuxon(text: string, timezone: string): PostInstant | undefined {
  const options = { zone: timezone, setZone: true };
  const attempts = [
    () => DateTime.fromISO(text, options),
    () => DateTime.fromSQL(text, options),
    () => DateTime.fromRFC2822(text, options),
    () => readHumanWithLuxon(text, timezone),
  ];
  let found: DateTime | undefined;
  for (const attempt of attempts) {
    const dt = attempt();
    if (dt?.isValid) {
      found = dt;
      break;
    }
  }
  return found === undefined ? undefined : { ms: found.toMillis(), offset: found.offset };
}

function readHumanWithLuxon(text: string, timezone: string): DateTime | undefined {
  const human = text
    .replace(/\bsept\b/gi, 'Sep')
    .replace(/,/g, ' ')
    .replace(/(\d)(st|nd|rd|th)\b/gi, '$1')
    .replace(/\b(a\.m\.|p\.m\.)/gi, (m) => m.replace(/\./g, ''))
    .replace(/\s+/g, ' ')
    .trim();
  for (const format of HUMAN_FORMATS) {
    const dt = DateTime.fromFormat(human, format, { zone: timezone, locale: 'en-US' });
    if (dt.isValid) return dt;
  }
  return undefined;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
