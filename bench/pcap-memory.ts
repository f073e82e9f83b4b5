/**
 * Constant memory: write a ~200 MB pcap to the temp dir with openCaptureWriter, stream it back with
 * readCaptureFile, and check RSS growth stays small (the file is never held in memory). Deleted afterwards.
 * Run: npx esbuild bench/pcap-memory.ts --bundle --platform=node --format=esm --outfile=/tmp/pcap-memory.mjs && node /tmp/pcap-memory.mjs
 * Exit code 1 if RSS grows by more than LIMIT_MB while reading.
 */
import { rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openCaptureWriter, readCaptureFile } from "../src/capture/file.js";

const TARGET = Number(process.env.IGMPKIT_MEM_MB ?? 200) * 1024 * 1024;
const LIMIT_MB = 64;
const path = join(tmpdir(), `igmpkit-mem-${process.pid}.pcap`);
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

try {
  const data = new Uint8Array(200).map((_, i) => i);
  const w = openCaptureWriter(path, { linkType: 1, nanosecond: true });
  let ts = 1_700_000_000_000_000_000n;
  const n = Math.ceil(TARGET / (16 + data.length));
  for (let i = 0; i < n; i++) {
    ts += 1000n;
    w.write({ timestampNs: ts, wireLength: data.length, data });
  }
  w.close();
  const size = statSync(path).size;
  globalThis.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  let frames = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for await (const f of readCaptureFile(path)) {
    frames++;
    bytes += f.data.length;
    if ((frames & 0xffff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  peak = Math.max(peak, process.memoryUsage().rss);
  const t1 = process.hrtime.bigint();
  let batched = 0;
  for await (const batch of readCaptureFile(path).batches()) {
    batched += batch.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const sb = Number(process.hrtime.bigint() - t1) / 1e9;
  if (batched !== n) throw new Error(`batches read ${batched} frames, expected ${n}`);
  const growth = peak - rss0;
  console.log(
    `file ${mb(size)} MB, ${frames} frames read in ${s.toFixed(2)} s (${(frames / s / 1e6).toFixed(2)} M frames/s, ${mb(size / s)} MB/s); ` +
      `batches() ${sb.toFixed(2)} s (${(n / sb / 1e6).toFixed(2)} M frames/s); ` +
      `RSS before ${mb(rss0)} MB, peak ${mb(peak)} MB, growth ${mb(growth)} MB (limit ${LIMIT_MB} MB)`,
  );
  if (frames !== n || bytes !== n * data.length) throw new Error(`read ${frames} frames, expected ${n}`);
  if (growth > LIMIT_MB * 1024 * 1024) {
    console.error("FAIL: memory grows with the file");
    process.exitCode = 1;
  }
} finally {
  rmSync(path, { force: true });
}
