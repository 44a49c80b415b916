import type { Clock } from '../ports/clock.ts';

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock stopped at one instant: for `--now`, previews and tests. */
export function fixedClock(instant: Date): Clock {
  return { now: () => new Date(instant.getTime()) };
}
