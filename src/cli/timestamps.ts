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

/** Split the JSON model's "seconds.nnnnnnnnn" into whole seconds and nanoseconds (seconds rounded past 2^53). */
export function splitTime(time: string): [seconds: number, nanos: number] {
  const dot = time.indexOf(".");
  if (dot < 0) return [Number(time), 0];
  const secs = Number(time.slice(0, dot));
  const nanos = Number(time.slice(dot + 1).padEnd(9, "0").slice(0, 9));
  // -5.3 s is 5.3 s before the epoch: whole seconds down, nanoseconds up
  return time.startsWith("-") && nanos !== 0 ? [secs - 1, 1_000_000_000 - nanos] : [secs, nanos];
}

/** Seconds a JavaScript Date can hold (±8.64e15 ms). */
const DATE_RANGE_S = 8.64e12;

/**
 * The day (since 1970-01-01) and second of the day of an exact time, local unless `utc`, with integer
 * arithmetic: any exact timestamp has one, also beyond a Date's range (pcapng's if_tsoffset reaches
 * ±2^63 s; there the zone's offset is unknown and UTC is used).
 */
function dayAndSecond(time: string, utc: boolean, zone?: LocalZone): { day: number; second: number; nanos: number } {
  const [approx, nanos] = splitTime(time);
  const dot = time.indexOf(".");
  const whole = dot < 0 ? time : time.slice(0, dot);
  let day: number;
  let second: number;
  if (Number.isSafeInteger(approx)) {
    day = Math.floor(approx / 86400);
    second = approx - day * 86400;
  } else {
    let big = BigInt(whole);
    if (approx < 0 && nanos !== 0) big -= 1n;
    const d = big / 86400n - (big % 86400n < 0n ? 1n : 0n);
    day = Number(d);
    second = Number(big - d * 86400n);
  }
  if (!utc && Math.abs(approx) < DATE_RANGE_S) {
    second += zone ? zone.offsetAt(approx) : localOffset(approx);
    const carry = Math.floor(second / 86400);
    day += carry;
    second -= carry * 86400;
  }
  return { day, second, nanos };
}

/** Time of day "HH:MM:SS.uuuuuu" of the JSON model's exact time, local unless `utc`. */
export function timeOfDay(time: string, utc: boolean, zone?: LocalZone): string {
  const { second, nanos } = dayAndSecond(time, utc, zone);
  return `${hms(second)}.${micros(nanos)}`;
}

/** The civil date of a day since 1970-01-01 (proleptic Gregorian; H. Hinnant's days_from_civil inverse). */
function civil(day: number): string {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y < 0 ? "-" : ""}${String(Math.abs(y)).padStart(4, "0")}-${pad2(m)}-${pad2(d)}`;
}

function dateAndTime(time: string, utc: boolean, zone: LocalZone): string {
  const { day, second, nanos } = dayAndSecond(time, utc, zone);
  return `${civil(day)} ${hms(second)}.${micros(nanos)}`;
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
    switch (this.mode) {
      case "none":
        return "";
      case "unix":
        // the exact seconds, the fraction cut to microseconds
        return time.includes(".") ? time.slice(0, time.indexOf(".") + 7) : `${time}.000000`;
      case "date":
        return dateAndTime(time, this.utc, this.zone);
      case "delta":
      case "since-first": {
        const [s, n] = splitTime(time);
        const first = Number.isNaN(this.prevSecs);
        const out = first ? delta(0, 0, 0, 0) : delta(s, n, this.prevSecs, this.prevNanos);
        if (first || this.mode === "delta") {
          this.prevSecs = s;
          this.prevNanos = n;
        }
        return out;
      }
      default:
        return timeOfDay(time, this.utc, this.zone);
    }
  }
}
