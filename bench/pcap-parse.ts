/**
 * Parser throughput: frames/s of CaptureParser on small (60-byte) frames held in memory, pushed in
 * 64 KiB chunks, for pcap µs, pcap ns and pcapng (µs and ns).
 * Run: npx esbuild bench/pcap-parse.ts --bundle --platform=node --format=esm --outfile=/tmp/pcap-parse.mjs && node /tmp/pcap-parse.mjs
 */
import { CaptureParser, PcapWriter, PcapngWriter } from "../src/pcap/index.js";

const N = 2_000_000;
const CHUNK = 64 * 1024;

function build(kind: "pcap" | "pcap-ns" | "pcapng" | "pcapng-ns"): Uint8Array {
  const ns = kind.endsWith("-ns");
  const w = kind.startsWith("pcapng")
    ? new PcapngWriter({ nanosecond: ns, interfaces: [{ linkType: 1, name: "eth0" }] })
    : new PcapWriter({ linkType: 1, nanosecond: ns });
  const data = new Uint8Array(60).map((_, i) => i);
  const frame = { timestampNs: 1_700_000_000_000_000_000n, wireLength: 60, data };
  const one = w.recordLength(frame);
  const header = w.header();
  const out = new Uint8Array(header.length + one * N);
  out.set(header);
  let o = header.length;
  for (let i = 0; i < N; i++) {
    frame.timestampNs += 1_234_567n;
    o += w.emitRecord(frame, out, o);
  }
  return out;
}

function run(file: Uint8Array): { rate: number; bytes: number } {
  const t0 = process.hrtime.bigint();
  const p = new CaptureParser();
  let n = 0;
  let bytes = 0;
  for (let o = 0; o < file.length; o += CHUNK) {
    p.push(file.subarray(o, o + CHUNK));
    for (let f = p.next(); f !== undefined; f = p.next()) {
      n++;
      bytes += f.data.length;
    }
  }
  p.end();
  if (p.next() !== undefined || p.fatal || n !== N) throw new Error(`bad parse ${n} ${p.fatal?.message}`);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { rate: n / s, bytes };
}

for (const kind of ["pcap", "pcap-ns", "pcapng", "pcapng-ns"] as const) {
  const file = build(kind);
  run(file); // warm-up
  const rates: number[] = [];
  for (let i = 0; i < 3; i++) rates.push(run(file).rate);
  const best = Math.max(...rates);
  console.log(`${kind.padEnd(10)} ${(best / 1e6).toFixed(2)} M frames/s (${((best * 60) / 1e6).toFixed(0)} MB/s of packet data; runs ${rates.map((r) => (r / 1e6).toFixed(2)).join(", ")})`);
}
