/**
 * The capture agent: the small process that holds libpcap (through `cap`) for {@link openLiveCapture}, and
 * the protocol between it and the capturing process.
 *
 * The agent is {@link agentMain}, a typed function with no imports and no free variables: its compiled
 * text is run with `node -e` ({@link AGENT_SOURCE}), so it works the same from the ESM and CJS builds and
 * needs no file of its own. Control messages ({@link ToAgent}, {@link FromAgent}) travel over the IPC
 * channel; packets travel over the agent's stdout as records
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   captured length (u32 LE)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                length on the wire (u32 LE)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     flags (u32 LE; 1 = cut by the agent, 2 = delivery time)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        reserved (0)                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      seconds (u32 LE)                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    nanoseconds (u32 LE)                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    captured bytes ...                         |
 * ```
 *
 * The time is libpcap's own (`pcap_pkthdr.ts`, the kernel's receive time, at nanosecond precision)
 * with the patched `cap` (patches/cap+0.2.1.patch). With an unpatched `cap` it is the monotonic clock at
 * delivery (flag 2), which the capturing process anchors to wall time.
 *
 * What the agent does per packet is kept to the minimum, because at tens of thousands of frames a second
 * the ring libpcap reads from is the only buffer there is: each packet is appended to a 1 MiB slab (no
 * allocation, no per-packet write), and the records of one burst (everything libpcap had ready when the
 * agent woke) go out in a single pipe write once the burst is read. With `pauseMs` the agent then sleeps
 * that long before looking at the ring again, so that at high rates it wakes once per many packets instead
 * of once per packet; the kernel ring holds the packets meanwhile (unless the burst just read filled a
 * quarter of the ring: then it reads on at once).
 */

import type { Frame } from "../pcap/frame.js";

/** Bytes before each packet's data in the agent's stdout stream. */
export const AGENT_RECORD_HEADER = 24;

/** Offsets in an agent record. */
export const AgentRecord = Object.freeze({
  length: 0,
  wireLength: 4,
  flags: 8,
  seconds: 16,
  nanoseconds: 20,
  data: AGENT_RECORD_HEADER,
});

/** Flags of an agent record. */
export const AgentRecordFlag = Object.freeze({
  /** The packet was longer than the agent's buffer (only with an unpatched `cap`). */
  cut: 1,
  /** The time is the monotonic clock at delivery, not libpcap's. */
  deliveryTime: 2,
});

/**
 * Where frame times come from: libpcap's own at nanosecond or microsecond precision (the patched `cap`),
 * or the time the agent was handed the packet (an unpatched `cap`).
 */
export type TimestampSource = "libpcap-ns" | "libpcap-us" | "delivery";

/**
 * Parse the agent's records in `bytes` into frames (appended to `out`). A delivery-time record is
 * stamped with its monotonic time plus `anchorNs`. Returns the offset of the first byte not consumed:
 * the start of a record cut short by the pipe's chunking, to be read again with the bytes that follow it.
 */
export function readAgentRecords(bytes: Buffer, anchorNs: bigint, linkType: number, interfaceName: string, out: Frame[]): number {
  let off = 0;
  while (bytes.length - off >= AGENT_RECORD_HEADER) {
    const n = bytes.readUInt32LE(off + AgentRecord.length);
    const start = off + AgentRecord.data;
    if (bytes.length - start < n) break;
    // Copy: a view would pin the whole chunk for as long as any one frame of it is kept.
    const data = new Uint8Array(n);
    data.set(bytes.subarray(start, start + n));
    const flags = bytes.readUInt32LE(off + AgentRecord.flags);
    let t = BigInt(bytes.readUInt32LE(off + AgentRecord.seconds)) * 1_000_000_000n + BigInt(bytes.readUInt32LE(off + AgentRecord.nanoseconds));
    if (flags & AgentRecordFlag.deliveryTime) t += anchorNs;
    out.push({ timestampNs: t, wireLength: Math.max(n, bytes.readUInt32LE(off + AgentRecord.wireLength)), data, linkType, interfaceId: 0, interfaceName });
    off = start + n;
  }
  return off;
}

