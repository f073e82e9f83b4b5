/**
 * Timestamps of the text output, tcpdump's way: local time of day by default (`--utc` for UTC), and the
 * `-t` family (none, epoch, delta from the previous line, date and time, delta from the first line).
 */

/** `-t` given 0..5 times, tcpdump's meanings. */
export type TimestampMode =
  /** HH:MM:SS.uuuuuu (default) */
  | "time"
  /** `-t`: no timestamp */
  | "none"
  /** `-tt`: seconds.uuuuuu since the epoch */
  | "unix"
  /** `-ttt`: delta from the previous printed line, H:MM:SS.uuuuuu */
  | "delta"
  /** `-tttt`: YYYY-MM-DD HH:MM:SS.uuuuuu */
  | "date"
  /** `-ttttt`: delta from the first printed line */
  | "since-first";

export const TIMESTAMP_MODES: readonly TimestampMode[] = ["time", "none", "unix", "delta", "date", "since-first"];

/** Seconds to add to the UTC time `seconds` to get the local time then (the zone of `TZ`, as Node reads it). */
export function localOffset(seconds: number): number {
  return -new Date(seconds * 1000).getTimezoneOffset() * 60;
}

/**
 * The local zone's UTC offset at a given second, cached for the aligned quarter of an hour it falls in:
 * every zone in use moves its offset only on a quarter-hour boundary of UTC, so a cached offset is exact.
 * Follows `TZ` as Node does (a change of `process.env.TZ` takes effect on the next new bucket).
 */
export class LocalZone {
  private bucket = Number.NaN;
  private offset = 0;

  /** Seconds to add to a UTC time to get local time. */
  offsetAt(seconds: number): number {
    const b = Math.floor(seconds / 900);
    if (b !== this.bucket) {
      this.bucket = b;
      this.offset = localOffset(seconds);
    }
    return this.offset;
  }
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** "HH:MM:SS" of a second of the day (0..86399). */
function hms(day: number): string {
  return `${pad2(Math.floor(day / 3600))}:${pad2(Math.floor((day % 3600) / 60))}:${pad2(day % 60)}`;
}

/** The 6-digit microsecond fraction of a nanosecond count, truncated as tcpdump does. */
function micros(nanos: number): string {
  return String(Math.floor(nanos / 1000)).padStart(6, "0");
}

/** Split the JSON model's "seconds.nnnnnnnnn" into whole seconds and nanoseconds. */
export function splitTime(time: string): [seconds: number, nanos: number] {
  const dot = time.indexOf(".");
  if (dot < 0) return [Number(time), 0];
  return [Number(time.slice(0, dot)), Number(time.slice(dot + 1).padEnd(9, "0").slice(0, 9))];
}

/** Time of day of `seconds`, local unless `utc`. */
export function timeOfDay(seconds: number, nanos: number, utc: boolean, zone?: LocalZone): string {
  const t = seconds + (utc ? 0 : zone ? zone.offsetAt(seconds) : localOffset(seconds));
  return `${hms(((t % 86400) + 86400) % 86400)}.${micros(nanos)}`;
}

function dateAndTime(seconds: number, nanos: number, utc: boolean, zone: LocalZone): string {
  const t = seconds + (utc ? 0 : zone.offsetAt(seconds));
  const d = new Date(t * 1000);
  const date = `${String(d.getUTCFullYear()).padStart(4, "0")}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  return `${date} ${timeOfDay(seconds, nanos, utc, zone)}`;
}

/**
 * A difference of two times as tcpdump's -ttt prints it: " HH:MM:SS.uuuuuu" (hours not wrapped at 24),
 * of the times truncated to microseconds as tcpdump reads them; "-" instead of the space when negative.
 */
function delta(secs: number, nanos: number, prevSecs: number, prevNanos: number): string {
  let s = secs - prevSecs;
  let us = Math.floor(nanos / 1000) - Math.floor(prevNanos / 1000);
  let sign = " ";
  if (s < 0 || (s === 0 && us < 0)) {
    // out-of-order frames: the magnitude with a minus sign
    sign = "-";
    s = -s;
    us = -us;
  }
  if (us < 0) {
    s -= 1;
    us += 1_000_000;
  }
  return `${sign}${pad2(Math.floor(s / 3600))}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}.${String(us).padStart(6, "0")}`;
}

/**
 * Formats the timestamps of printed lines; stateful for the delta modes (one per output). `stamp` is
 * called once per printed line, in order.
 */
export class Timestamper {
  private readonly zone = new LocalZone();
  private prevSecs = Number.NaN;
  private prevNanos = 0;

  constructor(
    readonly mode: TimestampMode,
    readonly utc: boolean,
  ) {}

  /** The timestamp text of a line for the JSON model's "seconds.nnnnnnnnn" time; "" for `-t`. */
  stamp(time: string): string {
    const [s, n] = splitTime(time);
    switch (this.mode) {
      case "none":
        return "";
      case "unix":
        return `${s}.${micros(n)}`;
      case "date":
        return dateAndTime(s, n, this.utc, this.zone);
      case "delta":
      case "since-first": {
        const first = Number.isNaN(this.prevSecs);
        const out = first ? delta(0, 0, 0, 0) : delta(s, n, this.prevSecs, this.prevNanos);
        if (first || this.mode === "delta") {
          this.prevSecs = s;
          this.prevNanos = n;
        }
        return out;
      }
      default:
        return timeOfDay(s, n, this.utc, this.zone);
    }
  }
}
