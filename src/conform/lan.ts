/**
 * What cases do on the LAN: send a query or a report crafted with the codec, and look for the DUT's
 * answers among the frames seen since a mark. Sans-IO: time passes only through `env.sleep`.
 */
import {
  emitEthernet,
  emitIPv4,
  encodeIgmpFrame,
  ethernetHeaderLength,
  ipv4HeaderLength,
  multicastMac,
  ipv4ToNumber,
  numberToIPv4,
  leave as leaveMessage,
  secondsToQqic,
  v1Report,
  v2Report,
  v3Report,
  type GroupRecordKind,
  type IgmpMessage,
  type IgmpMessageInit,
  type RecordInit,
} from "../wire/index.js";
import { macForIp } from "../host/emulator.js";
import { internetChecksum } from "../wire/checksum.js";
import type { OddQuery } from "../monitor/querier.js";
import type { CaseContext, ConformEnv, IgmpVersion, LanFrame } from "./types.js";

/**
 * A query a case sends, in the runner's unit (ms). {@link sendQuery} has igmpkit's querier build it, so a
 * conformance run queries exactly as `igmpkit querier` does (one way to build a query).
 */
export interface QueryInit {
  version: IgmpVersion;
  /** Group-specific when given. */
  group?: string;
  /** v3 only. */
  sources?: string[];
  /** Max Resp Time, ms. Default 10 000. */
  maxRespMs?: number;
  /** Raw Max Resp Code (overrides maxRespMs). */
  maxRespCode?: number;
  sFlag?: boolean;
  /** v3 QRV. Default 2. */
  qrv?: number;
  /** v3 QQI, seconds. Default 125. */
  qqi?: number;
  /** Damage on purpose: the querier's oddities (bad checksum, 9–11 bytes, a unicast destination, ...). */
  odd?: OddQuery;
}

/** How a crafted frame departs from the message's own: destination, IPv4 TTL and TOS, checksum, length. */
export interface FrameDamage {
  /** IP destination (default: the message's own). */
  dst?: string;
  /** MAC destination (default: mapped from the IP destination). */
  macDst?: string;
  /** IPv4 TTL (default 1). */
  ttl?: number;
  /** IPv4 TOS (default 0xc0, Internetwork Control). */
  tos?: number;
  badChecksum?: boolean;
  /** Cut or pad the IGMP message to this many bytes. */
  igmpLength?: number;
}

/** A whole Ethernet frame from `src` carrying `message`, damaged as asked. */
export function craftFrame(
  src: { ip: string; mac: string },
  message: IgmpMessageInit,
  o: FrameDamage = {},
): Uint8Array {
  const m = o.badChecksum ? { ...message, checksum: ((message as { checksum?: number }).checksum ?? 0) ^ 0x5a5a } : message;
  const frame = encodeIgmpFrame({
    message: m,
    src: src.ip,
    macSrc: src.mac,
    ...(o.dst !== undefined ? { dst: o.dst } : {}),
    ...(o.macDst !== undefined ? { macDst: o.macDst } : {}),
    ...(o.ttl !== undefined || o.tos !== undefined ? { ip: { ...(o.ttl !== undefined ? { ttl: o.ttl } : {}), ...(o.tos !== undefined ? { tos: o.tos } : {}) } } : {}),
    ...(o.badChecksum ? { igmp: { checksum: "keep" as const } } : {}),
  });
  if (o.igmpLength === undefined) return frame;
  return resizeIgmp(frame, o.igmpLength);
}

/**
 * Cut or zero-pad the IGMP message of an untagged Ethernet/IPv4 frame to `len` bytes, fixing the IPv4 total
 * length and header checksum and the IGMP checksum over the new length.
 */
export function resizeIgmp(frame: Uint8Array, len: number): Uint8Array {
  const ETH = 14;
  const ihl = (frame[ETH]! & 0x0f) * 4;
  const start = ETH + ihl;
  const out = new Uint8Array(Math.max(60, start + len));
  out.set(frame.subarray(0, Math.min(frame.length, start + len)));
  out.fill(0, Math.min(frame.length, start + len));
  const total = ihl + len;
  out[ETH + 2] = total >> 8;
  out[ETH + 3] = total & 255;
  out[ETH + 10] = 0;
  out[ETH + 11] = 0;
  const ipSum = internetChecksum(out, ETH, ETH + ihl);
  out[ETH + 10] = ipSum >> 8;
  out[ETH + 11] = ipSum & 255;
  out[start + 2] = 0;
  out[start + 3] = 0;
  const sum = internetChecksum(out, start, start + len);
  out[start + 2] = sum >> 8;
  out[start + 3] = sum & 255;
  return out.subarray(0, Math.max(60, start + len));
}

