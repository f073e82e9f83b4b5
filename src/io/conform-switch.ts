/**
 * The conformance runner on a switch's ports (role switch): one libpcap capture per port the runner holds
 * (hosts' ports and the source's), each frame kept with the port it was seen on. Frames the runner sends on
 * a port are not taken back from that port's own capture; seen on another port, they are what the switch
 * forwarded.
 */
import { macForIp } from "../host/emulator.js";
import { decodeFrame, isIPv4 } from "../wire/index.js";
import { openLiveCapture, type LiveCaptureReader } from "../capture/live.js";
import type { CaptureWriter } from "../capture/file.js";
import type { ConformEnv, LanFrame, SwitchPorts } from "../conform/types.js";
import { LanClock } from "./lan-clock.js";
import { evidenceComment, openEvidence } from "./evidence.js";

/** Where the switch run works. */
export interface SwitchLanOptions {
  /** The runner's interfaces on the switch's host ports (at least two). */
  ports: string[];
  /** The runner's interface on the source's port. */
  sourcePort: string;
  netns?: string;
  /** The runner's address (the multicast source's; the hosts it plays take the following ones). */
  address: string;
  /** The switch's own address, when it has one (its queries are then judged as the DUT's). */
  dut?: string;
  evidence?: string;
}

function macOf(frame: Uint8Array): string {
  return Array.from(frame.subarray(6, 12), (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** The live LAN of a switch run. Open with {@link openSwitchLan}. */
export class SwitchLan implements ConformEnv {
  readonly self: { ip: string; mac: string };
  readonly dut: string | undefined;
  readonly canAct = false;
  readonly frames: LanFrame[] = [];
  readonly ports: SwitchPorts;
  private readonly clock = new LanClock();
  private caseId: string | null = null;
  /** Per port: the MACs the runner sent from there. */
  private readonly ours = new Map<string, Set<string>>();
  private readonly reading: Promise<void>[];
  private readonly timers = new Set<ReturnType<typeof setInterval>>();
  private closed = false;

  constructor(
    private readonly captures: Map<string, LiveCaptureReader>,
    private readonly writer: CaptureWriter | null,
    o: SwitchLanOptions,
  ) {
    this.self = { ip: o.address, mac: macForIp(o.address) };
    this.dut = o.dut;
    this.ports = { hosts: o.ports, source: o.sourcePort };
    for (const p of captures.keys()) this.ours.set(p, new Set());
    this.reading = [...captures].map(([port, c]) => this.read(port, c));
  }

  private async read(port: string, capture: LiveCaptureReader): Promise<void> {
    try {
      for await (const f of capture) {
        if (f.data.length >= 12 && this.ours.get(port)!.has(macOf(f.data))) continue;
        this.record(port, f.data, f.linkType, false, this.clock.fromWire(f.timestampNs, capture.timestamps !== "delivery"));
      }
    } catch {
      // The capture ended (interface gone): the cases see no more frames from it.
    }
  }

  now(): number {
    return this.clock.now();
  }

  setCase(id: string | null): void {
    this.caseId = id;
  }

  async sleep(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, Math.max(0, ms)));
  }

  /** Frames without a port go out on the first host port. */
  send(frame: Uint8Array): Promise<LanFrame> {
    return this.sendOn(this.ports.hosts[0]!, frame);
  }

  async sendOn(port: string, frame: Uint8Array): Promise<LanFrame> {
    const c = this.captures.get(port);
    if (c === undefined) throw new Error(`no capture on port ${port}`);
    this.ours.get(port)!.add(macOf(frame));
    const f = this.record(port, frame, 1, true, this.now());
    await c.send(frame);
    return f;
  }

  stream(port: string, make: (i: number) => Uint8Array, everyMs: number): () => void {
    let i = 0;
    const timer = setInterval(() => void this.sendOn(port, make(i++)).catch(() => undefined), everyMs);
    this.timers.add(timer);
    return () => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
  }

  async act(): Promise<void> {
    throw new Error("role switch has no DUT hook");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await new Promise((r) => setTimeout(r, 200));
    await Promise.all([...this.captures.values()].map((c) => c.stop()));
    await Promise.all(this.reading);
    this.writer?.close();
  }

  private record(port: string, data: Uint8Array, linkType: number, sent: boolean, timeMs: number): LanFrame {
    const number = this.frames.length + 1;
    const timestampNs = this.clock.toWire(timeMs);
    const f: LanFrame = { number, timeMs, sent, caseId: this.caseId, data, linkType, decoded: decodeFrame({ data, linkType, timestampNs }, number), port };
    this.frames.push(f);
    this.writer?.write({ data, linkType, wireLength: data.length, timestampNs, interfaceName: port, comment: evidenceComment({ caseId: this.caseId, sent }) });
    return f;
  }
}

/** Open a capture on every port (IGMP and UDP). Errors of libpcap are CaptureErrors. */
export async function openSwitchLan(o: SwitchLanOptions): Promise<SwitchLan> {
  if (!isIPv4(o.address)) throw new RangeError(`the runner's address ${o.address} is not an IPv4 address`);
  if (o.ports.length < 2) throw new RangeError("role switch needs at least two host ports (--port twice)");
  const captures = new Map<string, LiveCaptureReader>();
  try {
    for (const port of [...o.ports, o.sourcePort]) {
      if (captures.has(port)) throw new RangeError(`port ${port} given twice`);
      captures.set(port, await openLiveCapture(port, { filter: "igmp or udp", ...(o.netns !== undefined ? { netns: o.netns } : {}) }));
    }
  } catch (e) {
    await Promise.all([...captures.values()].map((c) => c.stop()));
    throw e;
  }
  const writer = o.evidence !== undefined ? openEvidence(o.evidence, 1, o.ports[0]) : null;
  return new SwitchLan(captures, writer, o);
}
