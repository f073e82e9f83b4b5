/**
 * Live capture on a network interface through libpcap, by way of the npm `cap` package.
 *
 * `cap` is loaded lazily (it is an optional native dependency) and only in a small agent process: the
 * agent opens the device, copies every packet into a pipe, and the caller's process turns the pipe into
 * {@link Frame}s, the same type the file readers yield. The agent exists because of `cap`'s sharpest
 * edge: when the interface disappears, libuv reports POLLERR and `cap`'s poll callback fails
 * `assert(status == 0)`, aborting the whole process. In the agent that abort is an exit status the
 * caller turns into a `CaptureError` "interface-gone" after delivering every frame captured before it.
 *
 * The other edges, absorbed here:
 * - `cap` keeps no reference to the packet Buffer handed to `open`; the agent holds it (on the `Cap`
 *   object, which the native side keeps alive while open, and in a module variable) for the agent's life.
 * - re-opening a closed `Cap` aborts: every open makes a fresh instance (one agent per capture).
 * - a failed `open` leaves a half-made native object whose destructor touches an uninitialised libuv
 *   handle; the agent exits right after a failed open instead of letting it be collected.
 * - always promiscuous, snaplen 65535, no drop counters ({@link LiveCapture.stats} says so), no original
 *   length (a packet longer than 65535 bytes is truncated and `wireLength` is the captured length).
 * - the `any` device gives Linux cooked v1 (LINKTYPE_LINUX_SLL, 113).
 *
 * Timestamps: `cap` passes no pcap header, so there is no kernel timestamp. The agent reads the
 * monotonic clock (`process.hrtime.bigint()`, CLOCK_MONOTONIC, shared by every process on the host) when
 * libpcap hands it the packet; {@link openLiveCapture} anchors that clock to wall time once, at open
 * (`Date.now()`-based, ms precision), so timestamps never go backwards within a capture even if the
 * wall clock is stepped, and they are delivery times: after the kernel's own time by the agent's pause
 * between bursts (at most {@link DEFAULT_PAUSE_MS} ms by default) plus its scheduling delay.
 *
 * Speed (bench/capture/flood.mjs): the agent batches a burst of packets into one pipe write and
 * pauses between bursts, the CLI reads batches and, when it only writes a file, appends records and
 * counts common frames without decoding them. What loses frames is the kernel ring running full while
 * the agent is not running: see {@link LiveCaptureOptions.bufferSize} for why it holds so few packets.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { totalmem } from "node:os";
import { createRequire } from "node:module";
import type { Frame } from "../pcap/frame.js";
import { AGENT_SOURCE, readAgentRecords, type AgentStats } from "./live-agent.js";
export type { AgentStats } from "./live-agent.js";

// ---------------------------------------------------------------------------------------------------
// Errors

/** Why a live capture failed. */
export const CaptureErrorCode = {
  /** The `cap` module is not installed or not built, or libpcap is missing. */
  capMissing: "cap-missing",
  /** Not root and no CAP_NET_RAW/CAP_NET_ADMIN. */
  notPermitted: "not-permitted",
  noSuchInterface: "no-such-interface",
  /** libpcap could not compile the BPF expression. */
  badFilter: "bad-filter",
  /** The interface went away (deleted, or its namespace was) while capturing. */
  interfaceGone: "interface-gone",
  /** The interface exists but cannot be captured on (down, unsupported...). */
  openFailed: "open-failed",
  /** `send` failed. */
  sendFailed: "send-failed",
  /** The capture agent died for another reason. */
  agentFailed: "agent-failed",
} as const;
export type CaptureErrorCode = (typeof CaptureErrorCode)[keyof typeof CaptureErrorCode];

/** A live-capture failure with a closed set of `code`s; recognise it with {@link isCaptureError}. */
export class CaptureError extends Error {
  override readonly name = "CaptureError";
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
    /** The interface concerned, when there is one. */
    readonly interfaceName?: string,
  ) {
    super(message);
  }
  toJSON(): { name: string; code: CaptureErrorCode; message: string; interface?: string } {
    return { name: this.name, code: this.code, message: this.message, ...(this.interfaceName ? { interface: this.interfaceName } : {}) };
  }
}

/** True for a {@link CaptureError}, also one from another copy of this package (checks `name`/`code`). */
export function isCaptureError(e: unknown): e is CaptureError {
  return e instanceof Error && e.name === "CaptureError" && typeof (e as { code?: unknown }).code === "string";
}

