import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { calendarDate, formatInstant, parsePostDate } from '../../functions/core/posts/post-date.ts';
import { zoneOffset } from '../../functions/core/posts/zone-offset.ts';

const zone = 'America/New_York';

describe('parsePostDate', () => {
  it.each([
    ['June 28, 2023', '2023-06-28T04:00:00.000Z'],
    ['Jun 28 2023', '2023-06-28T04:00:00.000Z'],
    ['june 28th, 2023', '2023-06-28T04:00:00.000Z'],
    ['Sept 28, 2023', '2023-09-28T04:00:00.000Z'],
    ['28 June 2023', '2023-06-28T04:00:00.000Z'],
    ['Wednesday, June 28, 2023', '2023-06-28T04:00:00.000Z'],
    ['June 28, 2023 9:30 PM', '2023-06-29T01:30:00.000Z'],
    ['2023-06-28', '2023-06-28T04:00:00.000Z'],
    ['2023-06-28T10:00', '2023-06-28T14:00:00.000Z'],
    ['2023-06-28 10:00:00', '2023-06-28T14:00:00.000Z'],
    ['2023-06-28T10:00:00Z', '2023-06-28T10:00:00.000Z'],
    ['2023-06-28T10:00:00+02:00', '2023-06-28T08:00:00.000Z'],
    ['2023-06-28 10:00:00 +0200', '2023-06-28T08:00:00.000Z'],
    ['Wed, 28 Jun 2023 10:00:00 +0000', '2023-06-28T10:00:00.000Z'],
    ['Wed, 28 Jun 2023 10:00:00 GMT', '2023-06-28T10:00:00.000Z'],
    ['2023/06/28', '2023-06-28T04:00:00.000Z'],
  ])('reads %j as %s (zone-less values in the site timezone)', (text, iso) => {
    expect(new Date(parsePostDate(text, zone)?.ms ?? Number.NaN).toISOString()).toBe(iso);
  });

  it('keeps the instant of a JS Date', () => {
    expect(parsePostDate(new Date('2023-06-28T10:00:00Z'), zone)).toEqual({
      ms: Date.parse('2023-06-28T10:00:00Z'),
      offset: -240,
    });
  });

  it('agrees with luxon on every day of a year in zones with and without DST', () => {
    for (const tz of ['Europe/London', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'UTC']) {
      for (let day = 0; day < 366; day++) {
        const date = DateTime.fromObject({ year: 2024, month: 1, day: 1, hour: day % 24 }, { zone: tz }).plus(
          { days: day },
        );
        const text = date.toFormat("yyyy-MM-dd'T'HH:mm");
        const expected = DateTime.fromISO(text, { zone: tz });
        expect([text, tz, parsePostDate(text, tz)]).toEqual([
          text,
          tz,
          { ms: expected.toMillis(), offset: expected.offset },
        ]);
        const human = date.toFormat('MMMM d, yyyy');
        const midnight = DateTime.fromFormat(human, 'MMMM d, yyyy', { zone: tz });
        expect(parsePostDate(human, tz)?.ms).toBe(midnight.toMillis());
      }
    }
  });

  it('resolves wall-clock times in a DST gap and overlap as luxon does', () => {
    for (const text of ['2024-03-31T01:30', '2024-10-27T01:30']) {
      const expected = DateTime.fromISO(text, { zone: 'Europe/London' });
      expect(parsePostDate(text, 'Europe/London')).toEqual({
        ms: expected.toMillis(),
        offset: expected.offset,
      });
    }
  });
});

describe('formatInstant and calendarDate', () => {
  it('writes ISO 8601 with the offset, Z at zero', () => {
    const ms = Date.parse('2023-06-28T10:00:00Z');
    expect(formatInstant({ ms, offset: 60 })).toBe('2023-06-28T11:00:00.000+01:00');
    expect(formatInstant({ ms, offset: -345 })).toBe('2023-06-28T04:15:00.000-05:45');
    expect(formatInstant({ ms, offset: 0 })).toBe('2023-06-28T10:00:00.000Z');
  });

  it('gives the calendar date in the site timezone', () => {
    const ms = Date.parse('2024-01-01T03:00:00Z');
    expect(calendarDate(ms, 'America/New_York')).toEqual({ year: '2023', month: '12', day: '31' });
    expect(calendarDate(ms, 'Asia/Tokyo')).toEqual({ year: '2024', month: '01', day: '01' });
  });

  it.each(['not a date', '2023-13-45', 'June 31, 2023', '', 42, null])('rejects %j', (value) => {
    expect(parsePostDate(value, zone)).toBeUndefined();
  });
});

describe('zoneOffset', () => {
  it('agrees with luxon every 3 days from 1990 to 2040, at odd hours', () => {
    for (const zone of ['Europe/London', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Tehran']) {
      for (
        let ms = Date.UTC(1990, 0, 1, 1, 17);
        ms < Date.UTC(2040, 0, 1);
        ms += 3 * 86_400_000 + 3_600_000
      ) {
        const expected = DateTime.fromMillis(ms, { zone }).offset;
        if (zoneOffset(zone, ms) !== expected)
          expect([zone, new Date(ms).toISOString(), zoneOffset(zone, ms)]).toEqual([
            zone,
            new Date(ms).toISOString(),
            expected,
          ]);
      }
    }
  });

  it('changes at the minute of a DST transition', () => {
    const change = Date.UTC(2024, 2, 31, 1, 0);
    expect(zoneOffset('Europe/London', change - 60_000)).toBe(0);
    expect(zoneOffset('Europe/London', change)).toBe(60);
  });
});
