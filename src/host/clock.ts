/**
 * The one clock and timer interface every real-time driver takes (the host emulator's, the querier's,
 * `monitor -i`'s): the machines inside stay sans-IO, the driver owns the loop. Tests pass a virtual one.
 */

/** Where a driver gets the time and its timers. */
export interface Clock {
  /** The time in milliseconds (the origin is the driver's: monotonic, or anchored to the epoch). */
  now(): number;
  /** Call `fn` once after `ms` milliseconds; returns a handle for {@link Clock.clearTimer}. */
  setTimer(ms: number, fn: () => void): unknown;
  /** Cancel a timer (a handle already fired or cleared is ignored). */
  clearTimer(handle: unknown): void;
  /**
   * A capture stamp (ns since the epoch) on this clock, for a driver that judges frames by their stamps
   * (`monitor -i`): the kernel stamps with wall-clock time, which a step (NTP, a paused virtual machine)
   * moves away from a clock that never steps. Absent: stamps are taken as they are.
   */
  fromWire?(timestampNs: bigint): bigint;
}
