/**
 * The conformance runner on a real LAN: frames captured and sent through libpcap (as `capture` and
 * `host -i` do, in a network namespace if asked), the DUT's sockets driven by a hook process, every frame
 * seen and sent kept in order and, if asked, written to a pcapng evidence file with a comment naming the
 * case. This is the I/O half of src/conform.
 *
 * The hook is a long-running command; the runner writes one line per operation on its standard input
 * (`join G`, `leave G`, `joinsrc G S`, `leavesrc G S`, `block G S`, `unblock G S`, optionally ending with
 * `@SOCKET`: src/conform/hook.ts) and waits for one line back: `ok` or `err MESSAGE`. At the end it writes
 * `quit`. `scripts/igmp-host.py` speaks it for a Linux kernel host (`ip netns exec NS python3
 * igmp-host.py ADDR`), `igmpkit host -i IFACE --control stdin` for igmpkit's emulated host.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { macForIp } from "../host/emulator.js";
import { decodeFrame, isIPv4 } from "../wire/index.js";
import { openLiveCapture, type LiveCaptureReader } from "../capture/live.js";
import type { CaptureWriter } from "../capture/file.js";
import { LanClock } from "./lan-clock.js";
import type { ClockSources } from "../capture/wall-steps.js";
import { evidenceComment, openEvidence } from "./evidence.js";
import type { ConformEnv, DutAction, LanFrame } from "../conform/types.js";
import { formatHookCommand } from "../conform/hook.js";

/** Where and how a live conformance run works: interface, namespace, addresses, hook, evidence file. */
export interface LiveLanOptions {
  iface: string;
  netns?: string;
  /** The runner's own IPv4 address (its MAC is derived as the emulator derives its hosts'). */
  address: string;
  /** The DUT's address, when known: only its frames are judged. */
  dut?: string;
  /** The hook command (run with `sh -c`); without it, cases that drive the DUT are not applicable. */
  hook?: string;
  /** How long one hook operation may take, ms. Default 10 000. */
  hookTimeoutMs?: number;
  /** Write every frame to this pcapng file, each with a comment naming its case. */
  evidence?: string;
  /** BPF filter (default: IGMP, untagged or under VLAN tags). */
  filter?: string;
  /** The wall and monotonic clocks (default the system's; tests step them). */
  clocks?: ClockSources;
}

/** A hook process that failed to start, answered `err`, or did not answer in time. */
export class HookError extends Error {
  override readonly name = "HookError";
}

/** The hook process, spoken to line by line. */
class Hook {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  private exited: string | null = null;
  private stderr = "";

