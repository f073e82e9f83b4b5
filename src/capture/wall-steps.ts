/**
 * Live, the kernel stamps captured frames with wall-clock time (CLOCK_REALTIME), while a driver's timers
 * and the frames it sends itself run on the monotonic clock. The two part whenever the wall clock is
 * stepped (NTP at boot, a virtual machine paused and resumed): a driver that compares a kernel stamp with
 * its own clock then takes the step for time that passed on the wire. A CI run of the conformance runner
 * judged every answer of its last cases about four seconds late that way. {@link WallClockSteps} measures
 * the step, so that capture stamps can be moved back onto the driver's clock as they are read.
 */

/** The two clocks, injectable for tests: wall-clock ms since the epoch and monotonic ms. */
export interface ClockSources {
  wallMs(): number;
  monoMs(): number;
}

/** The system's: `Date.now()` and `performance.now()`. */
export const SYSTEM_CLOCKS: ClockSources = { wallMs: () => Date.now(), monoMs: () => performance.now() };

/**
 * `Date.now()` counts whole milliseconds, so a sample of wall − monotonic reads up to 1 ms below the
 * true offset; changes within this bound are the sampling's, not the clock's.
 */
const RESOLUTION_MS = 2;

/** How far the wall clock has moved against the monotonic clock since this was made. */
export class WallClockSteps {
  private readonly start: number;
  private offset: number;

  constructor(private readonly clocks: ClockSources = SYSTEM_CLOCKS) {
    this.start = clocks.wallMs() - clocks.monoMs();
    this.offset = this.start;
  }

  /**
   * Milliseconds the wall clock has been stepped (or slewed) since the start: positive forward, 0 while
   * within the wall clock's resolution. Samples the clocks: call it when a frame is read.
   */
  sinceStart(): number {
    const sample = this.clocks.wallMs() - this.clocks.monoMs();
    // A sample reads low by less than a millisecond: a higher one refines (or is a step forward), one
    // lower by more than that is a step back.
    if (sample > this.offset) this.offset = sample;
    else if (this.offset - sample > 1) this.offset = sample + 0.5;
    const d = this.offset - this.start;
    return Math.abs(d) <= RESOLUTION_MS ? 0 : d;
  }
}
