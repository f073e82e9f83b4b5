/** Crafted frames for monitor and lint tests: wire builders → Ethernet bytes → the decoded JSON model. */
import { openCaptureWriter } from "../../src/capture/file.js";
import { decodeFrame, encodeIgmpFrame, formatTimestamp, type DecodedFrame, type IgmpFrameInit, type IgmpMessageInit } from "../../src/wire/index.js";

export interface At {
  /** Seconds on the capture clock. */
  t: number;
  message: IgmpMessageInit;
  src: string;
  dst?: string;
  ip?: IgmpFrameInit["ip"];
  igmp?: IgmpFrameInit["igmp"];
  /** 802.1Q/802.1ad tags, outer first. */
  vlan?: number[];
  /** Change the encoded Ethernet frame (to craft what no encoder writes); `ip` and `igmp` are the offsets. */
  patch?: (bytes: Uint8Array, at: { ip: number; igmp: number }) => void;
}

function macFor(ip: string): string {
  const o = ip.split(".").map(Number);
  return `02:00:${o.map((x) => x.toString(16).padStart(2, "0")).join(":")}`;
}

/** Ethernet bytes for one crafted message. */
export function frameBytes(a: At): Uint8Array {
  const init: IgmpFrameInit = { message: a.message, src: a.src, macSrc: macFor(a.src) };
  if (a.dst !== undefined) init.dst = a.dst;
  if (a.ip !== undefined) init.ip = a.ip;
  if (a.igmp !== undefined) init.igmp = a.igmp;
  if (a.vlan !== undefined) init.vlan = a.vlan;
  const bytes = encodeIgmpFrame(init);
  if (a.patch) {
    const ip = 14 + 4 * (a.vlan?.length ?? 0);
    a.patch(bytes, { ip, igmp: ip + (bytes[ip]! & 15) * 4 });
  }
  return bytes;
}

export function timestampNs(t: number): bigint {
  return BigInt(Math.round(t * 1e6)) * 1000n + 1_700_000_000n * 1_000_000_000n;
}

/** Decode a list of crafted messages, numbering frames from 1. Times are offset by a fixed epoch. */
export function frames(list: At[]): DecodedFrame[] {
  return list.map((a, i) => decodeFrame({ data: frameBytes(a), linkType: 1, timestampNs: timestampNs(a.t) }, i + 1));
}

/** Milliseconds on the same clock as {@link frames}. */
export function ms(t: number): number {
  return 1_700_000_000_000 + t * 1000;
}

/** The output time form ("seconds.nanoseconds", as decode prints `time`) of `t` seconds on the same clock. */
export function tx(t: number): string {
  return formatTimestamp(timestampNs(t));
}

/** Write crafted messages to a capture file (pcap, or pcapng for a .pcapng name) at their times; returns the path. */
export function writeCapture(path: string, list: At[]): string {
  const w = openCaptureWriter(path, { linkType: 1 });
  for (const a of list) {
    const data = frameBytes(a);
    w.write({ timestampNs: timestampNs(a.t), wireLength: data.length, data });
  }
  w.close();
  return path;
}