  constructor(
    command: string,
    private readonly timeoutMs: number,
  ) {
    this.child = spawn("sh", ["-c", command], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString("utf8")).slice(-2000);
    });
    this.child.on("error", (e) => this.fail(`could not start the hook: ${e.message}`));
    this.child.on("exit", (code, sig) => this.fail(`the hook exited (${sig ?? `status ${code}`})${this.stderr ? `: ${this.stderr.trim().split("\n").pop()}` : ""}`));
    createInterface({ input: this.child.stdout }).on("line", (line) => this.waiting.shift()?.resolve(line.trim()));
  }

  private fail(why: string): void {
    if (this.exited !== null) return;
    this.exited = why;
    for (const w of this.waiting.splice(0)) w.reject(new HookError(why));
  }

  async call(line: string): Promise<void> {
    if (this.exited !== null) throw new HookError(this.exited);
    const answer = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new HookError(`the hook did not answer "${line}" within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const entry = {
        resolve: (l: string) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiting.push(entry);
      this.child.stdin.write(`${line}\n`);
    });
    if (answer === "ok") return;
    throw new HookError(`the hook refused "${line}": ${answer.replace(/^err\s*/, "")}`);
  }

  /** Ask it to quit (it closes its sockets), then end it by its PID if it lingers. */
  async close(): Promise<void> {
    if (this.exited === null) {
      await this.call(formatHookCommand({ op: "quit" })).catch(() => undefined);
      const gone = new Promise<void>((r) => this.child.once("exit", () => r()));
      const timer = setTimeout(() => this.child.kill("SIGTERM"), 2000);
      await Promise.race([gone, new Promise<void>((r) => setTimeout(r, 3000))]);
      clearTimeout(timer);
    }
  }
}

function macOf(frame: Uint8Array): string {
  return Array.from(frame.subarray(6, 12), (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** The live LAN. Open with {@link openLiveLan}. */
export class LiveLan implements ConformEnv {
  readonly self: { ip: string; mac: string };
  readonly dut: string | undefined;
  readonly canAct: boolean;
  readonly frames: LanFrame[] = [];
  private readonly clock: LanClock;
  private caseId: string | null = null;
  /** MACs the runner sends from (its own and the hosts it plays): their echoes are not the DUT's. */
  private readonly ours = new Set<string>();
  private readonly reading: Promise<void>;
  private readError: unknown = null;
  private closed = false;

  constructor(
    private readonly capture: LiveCaptureReader,
    private readonly hook: Hook | null,
    private readonly writer: CaptureWriter | null,
    o: LiveLanOptions,
  ) {
    this.clock = new LanClock(o.clocks);
    this.self = { ip: o.address, mac: macForIp(o.address) };
    this.ours.add(this.self.mac);
    this.dut = o.dut;
    this.canAct = hook !== null;
    this.reading = this.read();
  }

  private async read(): Promise<void> {
    try {
      for await (const f of this.capture) {
        if (f.data.length >= 12 && this.ours.has(macOf(f.data))) continue;
        this.record(f.data, f.linkType, false, this.clock.fromWire(f.timestampNs, this.capture.timestamps !== "delivery"));
      }
    } catch (e) {
      this.readError = e;
    }
  }

  now(): number {
    return this.clock.now();
  }

  setCase(id: string | null): void {
    this.caseId = id;
  }

  async sleep(ms: number): Promise<void> {
    if (this.readError !== null) throw this.readError;
    await new Promise((r) => setTimeout(r, Math.max(0, ms)));
  }

  async send(frame: Uint8Array): Promise<LanFrame> {
    this.ours.add(macOf(frame));
    const f = this.record(frame, 1, true, this.now());
    await this.capture.send(frame);
    return f;
  }

  async act(a: DutAction): Promise<void> {
    if (this.hook === null) throw new HookError("no hook to drive the DUT (--hook)");
    await this.hook.call(formatHookCommand(a));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.hook?.close();
    // Let the DUT's last frames (leaves on quit) arrive.
    await new Promise((r) => setTimeout(r, 300));
    await this.capture.stop();
    await this.reading;
    this.writer?.close();
  }

  private record(data: Uint8Array, linkType: number, sent: boolean, timeMs: number): LanFrame {
    const number = this.frames.length + 1;
    const timestampNs = this.clock.toWire(timeMs);
    const decoded = decodeFrame({ data, linkType, timestampNs }, number);
    const f: LanFrame = { number, timeMs, sent, caseId: this.caseId, data, linkType, decoded };
    this.frames.push(f);
    this.writer?.write({
      data,
      linkType,
      wireLength: data.length,
      timestampNs,
      comment: evidenceComment({ caseId: this.caseId, sent }),
    });
    return f;
  }
}

/** Open the capture (and start the hook) for a live run. Errors of libpcap are CaptureErrors. */
export async function openLiveLan(o: LiveLanOptions): Promise<LiveLan> {
  if (!isIPv4(o.address)) throw new RangeError(`the runner's address ${o.address} is not an IPv4 address`);
  const capture = await openLiveCapture(o.iface, { ...(o.netns !== undefined ? { netns: o.netns } : {}), ...(o.filter !== undefined ? { filter: o.filter } : {}) });
  let hook: Hook | null = null;
  let writer: CaptureWriter | null = null;
  try {
    if (o.hook !== undefined) {
      hook = new Hook(o.hook, o.hookTimeoutMs ?? 10_000);
      await hook.call(formatHookCommand({ op: "ping" }));
    }
    if (o.evidence !== undefined) writer = openEvidence(o.evidence, capture.linkType, o.iface);
  } catch (e) {
    await hook?.close();
    await capture.stop();
    throw e;
  }
  return new LiveLan(capture, hook, writer, o);
}
