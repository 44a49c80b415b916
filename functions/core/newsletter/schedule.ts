import { DateTime } from 'luxon';

/** Days of the week as site.yaml names them. */
export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** When digests go out, in the site's timezone. */
export type DigestSchedule =
  | { every: 'day'; hour: number; minute: number }
  | { every: 'week'; day: Weekday; hour: number; minute: number };

const CRON_DAYS: Record<Weekday, string> = {
  monday: 'MON',
  tuesday: 'TUE',
  wednesday: 'WED',
  thursday: 'THU',
  friday: 'FRI',
  saturday: 'SAT',
  sunday: 'SUN',
};

/**
 * The schedule as an EventBridge Scheduler cron expression, read in the site's timezone (the
 * schedule carries the zone separately, so daylight saving time moves with the site).
 */
export function cronExpression(schedule: DigestSchedule): string {
  const day = schedule.every === 'week' ? CRON_DAYS[schedule.day] : '*';
  return `cron(${schedule.minute} ${schedule.hour} ? * ${day} *)`;
}

/** The schedule in words, for logs and the CLI: "every Monday at 09:00 (Europe/London)". */
export function describeSchedule(schedule: DigestSchedule, zone: string): string {
  const time = `${String(schedule.hour).padStart(2, '0')}:${String(schedule.minute).padStart(2, '0')}`;
  const day = schedule.every === 'week' ? `every ${capitalise(schedule.day)}` : 'every day';
  return `${day} at ${time} (${zone})`;
}

/**
 * The latest time the schedule fired at or before `now`: the cut-off of the digest due then.
 * @param zone - the site's IANA timezone
 */
export function latestRunAtOrBefore(schedule: DigestSchedule, now: Date, zone: string): Date {
  const local = DateTime.fromJSDate(now, { zone });
  let run = local.set({ hour: schedule.hour, minute: schedule.minute, second: 0, millisecond: 0 });
  if (schedule.every === 'week') {
    const target = WEEKDAYS.indexOf(schedule.day) + 1;
    run = run.minus({ days: (run.weekday - target + 7) % 7 });
    if (run > local) run = run.minus({ weeks: 1 });
  } else if (run > local) {
    run = run.minus({ days: 1 });
  }
  // Re-anchoring on the wall clock keeps 09:00 at 09:00 across a daylight saving change.
  return run.set({ hour: schedule.hour, minute: schedule.minute }).toJSDate();
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