/**
 * Send a query as the runner: built by the run's {@link CaseContext.querier} (`Querier.query`, never
 * started, so it sends nothing on its own) and put on the LAN; returns the LAN frame it became.
 */
export async function sendQuery(t: CaseContext, q: QueryInit): Promise<LanFrame> {
  const sent = t.querier.query(t.env.now(), {
    version: q.version,
    maxRespTime: (q.maxRespMs ?? 10_000) / 1000,
    ...(q.group !== undefined ? { group: q.group } : {}),
    ...(q.sources !== undefined ? { sources: q.sources } : {}),
    ...(q.maxRespCode !== undefined ? { maxRespCode: q.maxRespCode } : {}),
    ...(q.sFlag !== undefined ? { sFlag: q.sFlag } : {}),
    ...(q.qrv !== undefined ? { qrv: q.qrv } : {}),
    ...(q.qqi !== undefined ? { qqic: secondsToQqic(q.qqi) } : {}),
    ...(q.odd !== undefined ? { odd: q.odd } : {}),
  });
  // The frame is the one returned; the querier's own queue and events would only grow.
  t.querier.drain();
  t.querier.drainEvents();
  return t.env.send(sent.data);
}

/** A membership report sent on behalf of a host the runner plays. */
export type ReportInit =
  | { version: 1 | 2; group: string }
  | { version: 3; records: RecordInit[] }
  | { leave: string };

/**
 * A member's report of `version` for `group`: v1/v2 reports; v3 a current-state record (IS_EX {}, or
 * IS_IN {sources}), or with `change` the state-change record of a join (TO_EX {}).
 */
export function joinReport(version: IgmpVersion, group: string, o: { sources?: string[]; change?: boolean } = {}): ReportInit {
  if (version !== 3) return { version, group };
  if (o.sources) return { version: 3, records: [{ type: "MODE_IS_INCLUDE", group, sources: o.sources }] };
  return { version: 3, records: [{ type: o.change ? "CHANGE_TO_EXCLUDE_MODE" : "MODE_IS_EXCLUDE", group }] };
}

/** A leave of `version`: a v2 Leave (v1 has none: a v2 Leave too), or v3 TO_IN {}. */
export function leaveReport(version: IgmpVersion, group: string): ReportInit {
  return version === 3 ? { version: 3, records: [{ type: "CHANGE_TO_INCLUDE_MODE", group }] } : { leave: group };
}

export function reportMessage(r: ReportInit): IgmpMessage {
  if ("leave" in r) return leaveMessage(r.leave);
  if (r.version === 3) return v3Report(r.records);
  return r.version === 1 ? v1Report(r.group) : v2Report(r.group);
}

/** Send a report (or leave) as `from`; returns its LAN frame. */
export async function sendReport(
  env: ConformEnv,
  from: { ip: string; mac: string },
  r: ReportInit,
  o: FrameDamage = {},
): Promise<LanFrame> {
  return env.send(craftFrame(from, reportMessage(r), o));
}

/** One group mention in a report from the DUT. */
export interface Mention {
  frame: LanFrame;
  version: IgmpVersion;
  /** "report" for v1/v2 reports, "leave" for v2 leaves, else the v3 record kind. */
  kind: "report" | "leave" | GroupRecordKind;
  sources: string[];
}

/** Frames not sent by the runner, from the DUT when its address is known, numbered above `since`. */
export function fromDut(env: ConformEnv, since: number): LanFrame[] {
  const out: LanFrame[] = [];
  for (let i = since; i < env.frames.length; i++) {
    const f = env.frames[i]!;
    if (f.sent) continue;
    if (env.dut !== undefined && f.decoded.ipSrc !== env.dut) continue;
    out.push(f);
  }
  return out;
}

/** Every report, leave or v3 record about `group` the DUT sent after frame number `since`. */
export function mentions(env: ConformEnv, since: number, group: string): Mention[] {
  const out: Mention[] = [];
  for (const f of fromDut(env, since)) {
    const m = f.decoded.igmp;
    if (m === null) continue;
    if ((m.kind === "v1-report" || m.kind === "v2-report") && m.group === group) out.push({ frame: f, version: m.version, kind: "report", sources: [] });
    else if (m.kind === "leave" && m.group === group) out.push({ frame: f, version: 2, kind: "leave", sources: [] });
    else if (m.kind === "v3-report") {
      for (const r of m.records) if (r.group === group) out.push({ frame: f, version: 3, kind: r.kind, sources: [...r.sources] });
    }
  }
  return out;
}

