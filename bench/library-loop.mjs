// The library loop alone: read a capture file and check/classify every frame with the zero-copy
// FrameView (link layer, IPv4 header and checksum, IGMP length, checksum, v3 record counts, kind), no output.
// Uses readCaptureFile().scan(), the loop without Frame objects. Prints one JSON line: wall seconds and
// CPU seconds (user + system, all threads) from the start of the reading to its end, without Node's start-up.
//   node bench/library-loop.mjs FILE           one pass, streamed from the file (what a program sees once)
//   node bench/library-loop.mjs FILE --warm N  the file in memory, N passes of CaptureParser.scan: the
//                                              best pass, once the JIT has compiled the loop (steady state)
import { readFileSync } from "node:fs";
import { CaptureParser, readCaptureFile, FrameView, ViewStatus } from "../dist/index.js";

const path = process.argv[2];
const warm = process.argv[3] === "--warm" ? Number(process.argv[4] ?? 5) : 0;
const view = new FrameView();
let igmp = 0;
let badChecksum = 0;
const byType = new Uint32Array(256);
const visit = (bytes, start, end, _wireLength, linkType) => {
  if (view.wrap(bytes, linkType, start, end) !== ViewStatus.igmp) return;
  igmp++;
  if (!view.igmpChecksumValid) badChecksum++;
  byType[view.type]++;
};

/** One pass: frames, wall and CPU seconds. */
async function pass(run) {
  igmp = badChecksum = 0;
  byType.fill(0);
  const t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const frames = await run();
  const cpu = process.cpuUsage(cpu0);
  return { frames, seconds: Number(process.hrtime.bigint() - t) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

let r;
if (warm > 0) {
  const bytes = new Uint8Array(readFileSync(path));
  const chunk = 256 * 1024;
  const inMemory = () => {
    const p = new CaptureParser();
    let n = 0;
    for (let o = 0; o < bytes.length; o += chunk) {
      p.push(bytes.subarray(o, o + chunk));
      n += p.scan(visit);
    }
    p.end();
    return n + p.scan(visit);
  };
  for (let k = 0; k < warm; k++) {
    const x = await pass(inMemory);
    if (r === undefined || x.cpuSeconds < r.cpuSeconds) r = x;
  }
} else r = await pass(() => readCaptureFile(path).scan(visit));
const types = Object.fromEntries([...byType.entries()].filter(([, n]) => n > 0));
console.log(JSON.stringify({ ...r, igmp, badChecksum, types, fps: r.frames / r.seconds, fpsCpu: r.frames / r.cpuSeconds }));
