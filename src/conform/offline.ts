/**
 * A virtual LAN for the conformance runner: the DUT is an emulated host (src/host) on a virtual clock,
 * optionally with a fault, so the cases themselves are tested fast and deterministically, and a user can
 * see what a faulty host fails.
 */
import { Emulator, macForIp } from "../host/index.js";
import { Querier, type OddQuery, type QuerierOptions } from "../monitor/querier.js";
import { decodeFrame } from "../wire/index.js";
import { craftFrame } from "./lan.js";
import { hostOpsFor } from "./hook.js";
import type { ConformEnv, DutAction, IgmpVersion, LanFrame } from "./types.js";

/** Faults an emulated DUT host can have on purpose. */
export const HOST_FAULTS = ["deaf", "late", "no-leave", "wrong-address"] as const;
export type HostFault = (typeof HOST_FAULTS)[number];

export interface EmulatedHostDutOptions {
  /** The DUT's address. Default 198.18.0.2. */
  dut?: string;
  /** The runner's address. Default 198.18.0.1. */
  self?: string;
  version?: IgmpVersion;
  profile?: "rfc" | "linux";
  seed?: number;
  /** v3 and v1/v2 unsolicited report intervals of the DUT, ms. */
  unsolicitedMs?: number;
  /**
   * - `deaf`: hears no IGMP (never answers a query);
   * - `late`: every frame it sends leaves `lateMs` late (answers after Max Resp Time);
   * - `no-leave`: never sends a leave, TO_IN or BLOCK;
   * - `wrong-address`: sends its reports and leaves to 224.0.0.1.
   */
  fault?: HostFault;
  /** Delay of the `late` fault. Default 3000 ms. */
  lateMs?: number;
}

const ETHERNET = 1;

/**
 * What both virtual LANs share: the frames, the virtual clock and the case being run. A subclass says when
 * its DUT next wants to run, runs it to the clock, and lets it hear a frame.
 */
abstract class VirtualLan implements ConformEnv {
  abstract readonly self: { ip: string; mac: string };
  abstract readonly dut: string;
  abstract readonly canAct: boolean;
  readonly frames: LanFrame[] = [];
  protected t = 0;
  protected caseId: string | null = null;

  /** When the DUT next wants to run (ms), null when it waits for nothing. */
  protected abstract nextDue(): number | null;
  /** Run the DUT up to the clock and take what it sent. */
  protected abstract step(): void;
  /** The DUT hears `frame` at the clock's time, and what it sends at once is taken. */
  protected abstract hear(frame: Uint8Array): void;
  abstract act(a: DutAction): Promise<void>;

  now(): number {
    return this.t;
  }

  setCase(id: string | null): void {
    this.caseId = id;
  }

  async sleep(ms: number): Promise<void> {
    const end = this.t + Math.max(0, ms);
    for (;;) {
      const next = this.nextDue();
      if (next === null || next > end) break;
      this.t = Math.max(this.t, next);
      this.step();
    }
    this.t = end;
    this.step();
  }

  async send(frame: Uint8Array): Promise<LanFrame> {
    const f = this.record(frame, true);
    this.hear(frame);
    return f;
  }

  async close(): Promise<void> {}

  protected record(data: Uint8Array, sent: boolean, at = this.t): LanFrame {
    return recordFrame(this.frames, data, sent, at, this.caseId);
  }
}

/** The conformance environment with an emulated host as DUT. */
export class EmulatedHostLan extends VirtualLan {
  readonly self: { ip: string; mac: string };
  readonly dut: string;
  readonly canAct = true;
  private readonly emulator: Emulator;
  private readonly fault: HostFault | undefined;
  private readonly lateMs: number;
  /** Frames of the DUT held back by the `late` fault: release time and bytes. */
  private held: { at: number; data: Uint8Array }[] = [];

  constructor(o: EmulatedHostDutOptions = {}) {
    super();
    const self = o.self ?? "198.18.0.1";
    this.self = { ip: self, mac: macForIp(self) };
    this.dut = o.dut ?? "198.18.0.2";
    this.fault = o.fault;
    this.lateMs = o.lateMs ?? 3000;
    const version = o.version ?? 3;
    this.emulator = new Emulator({
      hosts: [{ ip: this.dut, version, deaf: o.fault === "deaf" }],
      seed: o.seed ?? 1,
      version,
      ...(o.profile !== undefined ? { profile: o.profile } : {}),
      ...(o.unsolicitedMs !== undefined ? { hostOptions: { unsolicitedReportIntervalMs: o.unsolicitedMs, oldUnsolicitedReportIntervalMs: o.unsolicitedMs } } : {}),
    });
  }

  protected step(): void {
    this.emulator.advance(this.t);
    this.collect();
    this.release();
  }

  protected hear(frame: Uint8Array): void {
    this.emulator.receive(this.t, { data: frame, linkType: ETHERNET });
    this.collect();
    this.release();
  }

  async act(a: DutAction): Promise<void> {
    // The sockets a hook gives a host (scripts/igmp-host.py, `igmpkit host --control stdin`).
    for (const op of hostOpsFor(a)) this.emulator.op(this.t, 0, op);
    this.collect();
    this.release();
  }

  protected nextDue(): number | null {
    const e = this.emulator.nextDeadline();
    const h = this.held.length > 0 ? this.held[0]!.at : null;
    if (e === null) return h;
    return h === null ? e : Math.min(e, h);
  }

