/**
 * Live capture on a network interface through libpcap, by way of the npm `cap` package (patched by
 * patches/cap+0.2.1.patch, applied at install, for what libpcap has and `cap` did not pass on).
 *
 * `cap` is loaded lazily (it is an optional native dependency, see ./cap.ts) and only in a small agent
 * process (./live-agent.ts): the agent opens the device, copies every packet into a pipe, and the caller's
 * process turns the pipe into {@link Frame}s, the same type the file readers yield. The agent exists
 * because of `cap`'s sharpest edge: when the interface disappears, libuv reports POLLERR and `cap`'s poll
 * callback fails `assert(status == 0)`, aborting the whole process. In the agent that abort is an exit
 * status the caller turns into a `CaptureError` "interface-gone" after delivering every frame captured
 * before it.
 *
 * The other edges, absorbed here:
 * - `cap` keeps no reference to the packet Buffer handed to `open`; the agent holds it for its life.
 * - re-opening a closed `Cap` aborts: every open makes a fresh instance (one agent per capture).
 * - a failed `open` leaves a half-made native object whose destructor touches an uninitialised libuv
 *   handle; the agent exits right after a failed open instead of letting it be collected.
 * - the `any` device gives Linux cooked v1 (LINKTYPE_LINUX_SLL, 113).
 *
 * What the patch adds, used here: libpcap's own timestamps at nanosecond precision (the kernel's receive
 * time, as tcpdump shows), the length on the wire, the kernel's drop counters (pcap_stats), the snaplen
 * and promiscuous mode. With an unpatched `cap` the capture still works as before the patch: frames are
 * stamped on delivery from the monotonic clock anchored once to wall time ({@link LiveCapture.timestamps}
 * is "delivery"), drops are null, snaplen 65535, always promiscuous.
 *
 * Speed (bench/capture/flood.mjs): the agent batches a burst of packets into one pipe write and
 * pauses between bursts, the CLI reads batches and, when it only writes a file, appends records and
 * counts common frames without decoding them. What loses frames is the kernel ring running full while
 * the agent is not running: see {@link LiveCaptureOptions.bufferSize}; the kernel counts those drops.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Frame } from "../pcap/frame.js";
import { capLoadError, capPath, classifyOpenError, interfaceExists, linkTypeFromCap, listInterfaces, noSuchInterface } from "./cap.js";
import { CaptureError, isCaptureError } from "./live-errors.js";
import { AGENT_SOURCE, readAgentRecords, ringSlots, type AgentStats, type FromAgent, type PcapStats, type TimestampSource, type ToAgent } from "./live-agent.js";
export type { AgentStats, PcapStats, TimestampSource } from "./live-agent.js";
export { defaultSnaplen, ringSlots } from "./live-agent.js";
export { CAP_FIX, CaptureError, CaptureErrorCode, isCaptureError } from "./live-errors.js";
export { classifyOpenError, linkTypeFromCap, listInterfaces, loadCap, type InterfaceInfo } from "./cap.js";

/**
 * The default BPF filter: IGMP untagged, under one 802.1Q/802.1ad tag, or under two. The word `igmp`
 * alone checks the EtherType at offset 12 and misses tagged frames. Each `vlan` shifts the offsets of
 * everything after it in the expression, not just of its own clause, so the tagged cases must nest:
 * the flat `igmp or (vlan and igmp) or (vlan and vlan and igmp)` looks for three tags in its last clause
 * and misses double-tagged frames (test/capture/cli-live.test.ts proves both).
 */
export const DEFAULT_FILTER = "igmp or (vlan and (igmp or (vlan and igmp)))";

/** The default filter on link types that carry no VLAN tags (`any`'s Linux cooked v1, raw IP). */
export const DEFAULT_FILTER_UNTAGGED = "igmp";

