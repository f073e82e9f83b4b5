// Decode benchmark, side by side in one run, on several mixes of frames (bench/make-mixed.mjs):
// igmpkit decode --json, igmpkit decode (text), tcpdump -nv, a filter expression and -tttt beside tcpdump
// doing the same, and the library loop alone on each mix;
// tshark -T json on a 100k-frame cut of the first. Frames per second and peak RSS (GNU time's
// "Maximum resident set size"), wall and CPU seconds (user + system: steadier than wall time when other jobs
// share the machine), ratios to tcpdump -nv by both. Each run is made RUNS times (default 3), the rows of a mix
// taking turns, and the run with the least CPU time is kept (another job on the machine only adds time).
// Usage: npm run build && node bench/run.mjs [frames per mix] [mix,...] [runs]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";

const N = Number(process.argv[2] ?? 1_000_000);
/** The filter of the filter rows: half the hosts of every mix (addresses 198.18.0.0 - 198.18.0.127 and so on). */
const FILTER = "igmp and not net 198.18.0.128/25";
/** On tagged frames tcpdump needs `vlan and` first (igmpkit does not, but is given the same words). */
const filter = (mix) => (mix === "vlan" ? `vlan and ${FILTER}` : FILTER);
const MIXES = (process.argv[3] ?? "mixed,v1v2,v3,vlan,cooked").split(",");
const RUNS = Number(process.argv[4] ?? 3);
mkdirSync("bench/out", { recursive: true });
const fileFor = (mix, n) => `bench/out/${mix}-${n}.pcap`;
for (const mix of MIXES) if (!existsSync(fileFor(mix, N))) execFileSync("node", ["bench/make-mixed.mjs", fileFor(mix, N), String(N), mix], { stdio: "inherit" });
const cut = fileFor("mixed", 100_000);
if (!existsSync(cut)) execFileSync("node", ["bench/make-mixed.mjs", cut, "100000", "mixed"], { stdio: "inherit" });

function measure(name, frames, cmd, args, inProcess = false) {
  const r = spawnSync("/usr/bin/time", ["-v", cmd, ...args], { stdio: ["ignore", inProcess ? "pipe" : "ignore", "pipe"], maxBuffer: 1 << 26 });
  const err = r.stderr.toString();
  const wall = err.match(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/);
  const secs = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  const rss = Number(err.match(/Maximum resident set size \(kbytes\): (\d+)/)?.[1] ?? NaN) / 1024;
  const cpu = Number(err.match(/User time \(seconds\): ([\d.]+)/)?.[1] ?? NaN) + Number(err.match(/System time \(seconds\): ([\d.]+)/)?.[1] ?? NaN);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${err.slice(-500)}`);
  // the library loop reports its own times (without Node's start-up), as a library user would see them
  const own = inProcess ? JSON.parse(r.stdout.toString()) : { seconds: secs, cpuSeconds: cpu };
  return { name, frames, seconds: own.seconds, fps: frames / own.seconds, cpu: own.cpuSeconds, fpsCpu: frames / own.cpuSeconds, peakMB: rss };
}

for (const mix of MIXES) {
  const f = fileFor(mix, N);
  /** [name, frames, command, arguments, in-process] of each row, in the table's order. */
  const specs = [
    ["igmpkit decode --json", N, "bin/igmpkit.js", ["decode", "--json", f]],
    ["igmpkit decode (text)", N, "bin/igmpkit.js", ["decode", f]],
    ["tcpdump -nv -r", N, "tcpdump", ["-nv", "-r", f]],
    // tcpdump's habits: a filter expression (igmpkit's own evaluator) and -tttt, beside tcpdump doing the same
    [`igmpkit decode '${filter(mix)}'`, N, "bin/igmpkit.js", ["decode", f, filter(mix)]],
    [`tcpdump -n -r '${filter(mix)}'`, N, "tcpdump", ["-n", "-r", f, filter(mix)]],
    ["igmpkit decode -tttt", N, "bin/igmpkit.js", ["decode", "-tttt", f]],
    ["tcpdump -n -tttt -r", N, "tcpdump", ["-n", "-tttt", "-r", f]],
    ["library loop (scan + FrameView, in-process time)", N, "node", ["bench/library-loop.mjs", f], true],
    // the same loop once the JIT has compiled it: the file in memory, the best of 5 passes
    ["library loop, warm (file in memory, best of 5 passes)", N, "node", ["bench/library-loop.mjs", f, "--warm", "5"], true],
  ];
  if (mix === MIXES[0]) specs.splice(7, 0, ["tshark -T json -r (100k cut)", 100_000, "tshark", ["-T", "json", "-r", cut]]);
  const rows = specs.map(() => undefined);
  for (let k = 0; k < RUNS; k++)
    specs.forEach((spec, i) => {
      // tshark is slow and steady: once is enough
      if (k > 0 && spec[2] === "tshark") return;
      const r = measure(...spec);
      if (rows[i] === undefined || r.cpu < rows[i].cpu) rows[i] = r;
    });
  const tcpdump = rows[2];
  console.log(`\n### ${mix}: ${f} (${(statSync(f).size / 1e6).toFixed(0)} MB, ${N} frames; least CPU of ${RUNS} runs)\n`);
  console.log("| run | frames | wall s | frames/s | vs tcpdump -nv | CPU s | frames/CPU s | vs tcpdump -nv (CPU) | peak RSS MB |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  const n = (x) => Math.round(x).toLocaleString("en");
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.frames} | ${r.seconds.toFixed(2)} | ${n(r.fps)} | ${(r.fps / tcpdump.fps).toFixed(2)}× | ${r.cpu.toFixed(2)} | ${n(r.fpsCpu)} | ${(r.fpsCpu / tcpdump.fpsCpu).toFixed(2)}× | ${r.peakMB.toFixed(0)} |`,
    );
}