  /** Take what the emulated DUT sent, through its fault. */
  private collect(): void {
    for (const f of this.emulator.drain()) {
      if (f.kind !== "igmp") continue;
      const data = this.applyFault(f.data);
      if (data === null) continue;
      if (this.fault === "late") this.held.push({ at: f.timeMs + this.lateMs, data });
      else this.record(data, false, f.timeMs);
    }
  }

  private release(): void {
    while (this.held.length > 0 && this.held[0]!.at <= this.t) this.record(this.held.shift()!.data, false, this.t);
  }

  private applyFault(data: Uint8Array): Uint8Array | null {
    if (this.fault !== "no-leave" && this.fault !== "wrong-address") return data;
    const d = decodeFrame({ data, linkType: ETHERNET });
    const m = d.igmp;
    if (m === null) return data;
    if (this.fault === "no-leave") {
      if (m.kind === "leave") return null;
      if (m.kind === "v3-report") {
        const records = m.records.filter((r) => r.kind !== "CHANGE_TO_INCLUDE_MODE" && r.kind !== "BLOCK_OLD_SOURCES");
        if (records.length === 0) return null;
        if (records.length !== m.records.length) return craftFrame({ ip: this.dut, mac: macForIp(this.dut) }, { ...m, records });
      }
      return data;
    }
    if (m.kind === "v1-report" || m.kind === "v2-report" || m.kind === "leave" || m.kind === "v3-report") {
      return craftFrame({ ip: this.dut, mac: macForIp(this.dut) }, m, { dst: "224.0.0.1" });
    }
    return data;
  }
}

/** Faults igmpkit's querier can have on purpose as the DUT of role router, each made of odd queries. */
export const ROUTER_FAULTS = ["bad-checksum", "bad-ttl", "bad-length", "zero-max-resp", "unicast", "general-sources", "wrong-qqi"] as const;
export type RouterFault = (typeof ROUTER_FAULTS)[number];

/**
 * The odd queries of a router fault: every query with a wrong checksum, TTL 2, 10 bytes, Max Resp Code 0,
 * sent to `runner`'s unicast address, (general queries) with a source, or advertising QQI 60 s.
 */
export function routerFaultOdd(fault: RouterFault, runner: { ip: string; mac: string }): OddQuery {
  switch (fault) {
    case "bad-checksum":
      return { badChecksum: true };
    case "bad-ttl":
      return { ttl: 2 };
    case "bad-length":
      return { length: 10 };
    case "zero-max-resp":
      return { maxRespCode: 0 };
    case "unicast":
      return { unicast: runner };
    case "general-sources":
      return { generalSources: ["198.18.200.9"] };
    case "wrong-qqi":
      return { qqic: 60 };
  }
}

/** Options of {@link EmulatedRouterLan}. */
export interface EmulatedRouterDutOptions {
  /** The DUT's address. Default 198.18.0.10 (above the runner's, so the runner can win an election). */
  dut?: string;
  /** The runner's address. Default 198.18.0.1. */
  self?: string;
  /** The querier's settings (address and MAC are the DUT's). */
  querier?: Omit<QuerierOptions, "address" | "mac">;
  /** A faulty querier: its queries odd in one way (see {@link routerFaultOdd}). */
  fault?: RouterFault;
}

/**
 * The conformance environment with igmpkit's own querier as the DUT of role router, on a virtual clock:
 * the router cases are tested fast and deterministically, and the querier is judged by them.
 */
export class EmulatedRouterLan extends VirtualLan {
  readonly self: { ip: string; mac: string };
  readonly dut: string;
  readonly canAct = false;
  readonly querier: Querier;

  constructor(o: EmulatedRouterDutOptions = {}) {
    super();
    const self = o.self ?? "198.18.0.1";
    this.self = { ip: self, mac: macForIp(self) };
    this.dut = o.dut ?? "198.18.0.10";
    const odd = o.fault !== undefined ? { ...o.querier?.odd, ...routerFaultOdd(o.fault, this.self) } : o.querier?.odd;
    this.querier = new Querier({ ...o.querier, ...(odd !== undefined ? { odd } : {}), address: this.dut, mac: macForIp(this.dut) });
    this.querier.start(0);
    this.collect();
  }

  protected nextDue(): number | null {
    return this.querier.nextDeadline();
  }

  protected step(): void {
    this.querier.advance(this.t);
    this.collect();
  }

  protected hear(frame: Uint8Array): void {
    this.querier.receive(this.t, { data: frame, linkType: ETHERNET });
    this.collect();
  }

  async act(): Promise<void> {
    throw new Error("role router has no DUT hook");
  }

  private collect(): void {
    for (const f of this.querier.drain()) this.record(f.data, false, f.timeMs);
  }
}

/** Append a frame of the virtual LAN to `into`, decoded and numbered. */
function recordFrame(into: LanFrame[], data: Uint8Array, sent: boolean, at: number, caseId: string | null): LanFrame {
  const number = into.length + 1;
  const f: LanFrame = { number, timeMs: at, sent, caseId, data, linkType: ETHERNET, decoded: decodeFrame({ data, linkType: ETHERNET, timestampNs: BigInt(Math.round(at * 1e6)) }, number) };
  into.push(f);
  return f;
}
