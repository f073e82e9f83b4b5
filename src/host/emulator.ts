/**
 * Many emulated hosts on one link: N {@link Host}s, each with its own IP and MAC, behind one NIC.
 * Still sans-IO: the driver feeds the frames it captures, asks for the next deadline, and sends what
 * {@link Emulator.drain} hands out.
 *
 * A frame one emulated host sends is heard by the others at the time it goes on the wire, so v1/v2 report
 * suppression between emulated hosts works as on a real LAN. An optional packets-per-second cap spreads
 * bursts (the frames keep their order; each leaves at the next free slot). ARP requests for emulated
 * addresses are answered.
 */
import { decodeFrame, ipv4ToNumber, isIPv4, numberToIPv4 } from "../wire/index.js";
import { arpReply, ArpOperation, parseArpFrame } from "./arp.js";
import { HostError, HostErrorCode } from "./errors.js";
import type { FilterMode } from "./filter.js";
import { Host, type HeardFrame } from "./host.js";
import type { HostOptions, HostProfile, IgmpVersion } from "./profile.js";
import { newGroupStats, newHostStats, type GroupStats, type HostStats } from "./stats.js";
import { deriveSeed } from "./rng.js";

/**
 * What the emulator holds in memory, at most (measured: about {@link HOST_BYTES} per host and
 * {@link MEMBERSHIP_BYTES} per socket membership, so about 2 GB at both limits). Beyond them it refuses
 * with a `limit-exceeded` error naming the limit, rather than run out of memory part way.
 */
export const MAX_HOSTS = 100_000;
export const MAX_MEMBERSHIPS = 1_000_000;
/** Measured bytes of heap per emulated host, and per socket membership (bench: node --expose-gc). */
export const HOST_BYTES = 2500;
export const MEMBERSHIP_BYTES = 1700;

/** The interface name every emulated host uses. */
export const EMULATED_IFACE = "eth0";

/** A locally administered unicast MAC derived from an IPv4 address: 02:00 + the four address bytes. */
export function macForIp(ip: string): string {
  const n = ipv4ToNumber(ip);
  const b = [0x02, 0x00, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return b.map((x) => x.toString(16).padStart(2, "0")).join(":");
}

/** One emulated host. */
export interface EmulatedHostConfig {
  ip: string;
  /** Default: {@link macForIp}. */
  mac?: string;
  /** Default: the emulator's version. */
  version?: IgmpVersion;
  /** A name for scenarios and statistics. Default: the IP. */
  name?: string;
  /**
   * A deaf host hears no IGMP at all: it sends its state-change reports but never answers a query (nor
   * suppresses), so routers and snooping switches must expire its memberships. For testing queriers.
   */
  deaf?: boolean;
}

export interface EmulatorOptions {
  /** Host list, or a count of hosts with consecutive addresses from `firstIp`. */
  hosts: number | EmulatedHostConfig[];
  firstIp?: string;
  /** Seed of the whole emulation; each host gets its own generator derived from it. Default 1. */
  seed?: number;
  /** IGMP version of hosts that do not say. Default 3. */
  version?: IgmpVersion;
  profile?: "rfc" | "linux" | HostProfile;
  mtu?: number;
  vlan?: number[];
  /** At most this many frames per second leave the emulator (0 or absent: no cap). */
  ppsLimit?: number;
  /** Answer ARP requests for emulated addresses. Default true. */
  answerArp?: boolean;
  /** Timer settings passed to every host (robustness, intervals). */
  hostOptions?: Pick<
    HostOptions,
    "robustness" | "queryIntervalMs" | "queryResponseIntervalMs" | "unsolicitedReportIntervalMs" | "oldUnsolicitedReportIntervalMs" | "responseMarginMs"
  >;
}

/** A frame the emulator sends. */
export interface EmulatorFrame {
  timeMs: number;
  /** Index of the host that sent it. */
  host: number;
  kind: "igmp" | "arp";
  /** An Ethernet frame (link type 1). */
  data: Uint8Array;
}

/** A socket operation of one host; sockets are named per host ("default" when not given). */
export type HostOp =
  | { op: "join" | "leave"; group: string; socket?: string }
  | { op: "joinSource" | "leaveSource" | "blockSource" | "unblockSource"; group: string; source: string; socket?: string }
  | { op: "setSourceFilter"; group: string; mode: FilterMode; sources: string[]; socket?: string }
  | { op: "closeSocket"; socket?: string }
  /** The host stops sending anything, without leaving (power loss, kill -9 of a process holding sockets). */
  | { op: "crash" };

/** Totals over hosts: the host counters without the per-answer delay list, groups as a JSON object. */
export type EmulatorTotals = Omit<HostStats, "responseDelays" | "groups">;

interface Pending {
  release: number;
  frame: EmulatorFrame;
  /** The group of a v1/v2 report, for delivery to the other hosts (as a value); null for other frames. */
  reportGroup: string | null;
}

/** A min-heap of (time, host) with lazy invalidation by per-host version numbers. */
class DeadlineHeap {
  private a: { at: number; i: number; v: number }[] = [];
  push(at: number, i: number, v: number): void {
    const a = this.a;
    a.push({ at, i, v });
    let k = a.length - 1;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!this.less(a[k]!, a[p]!)) break;
      [a[k], a[p]] = [a[p]!, a[k]!];
      k = p;
    }
  }
  peek(): { at: number; i: number; v: number } | undefined {
    return this.a[0];
  }
  pop(): void {
    const a = this.a;
    const last = a.pop()!;
    if (a.length === 0) return;
    a[0] = last;
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
      if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
      if (m === k) return;
      [a[k], a[m]] = [a[m]!, a[k]!];
      k = m;
    }
  }
  private less(x: { at: number; i: number }, y: { at: number; i: number }): boolean {
    return x.at < y.at || (x.at === y.at && x.i < y.i);
  }
}