export const CAP_FIX = "apt-get install libpcap-dev && npm rebuild cap";
const PERMISSION_FIX = "run as root, or give node CAP_NET_RAW and CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin+eip $(command -v node))";

// ---------------------------------------------------------------------------------------------------
// Loading cap

interface CapDevice {
  name: string;
  description?: string;
  addresses?: { addr: string; netmask?: string; broadaddr?: string; dstaddr?: string }[];
  flags?: string;
}
interface CapModule {
  Cap: { new (): unknown; deviceList(): CapDevice[] };
}

// ESM: import.meta.url; the CJS build (where esbuild empties import.meta) falls back to __filename.
const nodeRequire = createRequire((import.meta as { url?: string }).url ?? __filename);

/** Absolute path of the `cap` package's entry, or a CaptureError "cap-missing". */
function capPath(): string {
  try {
    return nodeRequire.resolve("cap");
  } catch (e) {
    throw new CaptureError("cap-missing", `live capture needs the optional native package "cap", which is not installed (${(e as Error).message.split("\n")[0]}); fix: ${CAP_FIX}`);
  }
}

let capModule: CapModule | undefined;

/** Load `cap` (once); throws CaptureError "cap-missing" with the fix when it or libpcap is missing. */
export function loadCap(): CapModule {
  if (capModule) return capModule;
  const path = capPath();
  try {
    capModule = nodeRequire(path) as CapModule;
  } catch (e) {
    throw new CaptureError("cap-missing", `the native package "cap" could not be loaded (${(e as Error).message.split("\n")[0]}); is libpcap installed and cap built? fix: ${CAP_FIX}`);
  }
  return capModule;
}

// ---------------------------------------------------------------------------------------------------
// Interfaces

/** One capture device with its addresses, as libpcap lists it (like `tcpdump -D`). */
export interface InterfaceInfo {
  name: string;
  description?: string;
  addresses: { address: string; netmask?: string; broadcast?: string }[];
  loopback: boolean;
  /** libpcap's flag names (PCAP_IF_UP, PCAP_IF_RUNNING, ...). */
  flags: string[];
}

