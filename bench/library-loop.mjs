// The library loop alone: iterate a capture file by batch and check/classify every frame with the
// zero-copy FrameView (lengths, both checksums, v3 counts, kind), no output. Prints one JSON line.
import { readCaptureFile, FrameView, ViewStatus } from "../dist/index.js";

const path = process.argv[2];
const t = process.hrtime.bigint();
const view = new FrameView();
let frames = 0;
let igmp = 0;
let badChecksum = 0;
const byType = new Map();
for await (const batch of readCaptureFile(path).batches()) {
  for (const f of batch) {
    frames++;
    if (view.wrap(f.data, f.linkType) !== ViewStatus.igmp) continue;
    igmp++;
    if (!view.igmpChecksumValid) badChecksum++;
    byType.set(view.type, (byType.get(view.type) ?? 0) + 1);
  }
}
const secs = Number(process.hrtime.bigint() - t) / 1e9;
console.log(JSON.stringify({ frames, igmp, badChecksum, types: Object.fromEntries(byType), seconds: secs, fps: frames / secs }));
