/**
 * One timeline for a live LAN: what the runner sends is stamped from the monotonic clock, what it captures
 * carries the kernel's receive time, which is wall-clock time (CLOCK_REALTIME). The two drift apart
 * whenever the wall clock is stepped or slewed (NTP, a virtual machine paused and resumed), and a runner
 * that compares a query stamped on one clock with an answer stamped on the other takes the step for the
 * DUT's delay (a CI run judged every answer of its last cases about four seconds late). Here every capture
 * stamp is moved onto the monotonic timeline by the offset between the two clocks as it is when the frame
 * is read, so a step before the frame was captured is not counted.
 */

/** The two clocks, injectable for tests: wall-clock ms since the epoch and monotonic ms. */
export interface LanClockSources {
  wallMs(): number;
  monoMs(): number;
}

const SYSTEM: LanClockSources = { wallMs: () => Date.now(), monoMs: () => performance.now() };

/** `Date.now()` counts whole milliseconds: a sample of the offset is up to this much below the true one. */
const WALL_RESOLUTION_MS = 1;

/** The runner's timeline: monotonic ms since it was made, with capture stamps moved onto it. */
export class LanClock {
  private readonly mono0: number;
  /** Wall-clock ms at time 0 (the evidence file's time base). */
  readonly wall0Ms: number;
  /** wall − mono, ms, as last known. */
  private offsetMs: number;

  constructor(private readonly clocks: LanClockSources = SYSTEM) {
    this.mono0 = clocks.monoMs();
    this.wall0Ms = clocks.wallMs();
    this.offsetMs = this.wall0Ms - this.mono0;
  }

  /** Milliseconds since the start, monotonic. */
  now(): number {
    return this.clocks.monoMs() - this.mono0;
  }

  /**
   * A capture stamp (ns since the epoch) on this timeline. `wallClock` false: the stamp is the monotonic
   * clock anchored once to wall time (an unpatched `cap` stamps on delivery), so no step applies to it.
   */
  fromWire(timestampNs: bigint, wallClock = true): number {
    if (!wallClock) return Number(timestampNs / 1000n) / 1000 - this.wall0Ms;
    this.track();
    return Number(timestampNs / 1000n) / 1000 - this.offsetMs - this.mono0;
  }

  /** A time on this timeline as a wall-clock stamp for a capture file (ns since the epoch). */
  toWire(timeMs: number): bigint {
    return BigInt(Math.round((this.wall0Ms + timeMs) * 1e6));
  }

  /**
   * Follow the wall clock. A sample reads below the true offset by less than the wall clock's resolution:
   * a higher sample refines the offset (or is a step forward), one lower by more than the resolution is a
   * step back.
   */
  private track(): void {
    const sample = this.clocks.wallMs() - this.clocks.monoMs();
    if (sample > this.offsetMs) this.offsetMs = sample;
    else if (this.offsetMs - sample > WALL_RESOLUTION_MS) this.offsetMs = sample + WALL_RESOLUTION_MS / 2;
  }
}