/** The devices libpcap can capture on (in the current network namespace). */
export function listInterfaces(): InterfaceInfo[] {
  const cap = loadCap();
  return cap.Cap.deviceList().map((d) => {
    const flags = (d.flags ?? "").split(/[\s|,]+/).filter(Boolean);
    return {
      name: d.name,
      ...(d.description ? { description: d.description } : {}),
      addresses: (d.addresses ?? []).map((a) => ({
        address: a.addr,
        ...(a.netmask ? { netmask: a.netmask } : {}),
        ...(a.broadaddr ? { broadcast: a.broadaddr } : {}),
      })),
      loopback: flags.includes("PCAP_IF_LOOPBACK"),
      flags,
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// Capture

/**
 * The default BPF filter: IGMP untagged, under one 802.1Q/802.1ad tag, or under two. The word `igmp`
 * alone checks the EtherType at offset 12 and misses tagged frames. Each `vlan` shifts the offsets of
 * everything after it in the expression, not just of its own clause, so the tagged cases must nest:
 * the flat `igmp or (vlan and igmp) or (vlan and vlan and igmp)` looks for three tags in its last clause
 * and misses double-tagged frames (test/capture/cli-live.test.ts proves both).
 */
export const DEFAULT_FILTER = "igmp or (vlan and (igmp or (vlan and igmp)))";

/** What libpcap gives and what `cap` fixes. */
export const LIVE_SNAPLEN = 65535;

/** Options of {@link openLiveCapture}. */
export interface LiveCaptureOptions {
  /** BPF expression (pcap-filter(7)); default {@link DEFAULT_FILTER}. An empty string captures everything. */
  filter?: string;
  /**
   * libpcap's kernel ring in bytes; default {@link DEFAULT_BUFFER_SIZE} (64 MiB). `cap` turns on
   * immediate mode, in which libpcap on Linux uses TPACKET_V2 with one fixed slot per packet sized for
   * the 65535-byte snaplen (65616 bytes, each in its own 128 KiB kernel block): 64 MiB gives 1023 slots
   * and takes 128 MiB of kernel memory. The ring is the only buffer while the agent is not running, so
   * the slots are what decide the longest stall survived (1023 slots: 17 ms at 60k frames/s). tcpdump,
   * not in immediate mode, packs small frames into TPACKET_V3 blocks: its 2 MiB hold ~15000.
   */
  bufferSize?: number;
  /** Milliseconds to wait for the device to open; default 15000. */
  openTimeoutMs?: number;
  /**
   * Capture inside this named network namespace (`ip netns exec NS`, needs root) instead of the
   * caller's own; the interface is looked up there.
   */
  netns?: string;
  /** Test hook: the agent forces a garbage collection this often (proves the packet Buffer is held). */
  gcStressMs?: number;
  /**
   * Milliseconds the agent sleeps after reading a burst before it looks at the ring again; default
   * {@link DEFAULT_PAUSE_MS}. Fewer, larger bursts cost less CPU; the ring must hold what arrives meanwhile.
   */
  pauseMs?: number;
  /**
   * Nice value for the agent (-20..19); default {@link DEFAULT_AGENT_NICE}. A negative value needs root or
   * CAP_SYS_NICE and is silently skipped without them (see {@link AgentStats.priority}).
   */
  agentNice?: number;
}

/** Counters of a live capture. libpcap's drop counters are not available through `cap`. */
export interface LiveCaptureStats {
  /** Frames delivered to the iterator so far. */
  frames: number;
  /** Always null: `cap` exposes no pcap_stats, so drops are not available (never an invented zero). */
  dropped: null;
  /** Always null, for the same reason. */
  ifDropped: null;
}

/** An open live capture: iterate it for frames; `stop()` ends the iteration cleanly. */
export interface LiveCapture extends AsyncIterable<Frame> {
  readonly interfaceName: string;
  /** LINKTYPE_* of every frame (1 Ethernet; 113 Linux cooked v1 for `any`). */
  readonly linkType: number;
  readonly filter: string;
  readonly snaplen: number;
  readonly stats: LiveCaptureStats;
  /** Stop capturing. Frames libpcap delivered before the call are still yielded, then iteration ends. */
  stop(): Promise<void>;
  /** Inject a whole frame (link-layer header included) on the interface. */
  send(frame: Uint8Array): Promise<void>;
}

/** What {@link openLiveCapture} gives: a {@link LiveCapture} that can also be read in batches. */
export interface LiveCaptureReader extends LiveCapture {
  /**
   * The same frames, one array per read from the agent (all it had sent so far): much cheaper than
   * frame-by-frame `for await` at high rates. Use either this or the frame iteration, once.
   */
  batches(): AsyncIterable<Frame[]>;
  /** The agent's own counters, once it has stopped (undefined before, or if it died). */
  readonly agentStats: AgentStats | undefined;
}

/** Map cap's link type names (and "Unknown linktype N") to LINKTYPE_* numbers. */
export function linkTypeFromCap(name: string): number {
  switch (name) {
    case "NULL":
      return 0;
    case "ETHERNET":
      return 1;
    case "RAW":
      return 101;
    case "IEEE802_11_RADIO":
      return 127;
    case "LINKTYPE_LINUX_SLL":
      return 113;
  }
  const m = /(\d+)/.exec(name);
  // DLT_ and LINKTYPE_ values agree for everything else libpcap gives on Linux (SLL2 276, ...).
  return m ? Number(m[1]) : -1;
}

/** Turn libpcap's open error text into a typed error. */
export function classifyOpenError(iface: string, message: string, known?: string[]): CaptureError {
  const m = message.trim();
  if (/permission|Operation not permitted|EPERM|not permitted/i.test(m)) {
    return new CaptureError("not-permitted", `not permitted to capture on ${iface}: ${m}; ${PERMISSION_FIX}`, iface);
  }
  if (/No such device|doesn't exist|does not exist|no such interface/i.test(m)) {
    return noSuchInterface(iface, known);
  }
  if (
    (/syntax error|parse filter|filter expression|unknown|illegal|expression rejects|not supported|invalid|can't|unsupported/i.test(m) && /filter|syntax|expression|illegal|unknown/i.test(m)) ||
    // pcap_compile on a bad operand: "invalid IPv4 address '999.1.1.1'", "unknown host 'x'"
    /invalid IPv[46] address|unknown (host|net|port|protocol)/i.test(m)
  ) {
    return new CaptureError("bad-filter", `bad filter expression: ${m}`, iface);
  }
  if (/went down|Network is down|ENETDOWN/i.test(m)) return new CaptureError("open-failed", `cannot capture on ${iface}: ${m}`, iface);
  return new CaptureError("open-failed", `cannot capture on ${iface}: ${m}`, iface);
}

function noSuchInterface(iface: string, known?: string[]): CaptureError {
  let names = known;
  if (!names) {
    try {
      names = listInterfaces().map((d) => d.name);
    } catch {
      names = [];
    }
  }
  const list = names.length ? `; interfaces here: ${names.join(", ")}` : "";
  return new CaptureError("no-such-interface", `no such interface: ${iface}${list}`, iface);
}

/** Whether `iface` still exists in this namespace, or in `netns` (sysfs / ip; "any" always does). */
function interfaceExists(iface: string, netns?: string): boolean {
  if (iface === "any") return true;
  if (netns !== undefined) {
    try {
      execFileSync("ip", ["-n", netns, "link", "show", "dev", iface], { stdio: "ignore", timeout: 5000 });
      return true;
    } catch {
      return false;
    }
  }
  if (existsSync("/sys/class/net")) return existsSync(`/sys/class/net/${iface}`);
  try {
    return listInterfaces().some((d) => d.name === iface);
  } catch {
    return false;
  }
}

interface AgentMessage {
  type: "ready" | "error" | "sent" | "stats";
  linkType?: string;
  message?: string;
  phase?: string;
  id?: number;
  error?: string;
  stats?: AgentStats;
}

/** Default {@link LiveCaptureOptions.pauseMs}. */
export const DEFAULT_PAUSE_MS = 2;
/** Default {@link LiveCaptureOptions.agentNice}. */
export const DEFAULT_AGENT_NICE = -10;
/**
 * Packets the kernel ring of `bufferSize` bytes holds in immediate mode (libpcap's TPACKET_V2 slot for
 * a 65535-byte snaplen on Ethernet with offloads: 65535 + 81 bytes of headers and alignment).
 */
export function ringSlots(bufferSize: number): number {
  return Math.ceil(bufferSize / 65616);
}

/**
 * The ring `igmpkit capture` asks for when not given `-B`: 1/64 of the machine's memory, between 64 MiB
 * and 256 MiB (1023 to 4092 packets; the kernel takes twice that, see {@link LiveCaptureOptions.bufferSize}).
 * The library's default stays {@link DEFAULT_BUFFER_SIZE}: a monitor or host emulator does not need to
 * ride out floods, and several of them may run at once.
 */
export function captureBufferSize(totalMemory: number = totalmem()): number {
  const MiB = 1024 * 1024;
  return Math.min(256 * MiB, Math.max(DEFAULT_BUFFER_SIZE, Math.floor(totalMemory / 64 / MiB) * MiB));
}

/** Default {@link LiveCaptureOptions.bufferSize}. */
export const DEFAULT_BUFFER_SIZE = 64 * 1024 * 1024;

/**
 * Open `iface` for capture. Resolves once libpcap is capturing (packets sent after that are seen).
 * Throws {@link CaptureError}: cap-missing, no-such-interface, not-permitted, bad-filter, open-failed.
 * While iterating, the iterator throws "interface-gone" (after every earlier frame) if the device vanishes.
 */
export async function openLiveCapture(iface: string, opts: LiveCaptureOptions = {}): Promise<LiveCaptureReader> {
  try {
    return await openOnce(iface, opts);
  } catch (e) {
    // Link types without VLAN tags in the data (Linux cooked on `any`, raw IP on tun) reject `vlan`:
    // there the default filter falls back to plain `igmp` (the kernel has already removed any tag).
    if (opts.filter === undefined && isCaptureError(e) && /VLAN support|vlan/i.test(e.message)) {
      return openOnce(iface, { ...opts, filter: DEFAULT_FILTER_UNTAGGED });
    }
    throw e;
  }
}

/** The default filter on link types that carry no VLAN tags (`any`'s Linux cooked v1, raw IP). */
export const DEFAULT_FILTER_UNTAGGED = "igmp";

async function openOnce(iface: string, opts: LiveCaptureOptions): Promise<LiveCaptureReader> {
  const path = capPath();
  // Load in this process too: a missing libpcap is reported here, and the device list is needed anyway.
  let devices: string[] | undefined;
  try {
    const all = listInterfaces().map((d) => d.name);
    if (opts.netns === undefined) devices = all;
  } catch (e) {
    if (isCaptureError(e)) throw e;
    devices = undefined;
  }
  if (devices && !devices.includes(iface) && !interfaceExists(iface)) throw noSuchInterface(iface, devices);
  const filter = opts.filter ?? DEFAULT_FILTER;
  const execArgv = opts.gcStressMs ? ["--expose-gc"] : [];
  const argv = [...execArgv, "-e", AGENT_SOURCE];
  const [cmd, args] = opts.netns !== undefined ? ["ip", ["netns", "exec", opts.netns, process.execPath, ...argv]] : [process.execPath, argv];
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], env: { ...process.env, NODE_OPTIONS: "" } });
  const capture = new LiveCaptureImpl(iface, filter, child, opts.netns);
  child.send({
    type: "open",
    capPath: path,
    device: iface,
    filter,
    bufferSize: opts.bufferSize ?? DEFAULT_BUFFER_SIZE,
    snaplen: LIVE_SNAPLEN,
    gcStressMs: opts.gcStressMs ?? 0,
    pauseMs: opts.pauseMs ?? DEFAULT_PAUSE_MS,
    ringSlots: ringSlots(opts.bufferSize ?? DEFAULT_BUFFER_SIZE),
    priority: opts.agentNice ?? DEFAULT_AGENT_NICE,
  });
  await capture.ready(opts.openTimeoutMs ?? 15_000, devices);
  return capture;
}

class LiveCaptureImpl implements LiveCaptureReader {
  linkType = -1;
  readonly snaplen = LIVE_SNAPLEN;
  readonly stats: LiveCaptureStats = { frames: 0, dropped: null, ifDropped: null };
  agentStats: AgentStats | undefined;
  /** Batches of frames parsed from the agent's stream and not yet taken by the reader. */
  private queue: Frame[][] = [];
  private head = 0;
  private waiter: (() => void) | undefined;
  private ended = false;
  private failure: CaptureError | undefined;
  private stopping = false;
  private exited = false;
  private stderr = "";
  private pendingBytes: Buffer = Buffer.alloc(0);
  private readonly exitPromise: Promise<void>;
  private readonly stdoutDone: Promise<void>;
  private readyWaiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private openError: AgentMessage | undefined;
  private readonly sends = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextSend = 1;
  /** Wall-clock ns minus monotonic ns, fixed at open. */
  private readonly anchor: bigint;

  constructor(
    readonly interfaceName: string,
    readonly filter: string,
    private readonly child: ChildProcess,
    private readonly netns?: string,
  ) {
    this.anchor = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (d: string) => {
      this.stderr = (this.stderr + d).slice(-8192);
    });
    this.stdoutDone = new Promise((resolve) => {
      child.stdout!.on("data", (chunk: Buffer) => this.onData(chunk));
      child.stdout!.on("end", resolve);
      child.stdout!.on("close", resolve);
    });
    child.on("message", (m: AgentMessage) => this.onMessage(m));
    this.exitPromise = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        void this.stdoutDone.then(() => this.onExit(code, signal)).then(resolve);
      });
      child.once("error", (e) => {
        this.fail(new CaptureError("agent-failed", `could not start the capture agent: ${e.message}`, this.interfaceName));
        resolve();
      });
    });
  }

  ready(timeoutMs: number, devices: string[] | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiter = undefined;
        this.child.kill("SIGKILL");
        reject(new CaptureError("open-failed", `timed out after ${timeoutMs} ms opening ${this.interfaceName}`, this.interfaceName));
      }, timeoutMs);
      this.readyWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    }).catch((e: unknown) => {
      if (isCaptureError(e) && e.code === "no-such-interface") throw noSuchInterface(this.interfaceName, devices ?? (this.netns !== undefined ? [] : undefined));
      throw e;
    });
  }

  private onMessage(m: AgentMessage): void {
    if (m.type === "ready") {
      this.linkType = linkTypeFromCap(m.linkType ?? "");
      this.readyWaiter?.resolve();
      this.readyWaiter = undefined;
    } else if (m.type === "error") {
      this.openError = m;
      const msg = m.message ?? "unknown error";
      const err =
        m.phase === "load"
          ? new CaptureError("cap-missing", `the native package "cap" could not be loaded (${msg.split("\n")[0]}); fix: ${CAP_FIX}`)
          : classifyOpenError(this.interfaceName, msg, this.netns !== undefined ? [] : undefined);
      this.readyWaiter?.reject(err);
      this.readyWaiter = undefined;
    } else if (m.type === "stats") {
      this.agentStats = m.stats;
    } else if (m.type === "sent" && m.id !== undefined) {
      const s = this.sends.get(m.id);
      this.sends.delete(m.id);
      if (!s) return;
      if (m.error) s.reject(new CaptureError("send-failed", `send on ${this.interfaceName} failed: ${m.error}`, this.interfaceName));
      else s.resolve();
    }
  }

  private onData(chunk: Buffer): void {
    // A record cut by the pipe's chunking waits in pendingBytes for its rest.
    const bytes = this.pendingBytes.length ? Buffer.concat([this.pendingBytes, chunk]) : chunk;
    const batch: Frame[] = [];
    const used = readAgentRecords(bytes, this.anchor, this.linkType, this.interfaceName, batch);
    this.pendingBytes = used < bytes.length ? Buffer.from(bytes.subarray(used)) : EMPTY;
    if (batch.length > 0) {
      this.queue.push(batch);
      this.wake();
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    for (const s of this.sends.values()) s.reject(new CaptureError("send-failed", `capture on ${this.interfaceName} has ended`, this.interfaceName));
    this.sends.clear();
    if (this.readyWaiter) {
      const err = this.openError
        ? classifyOpenError(this.interfaceName, this.openError.message ?? "", this.netns !== undefined ? [] : undefined)
        : new CaptureError("agent-failed", `the capture agent exited before opening ${this.interfaceName} (${signal ?? `status ${code}`}): ${this.stderr.trim()}`, this.interfaceName);
      this.readyWaiter.reject(err);
      this.readyWaiter = undefined;
    } else if (!this.stopping) {
      if (!interfaceExists(this.interfaceName, this.netns) || /Assertion .status == 0/.test(this.stderr)) {
        this.fail(new CaptureError("interface-gone", `interface ${this.interfaceName} went away during the capture`, this.interfaceName));
      } else {
        this.fail(new CaptureError("agent-failed", `capture on ${this.interfaceName} ended unexpectedly (${signal ?? `status ${code}`}): ${this.stderr.trim()}`, this.interfaceName));
      }
    }
    this.ended = true;
    this.wake();
  }

  private fail(e: CaptureError): void {
    this.failure ??= e;
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async stop(): Promise<void> {
    if (!this.stopping && !this.exited) {
      this.stopping = true;
      try {
        this.child.send({ type: "stop" });
      } catch {
        // agent already gone
      }
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await this.exitPromise;
      clearTimeout(timer);
    }
    this.stopping = true;
    await this.exitPromise;
  }

  send(frame: Uint8Array): Promise<void> {
    const ended = (): CaptureError => new CaptureError("send-failed", `capture on ${this.interfaceName} has ended`, this.interfaceName);
    // `connected` goes false when the agent's channel closes, a moment before its exit is seen
    if (this.exited || this.stopping || !this.child.connected) return Promise.reject(ended());
    const id = this.nextSend++;
    return new Promise((resolve, reject) => {
      this.sends.set(id, { resolve, reject });
      const failed = (): void => {
        if (this.sends.delete(id)) reject(ended());
      };
      try {
        // with a callback, a channel that closes meanwhile is an error here, not an unhandled 'error' event
        this.child.send({ type: "send", id, data: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString("base64") }, (err) => {
          if (err) failed();
        });
      } catch {
        failed();
      }
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    for await (const batch of this.take()) {
      for (const f of batch) {
        this.stats.frames++;
        yield f;
      }
    }
  }

  async *batches(): AsyncGenerator<Frame[]> {
    for await (const batch of this.take()) {
      this.stats.frames += batch.length;
      yield batch;
    }
  }

  /** The batches in arrival order until the agent's stream ends; stops the capture if left early. */
  private async *take(): AsyncGenerator<Frame[]> {
    try {
      for (;;) {
        while (this.head < this.queue.length) {
          const batch = this.queue[this.head++]!;
          if (this.head === this.queue.length) {
            this.queue = [];
            this.head = 0;
          }
          yield batch;
        }
        if (this.ended) break;
        await new Promise<void>((r) => (this.waiter = r));
      }
      if (this.failure) throw this.failure;
    } finally {
      if (!this.ended) await this.stop();
    }
  }
}

const EMPTY = Buffer.alloc(0);
