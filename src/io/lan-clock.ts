/**
 * One timeline for a live LAN: what the runner sends is stamped from the monotonic clock, what it captures
 * carries the kernel's wall-clock receive time, moved onto the same timeline by however far the wall
 * clock has stepped since the start ({@link WallClockSteps}). Without it a step between a query and its
 * answer showed as the DUT's delay.
 */
import { SYSTEM_CLOCKS, WallClockSteps, type ClockSources } from "../capture/wall-steps.js";

/** The runner's timeline: monotonic ms since it was made, with capture stamps moved onto it. */
export class LanClock {
  private readonly mono0: number;
  /** Wall-clock ms at time 0 (the evidence file's time base). */
  readonly wall0Ms: number;
  private readonly steps: WallClockSteps;

  constructor(private readonly clocks: ClockSources = SYSTEM_CLOCKS) {
    this.mono0 = clocks.monoMs();
    this.wall0Ms = clocks.wallMs();
    this.steps = new WallClockSteps(clocks);
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
    const ms = Number(timestampNs / 1000n) / 1000 - this.wall0Ms;
    return wallClock ? ms - this.steps.sinceStart() : ms;
  }

  /** A time on this timeline as a wall-clock stamp for a capture file (ns since the epoch). */
  toWire(timeMs: number): bigint {
    return BigInt(Math.round((this.wall0Ms + timeMs) * 1e6));
  }
}
