import type { Timer } from '../../ports/timer.ts';

/**
 * Spaces sends evenly at a rate: the n-th send may start at start + n / rate. Evenly spaced starts
 * (rather than bursts) are what keeps SES from throttling at its per-second limit.
 */
export class Pacer {
  private next: number | undefined;
  private readonly gapMs: number;

  /** @param rate - sends per second */
  constructor(
    rate: number,
    private readonly timer: Timer,
  ) {
    this.gapMs = rate > 0 && Number.isFinite(rate) ? 1000 / rate : 0;
  }

  /** Resolves when the next send may start. */
  async wait(): Promise<void> {
    if (this.gapMs === 0) return;
    const now = this.timer.now().getTime();
    // After an idle spell, start afresh rather than bursting to catch up.
    const slot = this.next === undefined || this.next < now ? now : this.next;
    this.next = slot + this.gapMs;
    // Clocks tick in whole milliseconds: rounding up means a send never starts before its slot.
    if (slot > now) await this.timer.sleep(Math.ceil(slot - now));
  }

  /** Pushes every later slot back, e.g. after SES said "too fast". */
  pause(ms: number): void {
    const now = this.timer.now().getTime();
    this.next = Math.max(this.next ?? now, now + ms);
  }
}