/** Options of {@link openLiveCapture}. */
export interface LiveCaptureOptions {
  /** BPF expression (pcap-filter(7)); default {@link DEFAULT_FILTER}. An empty string captures everything. */
  filter?: string;
  /**
   * Bytes kept of each packet (tcpdump's -s); default {@link defaultSnaplen} of the interface's MTU (1522
   * at MTU 1500: every IGMP message whole). Longer packets are cut (`wireLength` keeps their length).
   */
  snaplen?: number;
  /** Put the interface in promiscuous mode (default true, as tcpdump without -p). */
  promiscuous?: boolean;
  /**
   * libpcap's kernel ring in bytes; default {@link DEFAULT_BUFFER_SIZE}. `cap` turns on immediate mode
   * (frames are handed over at once, not when a block fills), in which libpcap on Linux uses TPACKET_V2:
   * one fixed slot per packet, the snaplen plus 70 bytes rounded to 16, packed into 4 KiB blocks
   * ({@link ringSlots}): 16 MiB hold 10,486 packets at the default snaplen 1522, 49,932 at snaplen 262
   * (with `cap`'s old fixed 65535, 64 MiB held 1023, each in its own 128 KiB block). The ring is the only
   * buffer while the agent is not running; what does not fit is dropped and counted by the kernel
   * ({@link LiveCaptureStats.dropped}).
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

/** Counters of a live capture. */
export interface LiveCaptureStats {
  /** Frames delivered to the iterator so far. */
  frames: number;
  /**
   * libpcap's `ps_recv`: packets that passed the filter (updated every second and at the end); null
   * where `cap` is unpatched (never an invented zero).
   */
  received: number | null;
  /** libpcap's `ps_drop`: packets the kernel dropped because the ring was full ("dropped by kernel"). */
  dropped: number | null;
  /** libpcap's `ps_ifdrop`: packets dropped by the interface or driver ("dropped by interface"). */
  ifDropped: number | null;
}

/** An open live capture: iterate it for frames; `stop()` ends the iteration cleanly. */
export interface LiveCapture extends AsyncIterable<Frame> {
  readonly interfaceName: string;
  /** LINKTYPE_* of every frame (1 Ethernet; 113 Linux cooked v1 for `any`). */
  readonly linkType: number;
  readonly filter: string;
  /** The snaplen libpcap captures with. */
  readonly snaplen: number;
  /** Whether the interface was put in promiscuous mode. */
  readonly promiscuous: boolean;
  /** Where frame times come from (libpcap's, or delivery time with an unpatched `cap`). */
  readonly timestamps: TimestampSource;
  /** Packet slots of the kernel ring ({@link ringSlots}). */
  readonly ringSlots: number;
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

/** Default {@link LiveCaptureOptions.pauseMs}. */
export const DEFAULT_PAUSE_MS = 2;
/** Default {@link LiveCaptureOptions.agentNice}. */
export const DEFAULT_AGENT_NICE = -10;
/** Default {@link LiveCaptureOptions.bufferSize}: 16 MiB. */
export const DEFAULT_BUFFER_SIZE = 16 * 1024 * 1024;
/**
 * The ring `igmpkit capture` asks for when not given `-B`: 32 MiB, 20,972 packets at the default
 * snaplen (tcpdump's 2 MiB TPACKET_V3 ring holds about 15,000 small frames). A monitor or host emulator
 * does not need to ride out floods, and several of them may run at once: they take the library's default.
 */
export const CAPTURE_BUFFER_SIZE = 32 * 1024 * 1024;
/** How often the agent sends libpcap's counters while capturing. */
const STATS_EVERY_MS = 1000;

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
  if (opts.snaplen !== undefined && (!Number.isInteger(opts.snaplen) || opts.snaplen < 1 || opts.snaplen > 262144)) {
    throw new CaptureError("open-failed", `snaplen ${opts.snaplen}: a whole number of bytes from 1 to 262144`, iface);
  }
  const filter = opts.filter ?? DEFAULT_FILTER;
  const execArgv = opts.gcStressMs ? ["--expose-gc"] : [];
  const argv = [...execArgv, "-e", AGENT_SOURCE];
  const [cmd, args] = opts.netns !== undefined ? ["ip", ["netns", "exec", opts.netns, process.execPath, ...argv]] : [process.execPath, argv];
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], env: { ...process.env, NODE_OPTIONS: "" } });
  const capture = new LiveCaptureImpl(iface, filter, child, opts.netns);
  const open: ToAgent = {
    type: "open",
    capPath: path,
    device: iface,
    filter,
    bufferSize: opts.bufferSize ?? DEFAULT_BUFFER_SIZE,
    snaplen: opts.snaplen ?? null,
    promiscuous: opts.promiscuous ?? true,
    gcStressMs: opts.gcStressMs ?? 0,
    pauseMs: opts.pauseMs ?? DEFAULT_PAUSE_MS,
    priority: opts.agentNice ?? DEFAULT_AGENT_NICE,
    statsEveryMs: STATS_EVERY_MS,
  };
  child.send(open);
  await capture.ready(opts.openTimeoutMs ?? 15_000, devices);
  return capture;
}

class LiveCaptureImpl implements LiveCaptureReader {
  linkType = -1;
  snaplen = 0;
  promiscuous = true;
  timestamps: TimestampSource = "delivery";
  ringSlots = 0;
  readonly stats: LiveCaptureStats = { frames: 0, received: null, dropped: null, ifDropped: null };
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
  private openError: Extract<FromAgent, { type: "error" }> | undefined;
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
    child.on("message", (m: FromAgent) => this.onMessage(m));
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

  private onMessage(m: FromAgent): void {
    if (m.type === "ready") {
      this.linkType = linkTypeFromCap(m.linkType);
      this.snaplen = m.snaplen;
      this.promiscuous = m.promiscuous;
      this.timestamps = m.timestamps;
      this.ringSlots = m.ringSlots;
      this.readyWaiter?.resolve();
      this.readyWaiter = undefined;
    } else if (m.type === "error") {
      this.openError = m;
      const err = m.phase === "load" ? capLoadError(m.message) : classifyOpenError(this.interfaceName, m.message, this.netns !== undefined ? [] : undefined);
      this.readyWaiter?.reject(err);
      this.readyWaiter = undefined;
    } else if (m.type === "stats" || m.type === "pcap-stats") {
      if (m.type === "stats") this.agentStats = m.stats;
      if (m.pcap) this.setPcapStats(m.pcap);
    } else if (m.type === "sent") {
      const s = this.sends.get(m.id);
      this.sends.delete(m.id);
      if (!s) return;
      if (m.error) s.reject(new CaptureError("send-failed", `send on ${this.interfaceName} failed: ${m.error}`, this.interfaceName));
      else s.resolve();
    }
  }

  private setPcapStats(p: PcapStats): void {
    this.stats.received = p.received;
    this.stats.dropped = p.dropped;
    this.stats.ifDropped = p.ifDropped;
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
        ? classifyOpenError(this.interfaceName, this.openError.message, this.netns !== undefined ? [] : undefined)
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
