/**
 * The offline driver: runs emulated hosts over the frames of a capture on a virtual clock driven by the
 * frames' timestamps, and returns what the hosts would send merged in time order with the input.
 * A thin loop around the sans-IO {@link Emulator}; no file access here (src/capture reads and writes).
 */
import { Emulator } from "./emulator.js";
import { HostError, isHostError } from "./errors.js";
import type { Scenario, ScenarioEvent } from "./scenario.js";

/**
 * A captured frame as the replay takes it: the fields of the frame every reader yields (src/pcap/frame.ts's
 * `Frame`, which the host layer does not import; test/host/offline.test.ts holds the two types equal).
 */
export interface CapturedFrame {
  /** Capture time in nanoseconds since the Unix epoch. */
  timestampNs: bigint;
  /** Length of the packet on the wire; may exceed `data.length`. */
  wireLength: number;
  /** The captured bytes. */
  data: Uint8Array;
  /** The pcap LINKTYPE_* of `data`. */
  linkType: number;
  /** Interface index (pcapng), 0 for pcap and live capture. */
  interfaceId: number;
  /** Interface name when the source knows it. */
  interfaceName?: string;
}

/** A frame of the merged output: the captured frame (input frames keep their bytes as views), and its origin. */
export interface ReplayFrame extends CapturedFrame {
  origin: "input" | "host";
  /** The emulated host's index, for host frames. */
  host?: number;
}

export interface ReplayOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Time zero of the timeline. Default: the first input frame's timestamp (0 when there is none). */
  startNs?: bigint;
  /** After the last input frame and timeline event, run the hosts for at most this long. Default 600 000 ms. */
  tailMs?: number;
}


/** Push-driven replay: `push` each input frame in order, then `finish`. Each returns frames in time order. */
export class OfflineReplay {
  readonly emulator: Emulator;
  private readonly timeline: ScenarioEvent[];
  private next = 0;
  private base: bigint | undefined;
  private lastMs = 0;
  private readonly tailMs: number;

  constructor(scenario: Scenario, opts: ReplayOptions = {}) {
    const seed = opts.seed ?? scenario.seed;
    this.emulator = new Emulator({ ...scenario.emulator, ...(seed !== undefined ? { seed } : {}) });
    this.timeline = scenario.timeline;
    this.base = opts.startNs;
    this.tailMs = opts.tailMs ?? 600_000;
  }

  /** One input frame; returns the host frames due before it, the frame itself, and what it caused at once. */
  push(frame: CapturedFrame): ReplayFrame[] {
    if (this.base === undefined) this.base = frame.timestampNs;
    // Captures are not always monotonic; the hosts' clock never goes back.
    const t = Math.max(this.lastMs, Number(frame.timestampNs - this.base) / 1e6);
    this.runEvents(t);
    this.emulator.advance(t);
    const out = this.hostFrames();
    out.push({ ...frame, origin: "input" });
    this.lastMs = t;
    this.emulator.receive(t, frame);
    for (const f of this.hostFrames()) out.push(f);
    return out;
  }

  /** No more input: run the rest of the timeline and the hosts until idle (at most `tailMs` after the last thing). */
  finish(): ReplayFrame[] {
    const out: ReplayFrame[] = [];
    for (const fs of this.finishing()) for (const f of fs) out.push(f);
    return out;
  }

  /**
   * {@link finish} in steps (each timeline event, each deadline of the hosts), so that a driver can stop
   * between two (a signal) or write as it goes. Stopping early leaves the rest unrun.
   */
  *finishing(): Generator<ReplayFrame[]> {
    if (this.base === undefined) this.base = 0n;
    while (this.runEvents(Infinity, 1)) yield this.hostFrames();
    const last = Math.max(this.lastMs, this.timeline.length > 0 ? this.timeline[this.timeline.length - 1]!.atMs : 0);
    const end = last + this.tailMs;
    for (;;) {
      const d = this.emulator.nextDeadline();
      if (d === null || d > end) break;
      this.emulator.advance(Math.max(d, this.lastMs));
      this.lastMs = Math.max(d, this.lastMs);
      yield this.hostFrames();
    }
    yield this.hostFrames();
  }

  /** Run the timeline events due at `until` (at most `limit` of them); true when one ran. */
  private runEvents(until: number, limit = Infinity): boolean {
    let ran = 0;
    while (ran < limit && this.next < this.timeline.length && this.timeline[this.next]!.atMs <= until) {
      ran++;
      const ev = this.timeline[this.next++]!;
      const at = Math.max(ev.atMs, this.lastMs);
      this.emulator.advance(at);
      this.lastMs = at;
      for (const i of ev.hosts) {
        try {
          this.emulator.op(at, i, ev.op);
        } catch (e) {
          if (!isHostError(e)) throw e;
          const name = this.emulator.configs[i]!.name;
          throw new HostError(e.code, `${ev.path} (${ev.op.op} on host ${name} at ${ev.atMs / 1000} s): ${e.message}`, e.errno, e.details);
        }
      }
    }
    return ran > 0;
  }

  private hostFrames(): ReplayFrame[] {
    const base = this.base ?? 0n;
    return this.emulator.drain().map((f) => ({
      timestampNs: base + BigInt(Math.round(f.timeMs * 1e6)),
      wireLength: f.data.length,
      data: f.data,
      linkType: 1,
      interfaceId: 0,
      origin: "host" as const,
      host: f.host,
    }));
  }
}

/** Replay over an (async) iterable of frames, yielding the merged output as it goes. */
export async function* replayFrames(
  frames: AsyncIterable<CapturedFrame> | Iterable<CapturedFrame>,
  scenario: Scenario,
  opts: ReplayOptions = {},
): AsyncGenerator<ReplayFrame> {
  const r = new OfflineReplay(scenario, opts);
  for await (const f of frames) yield* r.push(f);
  yield* r.finish();
}

