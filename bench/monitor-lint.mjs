// monitor, lint and stats against decode, side by side in one run, on captures of H hosts and G groups (IGMPv3
// reports, a general query every 10 s; bench/make-hosts.mjs) for several G: wall and CPU seconds (user +
// system: steadier than wall time on a shared machine), the CPU ratio to `decode --json` on the same file,
// the CPU ratio to the same command on the smallest G, and peak RSS (GNU time's maximum resident set size).
// Each command runs R times per file, every file and command taking turns round-robin, and the run with the
// median CPU time is reported (one run on a shared machine can be 30 % off either way). A G written with an "s" (100000s) is
// the same shape with the groups in a shuffled order (bench/make-hosts.mjs's "shuffled"): what the
// monitor's table gains from groups refreshed in address order shows against the plain G.
// MIXES (bench/make-mixed.mjs's mixes, e.g. mixed,v3) adds rows for those captures of the same frame count:
// many queriers, every message kind and record type, leaves and source changes, which the hosts' captures
// do not have; their "vs same run" column is empty.
// Beside `stats`, its peer: tshark's per-address statistics of the same file (below), where tshark is installed.
// Usage: npm run build && node bench/monitor-lint.mjs [frames] [hosts] [G,G,...] [R=3] [MIXES]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { measure } from "./measure.mjs";

const N = Number(process.argv[2] ?? 1_000_000);
const H = Number(process.argv[3] ?? 1000);
const GS = (process.argv[4] ?? "100,10000,100000").split(",").map((g) => ({ n: Number(g.replace(/s$/, "")), shuffled: g.endsWith("s") }));
const R = Number(process.argv[5] ?? 3);
const MIXES = (process.argv[6] ?? "").split(",").filter((m) => m !== "");
mkdirSync("bench/out", { recursive: true });

const runs = [
  ["decode --json", (f) => ["decode", "--json", f]],
  ["monitor -r --json", (f) => ["monitor", "-r", f, "--json"]],
  ["lint", (f) => ["lint", f]],
  ["stats --json", (f) => ["stats", "--json", f]],
];
const rows = [];
const base = {};
const label = (G) => G.mix ?? `${G.n.toLocaleString("en")}${G.shuffled ? " shuffled" : ""}`;
const fileOf = (G) => (G.mix ? `bench/out/${G.mix}-${N}.pcap` : `bench/out/hosts-${N}-${H}x${G.n}${G.shuffled ? "-shuffled" : ""}.pcap`);
for (const G of GS) {
  const file = fileOf(G);
  if (!existsSync(file)) execFileSync("node", ["bench/make-hosts.mjs", file, String(N), String(H), String(G.n), G.shuffled ? "shuffled" : "sequential"], { stdio: "inherit" });
}
for (const mix of MIXES) {
  const G = { mix };
  if (!existsSync(fileOf(G))) execFileSync("node", ["bench/make-mixed.mjs", fileOf(G), String(N), mix], { stdio: "inherit" });
  GS.push(G);
}
// Round-robin over every file and command, R rounds: a machine that speeds up or slows down during the
// bench (other jobs beside) then shifts every file's runs alike, not one group count's.
const all = GS.map(() => Object.fromEntries(runs.map(([name]) => [name, []])));
for (let i = 0; i < R; i++) GS.forEach((G, g) => runs.forEach(([name, args]) => all[g][name].push(measure(args(fileOf(G))))));
GS.forEach((G, g) => {
  const res = {};
  for (const [name] of runs) res[name] = all[g][name].sort((a, b) => a.cpu - b.cpu)[Math.floor((R - 1) / 2)];
  for (const [name] of runs) {
    const r = res[name];
    base[name] ??= r.cpu;
    rows.push({ G, name, ...r, vsDecode: r.cpu / res["decode --json"].cpu, vsSmallest: G.mix ? null : r.cpu / base[name], size: statSync(fileOf(G)).size });
  }
});
// The peer for `stats`: tshark's nearest statistics, IGMP packets counted per source and per destination
// address (`-z ip_srcdst,tree,igmp`; tshark has no IGMP statistics of its own, none per group record or
// response delay), run once per file after the rounds (tshark is slow and steady). Skipped without tshark.
const peer = ["-q", "-z", "ip_srcdst,tree,igmp", "-r"];
const hasTshark = spawnSync("tshark", ["-v"], { stdio: "ignore" }).status === 0;
const peers = hasTshark ? GS.map((G) => measure([...peer, fileOf(G)], "tshark")) : [];
console.log(`\n${N} frames, ${H} hosts; groups as listed (files ${(rows[0].size / 1e6).toFixed(0)} MB); the median of ${R} runs\n`);
console.log("| groups | run | wall s | CPU s | CPU vs decode --json | CPU vs same run, " + label(GS[0]) + " groups | peak RSS MB | exit |");
console.log("|---:|---|---:|---:|---:|---:|---:|---:|");
for (const r of rows)
  console.log(`| ${label(r.G)} | ${r.name} | ${r.secs.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.vsDecode.toFixed(2)}× | ${r.vsSmallest === null ? "" : `${r.vsSmallest.toFixed(2)}×`} | ${r.rss.toFixed(0)} | ${r.status} |`);
if (hasTshark) {
  console.log(`\n\`stats --json\` beside tshark ${peer.join(" ")} FILE (once per file; CPU s, the stats run above)\n`);
  console.log("| groups | stats --json CPU s | tshark CPU s | tshark / stats | stats RSS MB | tshark RSS MB | tshark exit |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  GS.forEach((G, g) => {
    const st = rows.find((r) => r.G === G && r.name === "stats --json");
    const t = peers[g];
    console.log(`| ${label(G)} | ${st.cpu.toFixed(2)} | ${t.cpu.toFixed(2)} | ${(t.cpu / st.cpu).toFixed(1)}× | ${st.rss.toFixed(0)} | ${t.rss.toFixed(0)} | ${t.status} |`);
  });
} else console.log("\n(tshark not found: no peer rows for stats)");
