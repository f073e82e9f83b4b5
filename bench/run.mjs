// Decode benchmark, side by side in one run: igmpkit decode --json, igmpkit decode (text), tcpdump -nv,
// tshark -T json (on a 100k-frame cut), and the library loop alone. Frames per second and peak RSS
// (GNU time's "Maximum resident set size"). Usage: npm run build && node bench/run.mjs [frames]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";

const N = Number(process.argv[2] ?? 1_000_000);
mkdirSync("bench/out", { recursive: true });
const big = `bench/out/mixed-${N}.pcap`;
const cut = "bench/out/mixed-100k.pcap";
if (!existsSync(big)) execFileSync("node", ["bench/make-mixed.mjs", big, String(N)], { stdio: "inherit" });
if (!existsSync(cut)) execFileSync("node", ["bench/make-mixed.mjs", cut, "100000"], { stdio: "inherit" });

function measure(name, file, frames, cmd, args, inProcess = false) {
  const r = spawnSync("/usr/bin/time", ["-v", cmd, ...args], { stdio: ["ignore", inProcess ? "pipe" : "ignore", "pipe"], maxBuffer: 1 << 26 });
  const err = r.stderr.toString();
  const wall = err.match(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/);
  const secs = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  const rss = Number(err.match(/Maximum resident set size \(kbytes\): (\d+)/)?.[1] ?? NaN) / 1024;
  // the library loop reports its own time (without Node's start-up), as a library user would see it
  const own = inProcess ? JSON.parse(r.stdout.toString()).seconds : secs;
  return { name, file, frames, seconds: own, fps: frames / own, peakMB: rss, status: r.status };
}

const rows = [
  measure("igmpkit decode --json", big, N, "bin/igmpkit.js", ["decode", "--json", big]),
  measure("igmpkit decode (text)", big, N, "bin/igmpkit.js", ["decode", big]),
  measure("tcpdump -nv -r", big, N, "tcpdump", ["-nv", "-r", big]),
  measure("tshark -T json -r (100k cut)", cut, 100_000, "tshark", ["-T", "json", "-r", cut]),
  measure("library loop (scan + FrameView check, in-process time)", big, N, "node", ["bench/library-loop.mjs", big], true),
];
const tcpdump = rows[2].fps;
console.log(`\nfile: ${big} (${(statSync(big).size / 1e6).toFixed(0)} MB, ${N} frames)\n`);
console.log("| run | frames | seconds | frames/s | vs tcpdump -nv | peak RSS MB |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of rows)
  console.log(`| ${r.name} | ${r.frames} | ${r.seconds.toFixed(2)} | ${Math.round(r.fps).toLocaleString("en")} | ${(r.fps / tcpdump).toFixed(2)}× | ${r.peakMB.toFixed(0)} |`);