/** N emulated hosts on one link. */
export class Emulator {
  readonly hosts: Host[] = [];
  readonly configs: Required<EmulatedHostConfig>[] = [];
  private readonly byIp = new Map<string, number>();
  private readonly byMac = new Map<string, number>();
  private readonly sockets: Map<string, number>[] = [];
  /** Hosts with reception state per group, for delivering v1/v2 reports. */
  private readonly members = new Map<string, Set<number>>();
  private readonly heap = new DeadlineHeap();
  private readonly versions: number[] = [];
  private readonly crashed: boolean[] = [];
  private queue: Pending[] = [];
  private queueHead = 0;
  private lastRelease = -Infinity;
  private readonly gapMs: number;
  private readonly answerArp: boolean;
  private out: EmulatorFrame[] = [];
  /** ARP requests answered. */
  arpReplies = 0;
  /** Socket memberships held by all hosts together (bounded by {@link MAX_MEMBERSHIPS}). */
  private memberships = 0;

  constructor(opts: EmulatorOptions) {
    const seed = opts.seed ?? 1;
    let list: EmulatedHostConfig[];
    const n = typeof opts.hosts === "number" ? opts.hosts : opts.hosts.length;
    if (n > MAX_HOSTS) throw new HostError(HostErrorCode.limitExceeded, `${n} hosts: at most ${MAX_HOSTS} (the emulator's limit, about ${HOST_BYTES} bytes of memory each)`);
    if (typeof opts.hosts === "number") {
      if (!Number.isInteger(opts.hosts) || opts.hosts < 1) throw new HostError(HostErrorCode.badArgument, `host count ${opts.hosts}`);
      const first = opts.firstIp ?? "198.18.0.10";
      if (!isIPv4(first)) throw new HostError(HostErrorCode.badAddress, `first IP ${first}`);
      const n0 = ipv4ToNumber(first);
      if (n0 + opts.hosts - 1 > 0xffffffff) throw new HostError(HostErrorCode.badArgument, `${opts.hosts} addresses from ${first} overflow`);
      list = Array.from({ length: opts.hosts }, (_, i) => ({ ip: numberToIPv4(n0 + i) }));
    } else list = opts.hosts;
    const pps = opts.ppsLimit ?? 0;
    if (!(pps >= 0) || !Number.isFinite(pps)) throw new HostError(HostErrorCode.badArgument, `packets per second ${pps}`);
    this.gapMs = pps > 0 ? 1000 / pps : 0;
    this.answerArp = opts.answerArp ?? true;
    list.forEach((c, i) => {
      const cfg: Required<EmulatedHostConfig> = {
        ip: c.ip,
        mac: (c.mac ?? (isIPv4(c.ip) ? macForIp(c.ip) : "")).toLowerCase(),
        version: c.version ?? opts.version ?? 3,
        name: c.name ?? c.ip,
        deaf: c.deaf ?? false,
      };
      if (this.byIp.has(cfg.ip)) throw new HostError(HostErrorCode.badArgument, `two emulated hosts with address ${cfg.ip}`);
      const iface = { name: EMULATED_IFACE, ip: cfg.ip, mac: cfg.mac, version: cfg.version, ...(opts.mtu !== undefined ? { mtu: opts.mtu } : {}), ...(opts.vlan ? { vlan: opts.vlan } : {}) };
      const host = new Host({ ...opts.hostOptions, interfaces: [iface], seed: deriveSeed(seed, i), ...(opts.profile !== undefined ? { profile: opts.profile } : {}) });
      this.hosts.push(host);
      this.configs.push(cfg);
      this.byIp.set(cfg.ip, i);
      this.byMac.set(cfg.mac, i);
      this.sockets.push(new Map());
      this.versions.push(0);
      this.crashed.push(false);
    });
  }

