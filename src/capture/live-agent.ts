/**
 * The capture agent: the small process that holds libpcap (through `cap`) for {@link openLiveCapture}.
 * Its source is a CommonJS string run with `node -e`, so it works the same from the ESM and CJS builds.
 *
 * Control messages travel over the IPC channel; packets travel over the agent's stdout as records
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   captured length (u32 LE)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 flags (u32 LE; 1 = truncated)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              monotonic time in ns (u64 LE), 8 bytes           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    captured bytes ...                         |
 * ```
 *
 * What the agent does per packet is kept to the minimum, because at tens of thousands of frames a second
 * the ring libpcap reads from is the only buffer there is (see {@link LiveCaptureOptions.bufferSize}):
 * each packet is appended to a 1 MiB slab (no allocation, no per-packet write), and the records of one
 * burst (everything libpcap had ready when the agent woke) go out in a single pipe write once the burst
 * is read. With `pauseMs` the agent then sleeps that long before looking at the ring again, so that at
 * high rates it wakes once per many packets instead of once per packet; the kernel ring holds the
 * packets meanwhile (unless the burst just read filled a quarter of the ring: then it reads on at once).
 */

import type { Frame } from "../pcap/frame.js";

/** Bytes before each packet's data in the agent's stdout stream. */
export const AGENT_RECORD_HEADER = 16;

/** Offsets in an agent record. */
export const AgentRecord = Object.freeze({
  length: 0,
  flags: 4,
  monotonicNs: 8,
  data: AGENT_RECORD_HEADER,
});

/**
 * Parse the agent's records in `bytes` into frames (appended to `out`), stamping each with its
 * monotonic time plus `anchorNs`. Returns the offset of the first byte not consumed: the start of a
 * record cut short by the pipe's chunking, to be read again with the bytes that follow it.
 */
export function readAgentRecords(
  bytes: Buffer,
  anchorNs: bigint,
  linkType: number,
  interfaceName: string,
  out: Frame[],
): number {
  let off = 0;
  while (bytes.length - off >= AGENT_RECORD_HEADER) {
    const n = bytes.readUInt32LE(off + AgentRecord.length);
    const start = off + AgentRecord.data;
    if (bytes.length - start < n) break;
    // Copy: a view would pin the whole chunk for as long as any one frame of it is kept.
    const data = new Uint8Array(n);
    data.set(bytes.subarray(start, start + n));
    out.push({ timestampNs: bytes.readBigUInt64LE(off + AgentRecord.monotonicNs) + anchorNs, wireLength: n, data, linkType, interfaceId: 0, interfaceName });
    off = start + n;
  }
  return off;
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

export const AGENT_SOURCE = String.raw`
"use strict";
let cap, keep = [], stopping = false;
process.on("SIGINT", () => {}); process.on("SIGTERM", () => {}); process.on("SIGHUP", () => {});
process.on("disconnect", () => process.exit(0));
const stats = { packets: 0, bursts: 0, maxBurst: 0, writes: 0, maxGapMs: 0, priority: null };
process.on("message", (m) => {
  if (m.type === "open") return open(m);
  if (m.type === "send") {
    try { cap.send(Buffer.from(m.data, "base64")); process.send({ type: "sent", id: m.id }); }
    catch (e) { process.send({ type: "sent", id: m.id, error: String(e && e.message || e) }); }
    return;
  }
  if (m.type === "stop") {
    stopping = true;
    // One more turn of the loop first: packets libpcap has ready now are read before the close.
    setImmediate(() => {
      try { if (cap) cap.close(); } catch {}
      flush();
      process.send({ type: "stats", stats }, () => process.stdout.end(() => process.exit(0)));
    });
  }
});
// Records go into a slab; each flush writes the slab's unwritten part (the stream keeps that view
// until written, and nothing writes there again); a full slab is left to the stream and a new one taken.
const SLAB = 1 << 20;
let slab = Buffer.allocUnsafeSlow(SLAB), start = 0, used = 0, burst = 0, scheduled = false, pauseMs = 0, pauseBelow = 0, lastEnd = 0;
const nap = new Int32Array(new SharedArrayBuffer(4));
function flush() {
  if (used > start) { process.stdout.write(slab.subarray(start, used)); start = used; stats.writes++; }
}
function afterBurst() {
  scheduled = false;
  stats.bursts++; if (burst > stats.maxBurst) stats.maxBurst = burst;
  const n = burst; burst = 0;
  flush();
  const now = performance.now();
  if (lastEnd > 0 && now - lastEnd > stats.maxGapMs) stats.maxGapMs = Math.round((now - lastEnd) * 1000) / 1000;
  lastEnd = now;
  // Let the ring fill for a moment: one wake-up per many packets, not one per packet. Not after a
  // burst that filled a quarter of the ring: the agent is behind (it was not running), catch up first.
  if (pauseMs > 0 && n < pauseBelow && !stopping) Atomics.wait(nap, 0, 0, pauseMs);
}
function open(m) {
  let mod;
  try { mod = require(m.capPath); } catch (e) { process.send({ type: "error", phase: "load", message: String(e && e.message || e) }); return; }
  const buffer = Buffer.alloc(m.snaplen);
  const c = new mod.Cap();
  // cap's native side keeps a raw pointer to this buffer and no reference: hold it on the instance (kept
  // alive by the native side while open) and in 'keep' (for the agent's life).
  c.__igmpkitBuffer = buffer; keep.push(buffer, c);
  let linkType;
  try { linkType = c.open(m.device, m.filter, m.bufferSize, buffer); }
  catch (e) { process.send({ type: "error", phase: "open", message: String(e && e.message || e) }, () => process.exit(3)); return; }
  cap = c;
  pauseMs = m.pauseMs || 0;
  pauseBelow = Math.max(16, Math.floor(m.ringSlots / 4));
  if (m.priority) { try { require("os").setPriority(0, m.priority); stats.priority = m.priority; } catch {} }
  c.on("packet", (n, trunc) => {
    const need = 16 + n;
    if (used + need > slab.length) { flush(); slab = Buffer.allocUnsafeSlow(Math.max(SLAB, need)); start = used = 0; }
    slab.writeUInt32LE(n, used); slab.writeUInt32LE(trunc ? 1 : 0, used + 4);
    slab.writeBigUInt64LE(process.hrtime.bigint(), used + 8);
    buffer.copy(slab, used + 16, 0, n);
    used += need;
    stats.packets++; burst++;
    if (!scheduled) { scheduled = true; setImmediate(afterBurst); }
  });
  if (m.gcStressMs && global.gc) setInterval(() => global.gc(), m.gcStressMs).unref();
  process.send({ type: "ready", linkType });
}
`;