/** Queries the DUT sent after frame number `since` (role router). */
export function dutQueries(env: ConformEnv, since: number): { frame: LanFrame; q: Extract<IgmpMessage, { kind: "query" }> }[] {
  const out: { frame: LanFrame; q: Extract<IgmpMessage, { kind: "query" }> }[] = [];
  for (const f of fromDut(env, since)) if (f.decoded.igmp?.kind === "query") out.push({ frame: f, q: f.decoded.igmp });
  return out;
}

/**
 * Sleep in small steps until `done()` holds or `ms` have passed; returns whether it held. On the virtual
 * clock the steps cost nothing; live they let a case end as soon as the answer is in.
 */
export async function waitUntil(env: ConformEnv, ms: number, done: () => boolean, stepMs = 50): Promise<boolean> {
  const end = env.now() + ms;
  for (;;) {
    if (done()) return true;
    const left = end - env.now();
    if (left <= 0) return done();
    await env.sleep(Math.min(stepMs, left));
  }
}

/** The frame numbers of a list of mentions or frames. */
export function numbers(xs: readonly ({ frame: LanFrame } | LanFrame)[]): number[] {
  return xs.map((x) => ("decoded" in x ? x.number : x.frame.number));
}

/** Current-state and state-change record kinds that say "member" (anything but leaving/blocking). */
export function isMembership(kind: Mention["kind"]): boolean {
  return kind === "report" || kind === "MODE_IS_EXCLUDE" || kind === "MODE_IS_INCLUDE" || kind === "CHANGE_TO_EXCLUDE_MODE" || kind === "ALLOW_NEW_SOURCES";
}

/** Answers to a query: current-state records (v3) or reports (v1/v2), not state changes. */
export function isAnswer(kind: Mention["kind"]): boolean {
  return kind === "report" || kind === "MODE_IS_EXCLUDE" || kind === "MODE_IS_INCLUDE";
}

/**
 * Another host the runner plays on the LAN (for suppression and router cases): the address 100 + n after
 * the runner's own, skipping the DUT's.
 */
export function peer(t: CaseContext, n: number): { ip: string; mac: string } {
  const base = ipv4ToNumber(t.env.self.ip) + 100;
  const dut = t.env.dut !== undefined ? ipv4ToNumber(t.env.dut) : -1;
  let x = base + n;
  if (x >= dut && dut >= base) x++;
  const ip = numberToIPv4(x >>> 0);
  return { ip, mac: macForIp(ip) };
}

/** A multicast UDP datagram (port 5001, TTL 16, 26 bytes of payload carrying `seq`) from `src` to `group`. */
export function udpFrame(src: { ip: string; mac: string }, group: string, seq: number): Uint8Array {
  const eth = { src: src.mac, dst: multicastMac(group) };
  const eh = ethernetHeaderLength(eth);
  const payload = 26;
  const ip = { src: src.ip, dst: group, protocol: 17, ttl: 16, tos: 0, optionsRaw: "" };
  const out = new Uint8Array(Math.max(60, eh + ipv4HeaderLength(ip) + 8 + payload));
  emitEthernet(eth, out, 0);
  const h = emitIPv4(ip, 8 + payload, out, eh);
  const u = eh + h;
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint16(u, 5001);
  dv.setUint16(u + 2, 5001);
  dv.setUint16(u + 4, 8 + payload);
  dv.setUint16(u + 6, 0); // no UDP checksum (allowed over IPv4)
  dv.setUint32(u + 8, seq >>> 0);
  return out;
}

/** The sequence number of a datagram made by {@link udpFrame}, or null for another frame. */
export function udpSeq(f: LanFrame): number | null {
  const d = f.decoded;
  if (d.igmp !== null || d.ipDst === null || d.other !== "ipv4-proto-17") return null;
  const data = f.data;
  const ihl = (data[14]! & 15) * 4;
  const u = 14 + ihl;
  if (data.length < u + 12) return null;
  return ((data[u + 8]! << 24) | (data[u + 9]! << 16) | (data[u + 10]! << 8) | data[u + 11]!) >>> 0;
}
