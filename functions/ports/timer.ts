import type { Clock } from './clock.ts';

/** A clock that can also wait: pacing sends to a rate. Tests pass one whose time only moves on sleep. */
export interface Timer extends Clock {
  sleep(ms: number): Promise<void>;
}