  /** Index of the host with this IP. */
  indexOf(ipOrName: string): number | undefined {
    const i = this.byIp.get(ipOrName);
    if (i !== undefined) return i;
    const k = this.configs.findIndex((c) => c.name === ipOrName);
    return k < 0 ? undefined : k;
  }

  /** Run a socket operation on host `i` at `now`. HostErrors propagate. */
  op(now: number, i: number, o: HostOp): void {
    this.runUntil(now);
    const h = this.host(i);
    if (this.memberships >= MAX_MEMBERSHIPS && (o.op === "join" || o.op === "joinSource" || o.op === "setSourceFilter")) {
      throw new HostError(
        HostErrorCode.limitExceeded,
        `${MAX_MEMBERSHIPS} memberships held: the emulator's limit (about ${MEMBERSHIP_BYTES} bytes of memory each)`,
      );
    }
    const before = h.membershipCount;
    try {
      this.op1(now, i, h, o);
    } finally {
      this.memberships += h.membershipCount - before;
    }
  }

  private op1(now: number, i: number, h: Host, o: HostOp): void {
    if (o.op === "crash") {
      this.crash(now, i);
      return;
    }
    if (this.crashed[i]) throw new HostError(HostErrorCode.badArgument, `host ${this.configs[i]!.name} has crashed`);
    const names = this.sockets[i]!;
    const name = o.socket ?? "default";
    let sock = names.get(name);
    const touched = o.op === "closeSocket" ? (sock === undefined ? [] : h.socketState(sock).map((m) => m.group)) : [o.group];
    try {
      if (o.op === "closeSocket") {
        if (sock === undefined) throw new HostError(HostErrorCode.noSuchSocket, `host ${this.configs[i]!.name} has no socket ${name}`);
        names.delete(name);
        h.closeSocket(now, sock);
        return;
      }
      if (sock === undefined) {
        sock = h.openSocket();
        names.set(name, sock);
      }
      switch (o.op) {
        case "join":
          h.join(now, sock, EMULATED_IFACE, o.group);
          break;
        case "leave":
          h.leave(now, sock, EMULATED_IFACE, o.group);
          break;
        case "joinSource":
          h.joinSource(now, sock, EMULATED_IFACE, o.group, o.source);
          break;
        case "leaveSource":
          h.leaveSource(now, sock, EMULATED_IFACE, o.group, o.source);
          break;
        case "blockSource":
          h.blockSource(now, sock, EMULATED_IFACE, o.group, o.source);
          break;
        case "unblockSource":
          h.unblockSource(now, sock, EMULATED_IFACE, o.group, o.source);
          break;
        case "setSourceFilter":
          h.setSourceFilter(now, sock, EMULATED_IFACE, o.group, o.mode, o.sources);
          break;
      }
    } finally {
      for (const g of touched) this.refreshMember(i, g);
      this.collect(i);
      this.runUntil(now);
    }
  }

