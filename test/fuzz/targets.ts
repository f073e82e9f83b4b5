/**
 * One input through every command's library path, with the invariants the fuzzer and the regression
 * corpus check: no exception anywhere; the push parser, its fast `scan` and the file reader agree; a
 * cut input gives a prefix of the whole input's frames (every frame before the damage kept); memory
 * bounded. A violation throws an Error saying which.
 */
import { gunzipSync } from "node:zlib";
import { readCaptureFile } from "../../src/capture/file.js";
import { formatLine, formatVerbose } from "../../src/cli/format.js";
import { FrameOutput } from "../../src/cli/output.js";
import { OfflineReplay, parseScenario } from "../../src/host/index.js";
import { Linter } from "../../src/monitor/lint.js";
import { MonitorState } from "../../src/monitor/state.js";
import { CaptureParser, type Frame } from "../../src/pcap/index.js";
import { decodeFrameDetail } from "../../src/wire/index.js";
import type { CliIo } from "../../src/cli/io.js";

/** Heap growth allowed while one input is processed (its frames are dropped as they go). */
export const MAX_HEAP_GROWTH = 192 * 1024 * 1024;

const SCENARIO = parseScenario({ hosts: [{ firstIp: "198.18.0.10", count: 3 }], version: 3, timeline: [{ at: 0, host: "*", op: "join", group: "239.1.1.1" }] });

function key(f: Frame): string {
  return `${f.timestampNs}/${f.wireLength}/${f.linkType}/${f.interfaceId}/${Buffer.from(f.data).toString("hex")}`;
}

/** Frames of `bytes` through the push parser in chunks of `chunk` bytes. */
export function parseChunked(bytes: Uint8Array, chunk: number): { keys: string[]; fatal: string | undefined; errors: number } {
  const p = new CaptureParser();
  const keys: string[] = [];
  for (let o = 0; o < bytes.length; o += chunk) {
    p.push(bytes.subarray(o, Math.min(bytes.length, o + chunk)));
    for (let f = p.next(); f !== undefined; f = p.next()) keys.push(key(f));
  }
  p.end();
  for (let f = p.next(); f !== undefined; f = p.next()) keys.push(key(f));
  return { keys, fatal: p.fatal?.code, errors: p.errorCount };
}

function scanCount(bytes: Uint8Array): number {
  const p = new CaptureParser();
  let n = p.scan(() => undefined);
  p.push(bytes);
  n += p.scan(() => undefined, () => undefined);
  p.end();
  n += p.scan(() => undefined);
  return n;
}

const sink: CliIo = { stdout: { write: () => true }, stderr: { write: () => true }, stdoutIsTTY: false, stderrIsTTY: false, env: {} };

function fail(what: string): never {
  throw new Error(`invariant broken: ${what}`);
}

/** Everything the commands do with decoded frames: decode text/-v/JSON output, lint, monitor, host replay. */
function consume(frames: AsyncIterable<Frame> | Iterable<Frame>): Promise<number> {
  return (async () => {
    const outs = [
      new FrameOutput({ json: true, verbose: false, all: true, time: "utc" }, sink),
      new FrameOutput({ json: false, verbose: false, all: true, time: "epoch" }, sink),
    ];
    const linter = new Linter();
    const monitor = new MonitorState();
    const replay = new OfflineReplay(SCENARIO, { tailMs: 1000 });
    let n = 0;
    for await (const f of frames) {
      n++;
      for (const o of outs) o.push(f);
      const d = decodeFrameDetail(f, n);
      formatLine(d, "utc");
      formatVerbose(d, "utc");
      JSON.stringify(d.frame);
      linter.push(d.frame);
      monitor.receive(d.frame);
      replay.push(f);
      if (n % 64 === 0) for (const o of outs) await o.flush();
    }
    for (const o of outs) await o.flush();
    linter.finish();
    monitor.snapshot();
    replay.finish();
    return n;
  })();
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Run `bytes` through every path; throws on a broken invariant. Returns the frames read. */
export async function exercise(bytes: Uint8Array, r: () => number): Promise<number> {
  const base = process.memoryUsage().heapUsed;
  // 1. the push parser, whole and in chunks, agrees with itself and with scan
  const whole = parseChunked(bytes, Math.max(1, bytes.length));
  const chunk = 1 + Math.floor(r() * 97);
  const pieces = parseChunked(bytes, chunk);
  if (pieces.keys.join() !== whole.keys.join() || pieces.fatal !== whole.fatal) fail(`chunks of ${chunk} bytes give other frames than the whole input`);
  if (scanCount(bytes) !== whole.keys.length) fail("scan() and next() count different frames");
  // 2. every frame before the damage is kept: a cut input gives a prefix of the whole input's frames
  const cut = Math.floor(r() * (bytes.length + 1));
  const prefix = parseChunked(bytes.subarray(0, cut), Math.max(1, cut)).keys;
  if (prefix.length > whole.keys.length || prefix.some((k, i) => k !== whole.keys[i])) fail(`cut at ${cut}: not a prefix of the whole input's frames`);
  // 3. the file reader (gzip included), and every consumer of frames
  const reader = readCaptureFile("fuzz", { source: once(bytes), fatal: "keep" });
  const n = await consume(reader);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    // gzip: what a streaming gunzip recovers, no fewer (Node's own gunzip stops at damage it sees)
    let plain: Uint8Array | undefined;
    try {
      plain = gunzipSync(bytes);
    } catch {
      plain = undefined;
    }
    if (plain !== undefined && n < parseChunked(plain, plain.length).keys.length) fail("gzip: fewer frames than gunzip recovers");
  } else if (n !== whole.keys.length) fail(`the file reader reads ${n} frames, the parser ${whole.keys.length}`);
  if (process.memoryUsage().heapUsed - base > MAX_HEAP_GROWTH) fail(`heap grew by more than ${MAX_HEAP_GROWTH >> 20} MiB`);
  return n;
}
