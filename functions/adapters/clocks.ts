import type { Clock } from '../ports/clock.ts';
import type { Timer } from '../ports/timer.ts';

/** The machine's clock. */
export const systemClock: Timer = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A clock stopped at one instant: for `--now`, previews and tests. */
export function fixedClock(instant: Date): Clock {
  return { now: () => new Date(instant.getTime()) };
}