  /** Close every socket of every host at `now`: each leaves its groups, as a kernel does when a process exits. */
  closeAll(now: number): void {
    for (let i = 0; i < this.hosts.length; i++) {
      if (this.crashed[i]) continue;
      for (const name of [...this.sockets[i]!.keys()]) this.op(now, i, { op: "closeSocket", socket: name });
    }
  }

  /**
   * Host `i` stops at `now` without a word: frames it has queued and everything it would send later are
   * dropped, it hears nothing more, and its memberships stay until routers time them out.
   */
  crash(now: number, i: number): void {
    this.runUntil(now);
    this.host(i);
    this.crashed[i] = true;
    this.versions[i]!++;
    this.hosts[i]!.drain();
    for (const set of this.members.values()) set.delete(i);
  }

  /** Whether host `i` has crashed. */
  isCrashed(i: number): boolean {
    return this.crashed[i] === true;
  }

  /** A frame captured on the link at `now`. */
  receive(now: number, frame: HeardFrame): void {
    this.runUntil(now);
    if (this.answerArp) {
      const arp = parseArpFrame(frame);
      if (arp !== null) {
        const i = arp.operation === ArpOperation.request ? this.byIp.get(arp.targetIp) : undefined;
        if (i !== undefined && !this.crashed[i] && !this.byMac.has(arp.senderMac)) {
          const c = this.configs[i]!;
          this.arpReplies++;
          this.enqueue(now, { timeMs: now, host: i, kind: "arp", data: arpReply(arp, c.ip, c.mac) }, null);
          this.runUntil(now);
        }
        return;
      }
    }
    const d = decodeFrame(frame);
    if (d.igmp === null && d.errors.length === 0) return;
    // Our own frames seen again by the capture were already delivered when sent.
    if (d.macSrc !== null && this.byMac.has(d.macSrc)) return;
    for (let i = 0; i < this.hosts.length; i++) {
      if (this.crashed[i] || this.configs[i]!.deaf) continue;
      this.hosts[i]!.receiveDecoded(now, EMULATED_IFACE, d);
      this.collect(i);
    }
    this.runUntil(now);
  }

  /** Run every timer and release every queued frame due at or before `now`. */
  advance(now: number): void {
    this.runUntil(now);
  }

  /** The earliest time something is due, or null. */
  nextDeadline(): number | null {
    const h = this.topHost();
    const q = this.queueHead < this.queue.length ? this.queue[this.queueHead]!.release : null;
    if (h === undefined) return q;
    return q === null ? h.at : Math.min(q, h.at);
  }

