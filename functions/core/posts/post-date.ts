import { DateTime } from 'luxon';

// Formats seen in real front matter, tried in order after ISO 8601, SQL-style and RFC 2822.
// Month names are matched without regard to case.
const HUMAN_FORMATS = [
  'MMMM d yyyy',
  'MMM d yyyy',
  'd MMMM yyyy',
  'd MMM yyyy',
  'MMMM d yyyy h:mm a',
  'MMM d yyyy h:mm a',
  'MMMM d yyyy H:mm',
  'MMM d yyyy H:mm',
  'd MMMM yyyy H:mm',
  'd MMM yyyy H:mm',
  'EEEE MMMM d yyyy',
  'EEE MMM d yyyy',
  'yyyy/MM/dd',
  'yyyy/M/d',
  'yyyy/MM/dd H:mm',
  'yyyy.MM.dd',
];

/**
 * Reads a date as authors write it. A value without a zone is taken in `timezone`.
 * Accepts ISO 8601 (date only, with time, with or without zone), `2023-06-28 10:00`, RFC 2822,
 * "June 28, 2023", "Jun 28 2023", "28 June 2023", "June 28th, 2023 9:30 AM", and JS dates.
 * @param value - a front matter value: string, Date or epoch milliseconds
 * @param timezone - IANA zone of the site
 * @returns the instant, or `undefined` when the value is not a date this function understands
 */
export function parsePostDate(value: unknown, timezone: string): DateTime | undefined {
  if (value instanceof Date) {
    const dt = DateTime.fromJSDate(value, { zone: timezone });
    return dt.isValid ? dt : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  const opts = { zone: timezone, setZone: true };
  const iso = DateTime.fromISO(text.replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2'), opts);
  if (iso.isValid) return iso;
  const sql = DateTime.fromSQL(text, opts);
  if (sql.isValid) return sql;
  const rfc = DateTime.fromRFC2822(text, opts);
  if (rfc.isValid) return rfc;
  // Commas, ordinals ("28th") and doubled spaces are noise for the formats above.
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
