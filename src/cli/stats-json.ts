/**
 * `igmpkit stats --json`: one file's statistics as one line of JSON, written in pieces (in the thread that
 * counted them: src/cli/stats-worker.ts for a big capture).
 */
import { newGroupFields, type GroupFields, type StatsSummary } from "../monitor/stats.js";
import { formatTimeMs } from "../monitor/message.js";
import { groupRecordKind } from "../wire/index.js";
import { ByteChunks, COMMA, DOT, enc, ipOf, lit, micros6, uint, type Lit } from "./ascii.js";

/** Output chunk size for the groups' JSON, and the room past it (a group is about 400 bytes). */
const CHUNK = 1 << 16;
const ROOM = 1024;

const F = {
  group: enc('{"group":'),
  vlan: enc(',"vlan":['),
  firstSeen: enc(',"firstSeen":"'),
  lastSeen: enc('","lastSeen":"'),
  v1: enc('","reports":{"v1":'),
  v2: enc(',"v2":'),
  v3: enc(',"v3":'),
  records: enc('},"records":{'),
  leaveMessages: enc('},"leaveMessages":'),
  membersSeen: enc(',"membersSeen":'),
  joins: enc(',"joins":'),
  leaves: enc(',"leaves":'),
  expiries: enc(',"expiries":'),
  modeChanges: enc(',"modeChanges":'),
  lastMemberQueries: enc(',"lastMemberQueries":'),
  groupQueries: enc(',"groupQueries":'),
  nanos: enc("000"),
};
/** The record names as JSON keys with their colon, by type (0 unknown, 1-6). */
const RECORD_KEYS = [0, 1, 2, 3, 4, 5, 6].map((k) => enc(`${JSON.stringify(groupRecordKind(k))}:`));

/** A field's name (with what comes before it) and its count. */
function field(d: DataView, p: number, name: Lit, n: number): number {
  return uint(d, lit(d, p, name), n);
}

/** {@link formatTimeMs}'s text of `ms` (without quotes). */
function timeMs(d: DataView, p: number, ms: number): number {
  const us = Math.round(ms * 1000);
  if (!(us >= 0 && us < 2 ** 53)) {
    // (no capture has such times; written as the model writes them)
    const t = formatTimeMs(ms);
    for (let i = 0; i < t.length; i++) d.setUint8(p + i, t.charCodeAt(i));
    return p + t.length;
  }
  const sec = Math.floor(us / 1e6);
  p = uint(d, p, sec);
  d.setUint8(p, DOT);
  p = micros6(d, p + 1, us - sec * 1e6);
  return lit(d, p, F.nanos);
}

/**
 * The groups' JSON, each exactly `JSON.stringify(groupStatsOf(f))` (the fields in the same order), written
 * as bytes from their numbers into chunks handed to `write`: at 100,000 groups no string per group, no
 * string of the whole list (joining the groups' strings was a tenth of the command's instructions).
 */
class GroupsJson extends ByteChunks {
  constructor(write: (chunk: Uint8Array) => void) {
    super(write, CHUNK + ROOM);
  }

  /** `[`, `,` or `]` */
  byte(c: number): void {
    this.room(8);
    this.d.setUint8(this.p++, c);
  }

  group(f: GroupFields): void {
    // (a VLAN tag path is a tag or two: 8 bytes a tag is room for any)
    if (this.p >= CHUNK || f.vlan !== undefined) this.room(ROOM + (f.vlan === undefined ? 0 : 8 * f.vlan.length));
    const dd = this.d;
    let p = this.p;
    p = lit(dd, p, F.group);
    p = ipOf(dd, p, f.address | 0);
    if (f.vlan !== undefined) {
      p = lit(dd, p, F.vlan);
      for (let i = 0; i < f.vlan.length; i++) {
        if (i > 0) dd.setUint8(p++, COMMA);
        p = uint(dd, p, f.vlan[i]!);
      }
      dd.setUint8(p++, 0x5d);
    }
    p = lit(dd, p, F.firstSeen);
    p = timeMs(dd, p, f.firstMs);
    p = lit(dd, p, F.lastSeen);
    p = timeMs(dd, p, f.lastMs);
    p = field(dd, p, F.v1, f.v1);
    p = field(dd, p, F.v2, f.v2);
    p = field(dd, p, F.v3, f.v3);
    p = lit(dd, p, F.records);
    let first = true;
    for (let k = 0; k < 7; k++) {
      const n = f.records[k]!;
      if (n <= 0) continue;
      if (!first) dd.setUint8(p++, COMMA);
      first = false;
      p = field(dd, p, RECORD_KEYS[k]!, n);
    }
    p = field(dd, p, F.leaveMessages, f.leaveMessages);
    p = field(dd, p, F.membersSeen, f.membersSeen);
    p = field(dd, p, F.joins, f.joins);
    p = field(dd, p, F.leaves, f.leaves);
    p = field(dd, p, F.expiries, f.expiries);
    p = field(dd, p, F.modeChanges, f.modeChanges);
    p = field(dd, p, F.lastMemberQueries, f.lastMemberQueries);
    p = field(dd, p, F.groupQueries, f.groupQueries);
    dd.setUint8(p++, 0x7d);
    this.p = p;
  }
}

/** Stand-ins for the lists in the JSON text while its other fields are written. */
const GROUPS = "\u0000groups";
const HOSTS = "\u0000hosts";

/**
 * One file's statistics as one line of JSON, the same text as `JSON.stringify({ ...head, ...stats })` of
 * the finished statistics, written in pieces of about 1,000 entries: 100,000 groups are never all made
 * at once, nor one string of 30 MB.
 */
export function writeStatsJson(head: Record<string, unknown>, s: StatsSummary, write: (chunk: string | Uint8Array) => void): void {
  const text = JSON.stringify({ ...head, ...s, groups: GROUPS, hosts: HOSTS });
  // the last ones: only addresses, numbers and fixed words follow them, never a file name or message
  const g = text.lastIndexOf(JSON.stringify(GROUPS));
  const h = text.lastIndexOf(JSON.stringify(HOSTS));
  write(text.slice(0, g));
  const f = newGroupFields();
  const groups = new GroupsJson(write);
  groups.byte(0x5b);
  for (let k = 0; k < s.groups.length; k++) {
    if (k > 0) groups.byte(COMMA);
    groups.group(s.groups.read(k, f));
  }
  groups.byte(0x5d);
  groups.flush();
  write(text.slice(g + JSON.stringify(GROUPS).length, h));
  writeList(s.hosts.length, (k) => JSON.stringify(s.hosts.at(k)), write);
  write(`${text.slice(h + JSON.stringify(HOSTS).length)}\n`);
}

/** A JSON array of `n` entries, the k-th `json(k)`, in pieces. */
function writeList(n: number, json: (k: number) => string, write: (chunk: string | Uint8Array) => void): void {
  let chunk = "[";
  for (let k = 0; k < n; k++) {
    chunk += (k === 0 ? "" : ",") + json(k);
    if (chunk.length >= 1 << 16) {
      write(chunk);
      chunk = "";
    }
  }
  write(`${chunk}]`);
}

