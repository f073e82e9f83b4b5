// The library loop alone: read a capture file and check/classify every frame with the zero-copy
// FrameView (link layer, IPv4 header and checksum, IGMP length, checksum, v3 record counts, kind), no output.
// Uses readCaptureFile().scan(), the loop without Frame objects. Prints one JSON line: wall seconds and
// CPU seconds (user + system, all threads) from the start of the reading to its end, without Node's start-up.
import { readCaptureFile, FrameView, ViewStatus } from "../dist/index.js";

const path = process.argv[2];
const t = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const view = new FrameView();
let igmp = 0;
let badChecksum = 0;
const byType = new Uint32Array(256);
const frames = await readCaptureFile(path).scan((bytes, start, end, _wireLength, linkType) => {
  if (view.wrap(bytes, linkType, start, end) !== ViewStatus.igmp) return;
  igmp++;
  if (!view.igmpChecksumValid) badChecksum++;
  byType[view.type]++;
});
const cpu = process.cpuUsage(cpu0);
const secs = Number(process.hrtime.bigint() - t) / 1e9;
const cpuSecs = (cpu.user + cpu.system) / 1e6;
const types = Object.fromEntries([...byType.entries()].filter(([, n]) => n > 0));
console.log(JSON.stringify({ frames, igmp, badChecksum, types, seconds: secs, fps: frames / secs, cpuSeconds: cpuSecs, fpsCpu: frames / cpuSecs }));
