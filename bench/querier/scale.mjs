#!/usr/bin/env node
// Scale bench of the querier, offline on the virtual clock: one igmpkit querier and N emulated IGMPv3 hosts
// holding N x M memberships on one virtual link (QuerierLan). Two mixes in one run: "shared" (every host
// joins the same M groups: M groups, N reporters each) and "distinct" (every host its own M groups: N x M
// groups). After the join storm, R general queries; for each, every host's answer must reach the querier
// and be taken (frames heard = frames the hosts sent), and at the end the querier's groups must equal the
// union of the hosts' memberships. Reported: CPU seconds (user+system) of the whole run, the querier's share
// (wall time inside Querier.receive/advance/nextDeadline over the run's wall time) and that share of the CPU,
// peak RSS.
// Usage: npm run build && node bench/querier/scale.mjs [N=1000] [M=100] [R=3]   -> a Markdown table
// (each mix runs in its own process, so that its peak RSS is its own)
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { QuerierLan, host, macForIp = host.macForIp } = await import(join(ROOT, "dist", "index.js"));
const N = Number(process.argv[2] ?? 1000);
const M = Number(process.argv[3] ?? 100);
const R = Number(process.argv[4] ?? 3);
const QI = 60;
const QRI = 10;
const ipOf = (n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
const ipNum = (s) => s.split(".").reduce((a, p) => a * 256 + Number(p), 0) >>> 0;

function run(mix) {
  const groupOf = (i, j) => ipOf(ipNum("239.1.0.0") + (mix === "shared" ? j : i * M + j));
  const timeline = [];
  for (let i = 0; i < N; i++) for (let j = 0; j < M; j++) timeline.push({ at: 0, host: i, op: "join", group: groupOf(i, j), socket: `s${j % 10}` });
  const scenario = host.parseScenario({ seed: 1, hosts: [{ firstIp: "198.18.4.0", count: N }], timeline });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const lan = new QuerierLan({ querier: { address: "198.18.0.1", mac: macForIp("198.18.0.1"), queryInterval: QI, queryResponseInterval: QRI, startupQueryCount: 1 }, hosts: scenario }, false);
  // the querier's share: time inside its own calls
  let own = 0;
  let depth = 0;
  for (const k of ["receive", "advance", "nextDeadline"]) {
    const f = lan.querier[k].bind(lan.querier);
    lan.querier[k] = (...a) => {
      if (depth++ > 0) try { return f(...a); } finally { depth--; }
      const s = performance.now();
      try { return f(...a); } finally { depth--; own += performance.now() - s; }
    };
  }
  const perQuery = [];
  let framesSent = 0;
  let heardBefore = 0;
  let sentBefore = 0;
  const count = (fs) => { for (const f of fs) if (f.origin === "host") framesSent++; };
  // the join storm, and the startup query answered
  count(lan.run(QRI * 1000 + 1000));
  for (let r = 1; r <= R; r++) {
    heardBefore = lan.querier.counters.framesHeard;
    sentBefore = framesSent;
    count(lan.run(r * QI * 1000 + QRI * 1000 + 1000));
    const answers = framesSent - sentBefore;
    const heard = lan.querier.counters.framesHeard - heardBefore;
    perQuery.push({ answers, heard });
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  // the querier's groups vs the union of the hosts' memberships
  const want = new Set();
  for (const h of lan.emulator.hosts) for (const m of h.interfaceState("eth0")) if (m.group !== "224.0.0.1") want.add(`${m.group} ${m.mode}`);
  const got = new Set();
  for (const g of lan.querier.state.snapshotGroups()) got.add(`${g.group} ${g.filterMode}`);
  const equal = want.size === got.size && [...want].every((x) => got.has(x));
  const reports = lan.emulator.stats().total.reportsSent.v3;
  return {
    mix,
    hosts: N,
    memberships: N * M,
    groups: got.size,
    equal,
    everyAnswerTaken: perQuery.every((p) => p.answers === p.heard && p.answers >= N),
    answersPerQuery: perQuery.map((p) => p.answers).join("/"),
    reports,
    virtualSeconds: lan.time() / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    querierSeconds: own / 1000,
    wallSeconds: wall,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

// One process per mix, so that each peak RSS is its own.
const only = process.argv[5];
if (only !== undefined) {
  console.log(JSON.stringify(run(only)));
  process.exit(0);
}
const rows = ["shared", "distinct"].map((mix) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), String(N), String(M), String(R), mix], { encoding: "utf8", maxBuffer: 1 << 24 })));
console.log(`\n${N} hosts x ${M} groups, ${R} general queries after the startup query (QI ${QI} s, QRI ${QRI} s), offline\n`);
console.log("| mix | groups | memberships | v3 reports | answers per query | all taken | state = hosts' | CPU s (all) | querier share | CPU s (querier) | peak RSS MB |");
console.log("|---|---:|---:|---:|---|:-:|:-:|---:|---:|---:|---:|");
for (const r of rows)
  console.log(`| ${r.mix} | ${r.groups} | ${r.memberships} | ${r.reports} | ${r.answersPerQuery} | ${r.everyAnswerTaken ? "yes" : "NO"} | ${r.equal ? "yes" : "NO"} | ${r.cpuSeconds.toFixed(2)} | ${((100 * r.querierSeconds) / r.wallSeconds).toFixed(0)} % | ${((r.cpuSeconds * r.querierSeconds) / r.wallSeconds).toFixed(2)} | ${r.peakRssMB.toFixed(0)} |`);
if (!rows.every((r) => r.equal && r.everyAnswerTaken)) process.exitCode = 1;
