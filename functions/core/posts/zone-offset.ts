// Intl is the only time zone database a pure module can use. One formatter per zone, reused:
// `longOffset` gives "GMT+05:45" in one call, about twenty times faster than luxon's offset path,
// which dominated a 10,000-post build.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Offset changes of one zone within one UTC year: `[from, offset]` pairs in time order. */
type YearTable = [number, number][];
const tables = new Map<string, Map<number, YearTable>>();
const WEEK = 7 * 86_400_000;

/**
 * The offsets of a zone through one UTC year, found by sampling weekly and bisecting each change
 * to the minute: about 80 Intl calls a year instead of two per post. Zones change their offset at
 * most a few times a year and never twice in a week, and always on a whole minute.
 */
function yearTable(zone: string, year: number): YearTable {
  let years = tables.get(zone);
  if (years === undefined) {
    years = new Map();
    tables.set(zone, years);
  }
  let table = years.get(year);
  if (table !== undefined) return table;
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  table = [[start, offsetFromIntl(zone, start)]];
  for (let t = start; t < end; t += WEEK) {
    const next = Math.min(t + WEEK, end);
    const before = offsetFromIntl(zone, t);
    if (offsetFromIntl(zone, next) === before) continue;
    let low = t;
    let high = next;
    while (high - low > 60_000) {
      const mid = low + Math.floor((high - low) / 120_000) * 60_000;
      if (offsetFromIntl(zone, mid) === before) low = mid;
      else high = mid;
    }
    table.push([high, offsetFromIntl(zone, high)]);
  }
  years.set(year, table);
  return table;
}

/**
 * The UTC offset of an IANA zone at an instant.
 * @param zone - e.g. `Europe/London`
 * @param ms - epoch milliseconds
 * @returns minutes east of UTC (may be fractional for historical local mean time)
 */
export function zoneOffset(zone: string, ms: number): number {
  if (!Number.isFinite(ms)) return offsetFromIntl(zone, ms);
  const table = yearTable(zone, new Date(ms).getUTCFullYear());
  let offset = table[0]?.[1] ?? 0;
  for (const [from, value] of table) {
    if (from > ms) break;
    offset = value;
  }
  return offset;
}

function offsetFromIntl(zone: string, ms: number): number {
  // format() and a regex: several times faster than formatToParts().
  const match = /GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?/.exec(formatterFor(zone).format(ms));
  if (match === null) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]) + Number(match[4] ?? 0) / 60;
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * The instant at which a zone's clocks show a wall-clock time. In a gap (clocks going forward) the
 * later offset applies; in an overlap (clocks going back) the earlier instant wins, as luxon does.
 * @param zone - IANA zone
 * @param wallMs - the wall-clock time encoded as if it were UTC (`Date.UTC(y, m - 1, d, h, mi, s)`)
 * @returns epoch milliseconds and the offset in minutes
 */
export function wallClockToInstant(zone: string, wallMs: number): { ms: number; offset: number } {
  const first = zoneOffset(zone, wallMs);
  let guess = wallMs - first * 60_000;
  const second = zoneOffset(zone, guess);
  if (second === first) return { ms: guess, offset: first };
  guess = wallMs - second * 60_000;
  const third = zoneOffset(zone, guess);
  if (third === second) return { ms: guess, offset: second };
  return { ms: wallMs - Math.min(second, third) * 60_000, offset: Math.max(second, third) };
}
