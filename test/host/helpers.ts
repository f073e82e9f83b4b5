/** Helpers for the host tests: a virtual clock, frames to hear, and decoded summaries of what was sent. */
import { decodeFrame, encodeIgmpFrame, type DecodedFrame, type IgmpMessageInit } from "../../src/wire/index.js";
import { Host, type HostFrame, type HostOptions, type InterfaceConfig } from "../../src/host/index.js";

export const IFACE = "eth0";
export const HOST_IP = "198.18.0.10";
export const HOST_MAC = "02:00:c6:12:00:0a";
export const ROUTER_IP = "198.18.0.1";
export const ROUTER_MAC = "02:00:c6:12:00:01";

export function mkHost(o: Partial<HostOptions> & { version?: 1 | 2 | 3; mtu?: number } = {}): Host {
  const iface: InterfaceConfig = { name: IFACE, ip: HOST_IP, mac: HOST_MAC, version: o.version ?? 3 };
  if (o.mtu !== undefined) iface.mtu = o.mtu;
  const { version: _v, mtu: _m, ...rest } = o;
  return new Host({ interfaces: [iface], seed: 7, ...rest });
}

/** A frame carrying `message` from `src` (a router by default); types without a fixed destination go to all-systems. */
export function frameOf(message: IgmpMessageInit, src = ROUTER_IP, macSrc = ROUTER_MAC): { data: Uint8Array; linkType: number } {
  const dst = message.kind === "unknown" ? { dst: "224.0.0.1" } : {};
  return { data: encodeIgmpFrame({ message, src, macSrc, ...dst }), linkType: 1 };
}

/** Run the host's timers up to `t` by jumping from deadline to deadline. */
export function runTo(h: Host, t: number): void {
  for (;;) {
    const d = h.nextDeadline();
    if (d === null || d > t) break;
    h.advance(d);
  }
  h.advance(t);
}

/** Run until nothing is pending (bounded). Returns the time reached. */
export function runIdle(h: Host, from = 0, limit = 10_000_000): number {
  let t = from;
  for (;;) {
    const d = h.nextDeadline();
    if (d === null || d > limit) return t;
    t = Math.max(t, d);
    h.advance(t);
  }
}

export interface Sent {
  t: number;
  d: DecodedFrame;
}

/** Decode what the host sent, asserting nothing about it. */
export function decodeAll(frames: HostFrame[]): Sent[] {
  return frames.map((f) => ({ t: f.timeMs, d: decodeFrame({ data: f.data, linkType: 1 }) }));
}

/** A compact view: "TO_EX 239.1.1.1 []", "v2-report 239.1.1.1", "leave 239.1.1.1". */
export function summary(frames: HostFrame[]): string[] {
  const out: string[] = [];
  for (const { d } of decodeAll(frames)) {
    const m = d.igmp;
    if (m === null) {
      out.push("?");
      continue;
    }
    if (m.kind === "v3-report") {
      out.push(m.records.map((r) => `${r.kind} ${r.group} [${r.sources.join(",")}]`).join(" + "));
    } else if (m.kind === "v1-report" || m.kind === "v2-report" || m.kind === "leave") {
      out.push(`${m.kind} ${m.group}`);
    } else out.push(m.kind);
  }
  return out;
}

export const short: Record<string, string> = {
  MODE_IS_INCLUDE: "IS_IN",
  MODE_IS_EXCLUDE: "IS_EX",
  CHANGE_TO_INCLUDE_MODE: "TO_IN",
  CHANGE_TO_EXCLUDE_MODE: "TO_EX",
  ALLOW_NEW_SOURCES: "ALLOW",
  BLOCK_OLD_SOURCES: "BLOCK",
};

/** Like summary, with the RFC's short record names. */
export function brief(frames: HostFrame[]): string[] {
  return summary(frames).map((s) => s.replace(/[A-Z_]{8,}/g, (k) => short[k] ?? k));
}