/** libpcap's counters (pcap_stats): what the kernel's socket saw and dropped since the capture opened. */
export interface PcapStats {
  /** `ps_recv`: packets that passed the filter (on Linux, including those then dropped). */
  received: number;
  /** `ps_drop`: packets the kernel dropped because the ring was full. */
  dropped: number;
  /** `ps_ifdrop`: packets the interface or its driver dropped (Linux: rx_dropped since open, all traffic). */
  ifDropped: number;
}

/** What the agent reports when it stops (the `stats` message), for diagnosis and the bench. */
export interface AgentStats {
  /** Packets libpcap handed to the agent. */
  packets: number;
  /** Wake-ups that found packets (poll callbacks of cap). */
  bursts: number;
  /** Largest number of packets read in one burst. */
  maxBurst: number;
  /** Pipe writes. */
  writes: number;
  /** Longest time in ms between the ends of two bursts (how long the ring had to hold packets alone). */
  maxGapMs: number;
  /** The nice value the agent runs at, or null when it was left alone (0 asked, or not permitted). */
  priority: number | null;
}

/** Capturing process → agent. */
export type ToAgent =
  | {
      type: "open";
      capPath: string;
      device: string;
      filter: string;
      bufferSize: number;
      /** null: the default, {@link defaultSnaplen} of the interface's MTU. */
      snaplen: number | null;
      promiscuous: boolean;
      gcStressMs: number;
      pauseMs: number;
      priority: number;
      statsEveryMs: number;
    }
  | { type: "send"; id: number; data: string }
  | { type: "stop" };

/** Agent → capturing process. */
export type FromAgent =
  | { type: "ready"; linkType: string; snaplen: number; promiscuous: boolean; timestamps: TimestampSource; ringSlots: number }
  | { type: "error"; phase: "load" | "open"; message: string }
  | { type: "sent"; id: number; error?: string }
  | { type: "pcap-stats"; pcap: PcapStats | null }
  | { type: "stats"; stats: AgentStats; pcap: PcapStats | null };

/**
 * Packet slots in libpcap's ring of `bufferSize` bytes for `snaplen` in immediate mode (Linux,
 * TPACKET_V2: one fixed-size frame per packet, the snaplen plus 70 bytes of headers rounded to 16, frames
 * packed into page-sized blocks, or the smallest power-of-two multiple of a page that holds one; `ss -0
 * -e` shows frm_nr). Self-contained: the agent runs its text too.
 */
export function ringSlots(bufferSize: number, snaplen: number): number {
  const frame = Math.ceil((snaplen + 70) / 16) * 16;
  let block = 4096;
  while (block < frame) block *= 2;
  const perBlock = Math.floor(block / frame);
  return Math.floor(Math.ceil(bufferSize / frame) / perBlock) * perBlock;
}

/**
 * The snaplen for an interface of this MTU: the largest IGMP frame it can carry (the IP packet, an
 * Ethernet header and two VLAN tags), so every message is whole and ring slots stay small. Self-contained.
 */
export function defaultSnaplen(mtu: number): number {
  return Math.min(65535, Math.max(mtu, 1500) + 22);
}

/** What {@link agentMain} is given instead of imports. */
interface AgentEnv {
  ringSlots: typeof ringSlots;
  defaultSnaplen: typeof defaultSnaplen;
}

/** The `cap` API the agent uses: the package's, plus what patches/cap+0.2.1.patch adds (may be absent). */
interface AgentCap {
  open(device: string, filter: string, bufferSize: number, buffer: Buffer, options?: { snaplen: number; promisc: boolean; nanoseconds: boolean }): string;
  close(): void;
  send(b: Buffer): void;
  on(ev: "packet", fn: (n: number, truncated: boolean, wireLength?: number, sec?: number, frac?: number) => void): void;
  stats?: () => { received: number; dropped: number; ifdropped: number };
  timestampPrecision?: () => "nano" | "micro";
  __igmpkitBuffer?: Buffer;
}