  /** Take the frames sent so far, in time order. */
  drain(): EmulatorFrame[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  /** Statistics per host and in total. */
  stats(): { hosts: { ip: string; name: string; stats: HostStats }[]; total: EmulatorTotals; groups: Map<string, GroupStats>; arpReplies: number } {
    const { responseDelays: _delays, groups: _groups, ...zero } = newHostStats();
    const total: EmulatorTotals = zero;
    const add = <T extends Record<string, number>>(a: T, b: T): void => {
      for (const k of Object.keys(a) as (keyof T)[]) (a[k] as number) += b[k] as number;
    };
    const groups = new Map<string, GroupStats>();
    for (const h of this.hosts) {
      const s = h.stats;
      for (const [group, g] of s.groups) {
        let t = groups.get(group);
        if (t === undefined) groups.set(group, (t = newGroupStats()));
        add(t.queriesHeard, g.queriesHeard);
        add(t.reportsSent, g.reportsSent);
        add(t.recordsSent, g.recordsSent);
        t.suppressions += g.suppressions;
        t.retransmissions += g.retransmissions;
      }
      add(total.queriesHeard, s.queriesHeard);
      add(total.reportsSent, s.reportsSent);
      add(total.recordsSent, s.recordsSent);
      total.suppressions += s.suppressions;
      total.retransmissions += s.retransmissions;
      total.badPackets += s.badPackets;
      total.ignored += s.ignored;
    }
    return { hosts: this.hosts.map((h, i) => ({ ip: this.configs[i]!.ip, name: this.configs[i]!.name, stats: h.stats })), total, groups, arpReplies: this.arpReplies };
  }

  host(i: number): Host {
    const h = this.hosts[i];
    if (h === undefined) throw new HostError(HostErrorCode.badArgument, `no emulated host ${i}`);
    return h;
  }

  // ---------------------------------------------------------------------------------------------

  private refreshMember(i: number, group: string): void {
    let set = this.members.get(group);
    if (this.hosts[i]!.hasGroup(EMULATED_IFACE, group)) {
      if (set === undefined) this.members.set(group, (set = new Set()));
      set.add(i);
    } else if (set !== undefined) {
      set.delete(i);
      if (set.size === 0) this.members.delete(group);
    }
  }

  private topHost(): { at: number; i: number } | undefined {
    for (;;) {
      const e = this.heap.peek();
      if (e === undefined) return undefined;
      if (e.v === this.versions[e.i]) return e;
      this.heap.pop();
    }
  }

  /** Take host i's frames into the send queue and refresh its deadline. */
  private collect(i: number): void {
    const h = this.hosts[i]!;
    if (this.crashed[i]) {
      h.drain();
      return;
    }
    for (const f of h.drain()) {
      const reportGroup = f.message.kind === "v1-report" || f.message.kind === "v2-report" ? f.message.group : null;
      this.enqueue(f.timeMs, { timeMs: f.timeMs, host: i, kind: "igmp", data: f.data }, reportGroup);
    }
    const v = ++this.versions[i]!;
    const d = h.nextDeadline();
    if (d !== null) this.heap.push(d, i, v);
  }

  private enqueue(t: number, frame: EmulatorFrame, reportGroup: string | null): void {
    const release = this.gapMs > 0 ? Math.max(t, this.lastRelease + this.gapMs) : t;
    this.lastRelease = release;
    frame.timeMs = release;
    this.queue.push({ release, frame, reportGroup });
  }

  private transmit(p: Pending): void {
    if (this.crashed[p.frame.host]) return;
    this.out.push(p.frame);
    const group = p.reportGroup;
    if (group === null) return;
    // Only a member can be suppressed: deliver to the group's members only (this is what makes 1000 hosts cheap).
    const members = this.members.get(group);
    if (members === undefined) return;
    for (const j of [...members].sort((a, b) => a - b)) {
      if (j === p.frame.host || this.configs[j]!.deaf) continue;
      this.hosts[j]!.hearReport(p.release, EMULATED_IFACE, group);
      this.collect(j);
    }
  }

  private runUntil(now: number): void {
    for (;;) {
      const h = this.topHost();
      const q = this.queueHead < this.queue.length ? this.queue[this.queueHead]! : undefined;
      if (q !== undefined && q.release <= now && (h === undefined || q.release <= h.at)) {
        this.queueHead++;
        if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.queueHead);
          this.queueHead = 0;
        }
        this.transmit(q);
        continue;
      }
      if (h !== undefined && h.at <= now) {
        this.heap.pop();
        this.hosts[h.i]!.advance(h.at);
        this.collect(h.i);
        continue;
      }
      return;
    }
  }
}
