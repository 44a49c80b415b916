import { describe, expect, it } from 'vitest';
import { parsePostDate } from '../../functions/core/posts/post-date.ts';

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
    expect(parsePostDate(text, zone)?.toUTC().toISO()).toBe(iso);
  });

  it('keeps the instant of a JS Date', () => {
    expect(parsePostDate(new Date('2023-06-28T10:00:00Z'), zone)?.toUTC().toISO()).toBe(
      '2023-06-28T10:00:00.000Z',
    );
  });

  it.each(['not a date', '2023-13-45', 'June 31, 2023', '', 42, null])('rejects %j', (value) => {
    expect(parsePostDate(value, zone)).toBeUndefined();
  });
});