/**
 * The agent's program. Runs in its own process: everything it uses comes in as an argument (no imports,
 * no variables from this module), because its compiled text is what runs.
 */
export function agentMain(require: NodeJS.Require, process: NodeJS.Process, env: AgentEnv): void {
  const fs = require("fs") as typeof import("fs");
  let cap: AgentCap | undefined;
  const keep: unknown[] = [];
  let stopping = false;
  const stats: AgentStats = { packets: 0, bursts: 0, maxBurst: 0, writes: 0, maxGapMs: 0, priority: null };
  const tell = (m: FromAgent, then?: () => void): void => {
    process.send!(m, undefined, undefined, then);
  };
  const pcapStats = (): PcapStats | null => {
    if (!cap || typeof cap.stats !== "function") return null;
    try {
      const s = cap.stats();
      return { received: s.received, dropped: s.dropped, ifDropped: s.ifdropped };
    } catch {
      return null;
    }
  };
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => {});
  process.on("SIGHUP", () => {});
  process.on("disconnect", () => process.exit(0));
  process.on("message", (m: ToAgent) => {
    if (m.type === "open") return open(m);
    if (m.type === "send") {
      try {
        cap!.send(Buffer.from(m.data, "base64"));
        tell({ type: "sent", id: m.id });
      } catch (e) {
        tell({ type: "sent", id: m.id, error: String((e as Error)?.message ?? e) });
      }
      return;
    }
    if (m.type === "stop") {
      stopping = true;
      // One more turn of the loop first: packets libpcap has ready now are read before the close.
      setImmediate(() => {
        const pcap = pcapStats();
        try {
          cap?.close();
        } catch {
          // closing twice or after an error: nothing to do
        }
        flush();
        tell({ type: "stats", stats, pcap }, () => process.stdout.end(() => process.exit(0)));
      });
    }
  });

  // Records go into a slab; each flush writes the slab's unwritten part (the stream keeps that view
  // until written, and nothing writes there again); a full slab is left to the stream and a new one taken.
  const SLAB = 1 << 20;
  const HEADER = 24;
  let slab = Buffer.allocUnsafeSlow(SLAB);
  let start = 0;
  let used = 0;
  let burst = 0;
  let scheduled = false;
  let pauseMs = 0;
  let pauseBelow = 0;
  let lastEnd = 0;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  function flush(): void {
    if (used > start) {
      process.stdout.write(slab.subarray(start, used));
      start = used;
      stats.writes++;
    }
  }
  function afterBurst(): void {
    scheduled = false;
    stats.bursts++;
    if (burst > stats.maxBurst) stats.maxBurst = burst;
    const n = burst;
    burst = 0;
    flush();
    const now = performance.now();
    if (lastEnd > 0 && now - lastEnd > stats.maxGapMs) stats.maxGapMs = Math.round((now - lastEnd) * 1000) / 1000;
    lastEnd = now;
    // Let the ring fill for a moment: one wake-up per many packets, not one per packet. Not after a
    // burst that filled a quarter of the ring: the agent is behind (it was not running), catch up first.
    if (pauseMs > 0 && n < pauseBelow && !stopping) Atomics.wait(nap, 0, 0, pauseMs);
  }
  /** The largest MTU of the device, or of every non-loopback device for `any`; 0 when unknown. */
  function mtuOf(device: string): number {
    const read = (d: string): number => {
      try {
        return Number(fs.readFileSync(`/sys/class/net/${d}/mtu`, "utf8")) || 0;
      } catch {
        return 0;
      }
    };
    if (device !== "any") return read(device);
    let max = 0;
    try {
      for (const d of fs.readdirSync("/sys/class/net")) {
        if (fs.readFileSync(`/sys/class/net/${d}/type`, "utf8").trim() === "772") continue; // ARPHRD_LOOPBACK
        max = Math.max(max, read(d));
      }
    } catch {
      // no sysfs: the default below
    }
    return max;
  }
  function open(m: Extract<ToAgent, { type: "open" }>): void {
    let mod: { Cap: new () => AgentCap };
    try {
      mod = require(m.capPath) as typeof mod;
    } catch (e) {
      tell({ type: "error", phase: "load", message: String((e as Error)?.message ?? e) });
      return;
    }
    const c = new mod.Cap();
    const patched = typeof c.stats === "function";
    // The unpatched cap fixes snaplen 65535 and promiscuous mode.
    const snaplen = patched ? (m.snaplen ?? env.defaultSnaplen(mtuOf(m.device))) : 65535;
    const buffer = Buffer.alloc(snaplen);
    // cap's native side keeps a raw pointer to this buffer and no reference: hold it on the instance (kept
    // alive by the native side while open) and in 'keep' (for the agent's life).
    c.__igmpkitBuffer = buffer;
    keep.push(buffer, c);
    let linkType: string;
    try {
      linkType = c.open(m.device, m.filter, m.bufferSize, buffer, { snaplen, promisc: m.promiscuous, nanoseconds: true });
    } catch (e) {
      tell({ type: "error", phase: "open", message: String((e as Error)?.message ?? e) }, () => process.exit(3));
      return;
    }
    cap = c;
    const nano = patched && c.timestampPrecision!() === "nano";
    const timestamps: TimestampSource = !patched ? "delivery" : nano ? "libpcap-ns" : "libpcap-us";
    const slots = env.ringSlots(m.bufferSize, snaplen);
    pauseMs = m.pauseMs || 0;
    pauseBelow = Math.max(16, Math.floor(slots / 4));
    if (m.priority) {
      try {
        (require("os") as typeof import("os")).setPriority(0, m.priority);
        stats.priority = m.priority;
      } catch {
        // not permitted: left at the default priority (stats.priority says so)
      }
    }
    const fracScale = nano ? 1 : 1000;
    c.on("packet", (n, trunc, wireLength, sec, frac) => {
      const need = HEADER + n;
      if (used + need > slab.length) {
        flush();
        slab = Buffer.allocUnsafeSlow(Math.max(SLAB, need));
        start = used = 0;
      }
      slab.writeUInt32LE(n, used);
      slab.writeUInt32LE(wireLength ?? n, used + 4);
      slab.writeUInt32LE(0, used + 12);
      if (sec !== undefined) {
        slab.writeUInt32LE(trunc ? 1 : 0, used + 8);
        slab.writeUInt32LE(sec, used + 16);
        slab.writeUInt32LE(frac! * fracScale, used + 20);
      } else {
        const [s, ns] = process.hrtime();
        slab.writeUInt32LE((trunc ? 1 : 0) | 2, used + 8);
        slab.writeUInt32LE(s, used + 16);
        slab.writeUInt32LE(ns, used + 20);
      }
      buffer.copy(slab, used + HEADER, 0, n);
      used += need;
      stats.packets++;
      burst++;
      if (!scheduled) {
        scheduled = true;
        setImmediate(afterBurst);
      }
    });
    const g = (globalThis as { gc?: () => void }).gc;
    if (m.gcStressMs && g) setInterval(() => g(), m.gcStressMs).unref();
    if (patched && m.statsEveryMs > 0) setInterval(() => tell({ type: "pcap-stats", pcap: pcapStats() }), m.statsEveryMs).unref();
    tell({ type: "ready", linkType, snaplen, promiscuous: patched ? m.promiscuous : true, timestamps, ringSlots: slots });
  }
}

/** The agent's program as `node -e` runs it (CommonJS, so `require` is there). */
export const AGENT_SOURCE = `"use strict";\n(${agentMain.toString()})(require, process, { ringSlots: ${ringSlots.toString()}, defaultSnaplen: ${defaultSnaplen.toString()} });\n`;
