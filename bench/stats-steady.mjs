// `stats --json` against `monitor -r --json` per frame, without what each does once: the same LAN
// (bench/make-hosts.mjs: H hosts, G groups, a general query every 10 s) captured for a short and a long
// run, so that (CPU of the long file - CPU of the short one) / (frames more) is the cost of a frame once
// both are warm, with the start (Node, compiling), the end (`stats`' per-host percentiles and JSON, the
// monitor's snapshot) and the first sight of every group and host taken out. CPU is user + system
// seconds; commands and files take turns for R rounds and the medians are used (the minimums are shown
// beside them: this machine's CPU time moves by a third from run to run).
// Usage: npm run build && node bench/stats-steady.mjs [short=1000000] [long=4000000] [hosts=1000] [G,G=100] [R=5]
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { measure } from "./measure.mjs";

const SHORT = Number(process.argv[2] ?? 1_000_000);
const LONG = Number(process.argv[3] ?? 4_000_000);
const H = Number(process.argv[4] ?? 1000);
const GS = (process.argv[5] ?? "100").split(",").map(Number);
const R = Number(process.argv[6] ?? 5);
if (!(LONG > SHORT)) throw new Error(`the long capture (${LONG} frames) must be longer than the short one (${SHORT})`);
mkdirSync("bench/out", { recursive: true });

const fileOf = (n, g) => `bench/out/hosts-${n}-${H}x${g}.pcap`;
for (const g of GS) for (const n of [SHORT, LONG]) if (!existsSync(fileOf(n, g))) execFileSync("node", ["bench/make-hosts.mjs", fileOf(n, g), String(n), String(H), String(g)], { stdio: "inherit" });

function cpu(args) {
  const r = measure(args);
  if (r.status !== 0) throw new Error(`igmpkit ${args.join(" ")}: exit ${r.status}: ${r.stderr.slice(-500)}`);
  return r.cpu;
}

const commands = [
  ["stats --json", (f) => ["stats", "--json", f]],
  ["monitor -r --json", (f) => ["monitor", "-r", f, "--json"]],
];
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)];
const min = (a) => Math.min(...a);
const f2 = (x) => x.toFixed(2);

console.log(`| groups | command | CPU s, ${SHORT.toLocaleString("en")} frames (median / min) | CPU s, ${LONG.toLocaleString("en")} frames (median / min) | µs per frame, warm |`);
console.log("|---:|---|---:|---:|---:|");
for (const g of GS) {
  const t = commands.map(() => ({ short: [], long: [] }));
  for (let i = 0; i < R; i++)
    commands.forEach(([, args], c) => {
      t[c].short.push(cpu(args(fileOf(SHORT, g))));
      t[c].long.push(cpu(args(fileOf(LONG, g))));
    });
  const perFrame = t.map((x) => ((median(x.long) - median(x.short)) / (LONG - SHORT)) * 1e6);
  commands.forEach(([name], c) => {
    const x = t[c];
    console.log(`| ${g.toLocaleString("en")} | ${name} | ${f2(median(x.short))} / ${f2(min(x.short))} | ${f2(median(x.long))} / ${f2(min(x.long))} | ${perFrame[c].toFixed(3)} |`);
  });
  const whole = median(t[0].short) / median(t[1].short);
  // (the machine's noise can make a long file's median no dearer than the short one's: no ratio then)
  const warm = perFrame.every((x) => x > 0) ? `${f2(perFrame[0] / perFrame[1])}× per frame once warm` : "no per-frame ratio: a long file took no more CPU than its short one (too few frames or rounds to tell)";
  console.log(`\n${g.toLocaleString("en")} groups: stats / monitor ${f2(whole)}× on ${SHORT.toLocaleString("en")} frames, ${f2(median(t[0].long) / median(t[1].long))}× on ${LONG.toLocaleString("en")}, ${warm}\n`);
}
