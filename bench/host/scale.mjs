#!/usr/bin/env node
// Scale bench of the live emulator against a Linux bridge (snooping switch) and FRR pimd (IGMPv3 querier)
// in one run. N emulated hosts each join M groups of their own (N x M memberships, every one distinct), then:
//   1. every membership must be in the bridge's mdb and in pimd's table;
//   2. after one general query (Max Resp Time MRT), every host's report must reach the querier (captured on
//      the router's interface) within MRT, naming all its M groups; CPU of the emulator (main process and
//      capture agent) and of pimd over that window;
//   3. RFC 3918 §6.1 join delay and §6.2 leave delay of the bridge, measured with the emulator: a source
//      sends to K test groups, one emulated host joins and later leaves them; tcpdump on the host's link
//      gives report -> first datagram (join delay) and leave -> last datagram (leave delay).
// Needs root, tcpdump, python3, frr, a built package (npm run build).
// Usage: node bench/host/scale.mjs N M [mrtSeconds=10] [ppsLimit=20000]   -> one JSON line on stdout
import { execFile, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { host, openLiveCapture, readCaptureFile, decodeFrame } = await import(join(ROOT, "dist", "index.js"));
const N = Number(process.argv[2] ?? 1000);
const M = Number(process.argv[3] ?? 100);
const MRT = Number(process.argv[4] ?? 10);
const PPS = Number(process.argv[5] ?? 20000);
const QI = Math.max(MRT + 5, 20); // pimd query interval, s
const K = 5; // join/leave delay test groups
const id = `ikx${process.pid % 100000}`;
const NS = { h: `${id}-h`, sw: `${id}-sw`, rt: `${id}-rt`, s: `${id}-s` };
const dir = mkdtempSync(join(tmpdir(), `${id}-`));
const pathspace = `${id}f`;
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30, ...opts });
const nsx = (ns, cmd, args, opts) => sh("ip", ["netns", "exec", ns, cmd, ...args], opts);
/** Asynchronous, so that the emulator's event loop keeps running while a table is read. */
const nsxa = (ns, cmd, args) =>
  new Promise((resolve, reject) =>
    execFile("ip", ["netns", "exec", ns, cmd, ...args], { encoding: "utf8", maxBuffer: 1 << 30, timeout: 120_000 }, (e, out, err) => (e ? reject(Object.assign(e, { stderr: err })) : resolve(out))),
  );
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const CLK_TCK = 100;
const procs = [];

function cleanup() {
  for (const p of procs) try { p.kill("SIGKILL"); } catch {}
  for (const f of ["pimd", "zebra"]) {
    try { process.kill(Number(readFileSync(join(dir, `${f}.pid`), "utf8")), "SIGKILL"); } catch {}
  }
  for (const ns of Object.values(NS)) {
    try { for (const pid of sh("ip", ["netns", "pids", ns]).split(/\s+/).filter(Boolean)) process.kill(Number(pid), "SIGKILL"); } catch {}
    try { sh("ip", ["netns", "del", ns]); } catch {}
  }
  rmSync(`/var/run/frr/${pathspace}`, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}
process.on("SIGINT", () => { cleanup(); process.exit(130); });

const ipOf = (n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
const ipNum = (s) => s.split(".").reduce((a, p) => a * 256 + Number(p), 0) >>> 0;
/** Host i's j-th group: 239.x.y.z from i*M+j (distinct for up to 16M memberships), never 239.255/16. */
const groupOf = (i, j) => ipOf((ipNum("239.0.0.0") + 256 + i * M + j) >>> 0);
const FIRST_HOST = ipNum("198.18.1.0");
const testGroup = (k) => `232.255.0.${k + 1}`; // SSM test groups for the delay phase (source-specific joins)

function cpuOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch { return NaN; }
}
const nsPids = (ns) => { try { return sh("ip", ["netns", "pids", ns]).split(/\s+/).filter(Boolean).map(Number); } catch { return []; } };

async function tcpdump(ns, ifname, filter, file) {
  const p = spawn("ip", ["netns", "exec", ns, "tcpdump", "-i", ifname, "-w", file, "-U", "-n", "-s", "2000", "-B", "65536", filter], { stdio: ["ignore", "ignore", "pipe"] });
  procs.push(p);
  p.err = "";
  p.stderr.on("data", (d) => (p.err += d));
  p.done = new Promise((r) => p.on("close", r));
  for (let i = 0; i < 200 && !/listening on/.test(p.err); i++) await sleep(50);
  return { stop: async () => { p.kill("SIGINT"); await p.done; return p.err; } };
}

async function frames(file) {
  const out = [];
  for await (const f of readCaptureFile(file)) out.push({ t: Number(f.timestampNs) / 1e6, d: decodeFrame(f) });
  return out;
}

async function waitUntil(what, fn, timeoutMs, everyMs = 1000) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last === true) return true;
    if (Date.now() > until) { log(`gave up waiting for ${what} (last: ${JSON.stringify(last)})`); return false; }
    await sleep(everyMs);
  }
}

let emu; // { driver, cap, reading } once started: stopped before the namespaces go, also on errors
const result = { hosts: N, groupsPerHost: M, memberships: N * M, mrtSeconds: MRT, ppsLimit: PPS };
try {
  // ---------------------------------------------------------------------------------------- lab
  for (const ns of Object.values(NS)) { sh("ip", ["netns", "add", ns]); nsx(ns, "ip", ["link", "set", "lo", "up"]); }
  const link = (a, an, b, bn) => { sh("ip", ["link", "add", an, "netns", a, "type", "veth", "peer", "name", bn, "netns", b]); nsx(a, "ip", ["link", "set", an, "up"]); };
  link(NS.h, "eth0", NS.sw, "p1");
  link(NS.rt, "vr", NS.sw, "p2");
  link(NS.s, "eth0", NS.sw, "p3");
  nsx(NS.sw, "ip", ["link", "add", "br0", "type", "bridge", "mcast_snooping", "1", "mcast_querier", "0", "mcast_igmp_version", "3",
    "mcast_hash_max", String(1 << Math.max(12, Math.ceil(Math.log2(N * M * 2 + K))))])
  for (const p of ["p1", "p2", "p3"]) { nsx(NS.sw, "ip", ["link", "set", p, "master", "br0"]); nsx(NS.sw, "ip", ["link", "set", p, "up"]); }
  nsx(NS.sw, "ip", ["link", "set", "br0", "up"]);
  nsx(NS.s, "ip", ["addr", "add", "198.18.0.3/15", "dev", "eth0"]);
  nsx(NS.s, "ip", ["route", "add", "224.0.0.0/4", "dev", "eth0"]);

  // FRR: zebra + pimd, IGMPv3 querier on vr
  mkdirSync(`/var/run/frr/${pathspace}`, { recursive: true });
  sh("chown", ["frr:frr", `/var/run/frr/${pathspace}`]);
  const conf = join(dir, "frr.conf");
  writeFileSync(conf, `frr defaults traditional\nlog stdout\n!\ninterface vr\n ip address 198.18.0.1/15\n ip pim\n ip igmp\n ip igmp version 3\n ip igmp query-max-response-time ${MRT * 10}\n ip igmp query-interval ${QI}\n ip igmp last-member-query-interval 10\n ip igmp last-member-query-count 2\n!\n`);
  chmodSync(dir, 0o755); chmodSync(conf, 0o644); sh("chown", ["-R", "frr:frr", dir]);
  for (const d of ["zebra", "pimd"]) {
    nsx(NS.rt, `/usr/lib/frr/${d}`, ["-d", "-N", pathspace, "-f", conf, "-i", join(dir, `${d}.pid`), "--vty_socket", dir]);
    await sleep(1000);
  }
  const vtysh = (cmd) => nsx(NS.rt, "vtysh", ["--vty_socket", dir, "-c", cmd]);
  await waitUntil("pimd up", () => { try { return JSON.parse(vtysh("show ip igmp interface json")).vr?.state === "up"; } catch { return false; } }, 20000, 300);
  const pimdPid = Number(readFileSync(join(dir, "pimd.pid"), "utf8"));

  // ---------------------------------------------------------------------------------------- emulator
  const emulator = new host.Emulator({ hosts: N, firstIp: ipOf(FIRST_HOST), seed: 1, ppsLimit: PPS, hostOptions: { responseMarginMs: 50 } });
  const cap = await openLiveCapture("eth0", { netns: NS.h, filter: host.liveFilter(emulator.configs.map((c) => c.ip)) });
  const generalQueries = [];
  let stopping = false;
  const driver = new host.RealtimeDriver(emulator, {
    now: () => performance.now(),
    setTimer: (ms, fn) => setTimeout(fn, ms),
    clearTimer: (h) => clearTimeout(h),
    send: (b) => cap.send(b),
  }, { onError: (e) => log("error:", String(e)) });
  driver.start();
  const reading = (async () => {
    for await (const f of cap) {
      if (stopping) break;
      driver.receive(f);
      const d = decodeFrame(f);
      if (d.igmp?.kind === "query" && d.igmp.group === "0.0.0.0") generalQueries.push(performance.now());
    }
  })();
  const agentPid = nsPids(NS.h)[0];
  emu = { driver, cap, reading, stop: () => { stopping = true; } };

  // 1. joins: every host its own M groups (state-change reports, paced at PPS)
  const tJoin = performance.now();
  for (let i = 0; i < N; i++) for (let j = 0; j < M; j++) driver.op(i, { op: "join", group: groupOf(i, j), socket: `s${j >> 4}` });
  log(`${N * M} joins queued`);
  const count = {
    bridge: async () => {
      const j = JSON.parse((await nsxa(NS.sw, "bridge", ["-j", "mdb", "show", "dev", "br0"])) || "[]");
      return j.flatMap((x) => x.mdb ?? []).filter((e) => e.port === "p1" && e.grp.startsWith("239.") && !e.src).length;
    },
    frr: async () => {
      try {
        return JSON.parse(await nsxa(NS.rt, "vtysh", ["--vty_socket", dir, "-c", "show ip igmp groups json"])).totalGroups ?? 0;
      } catch (e) {
        return `vtysh failed (pimd ${cpuOf(pimdPid) >= 0 ? "alive" : "dead"}): ${String(e.stderr ?? e).trim().split("\n")[0]}`;
      }
    },
  };
  // The bridge must learn everything; pimd is given the same time and whatever it has is reported.
  let tBridge;
  const learned = await waitUntil("both tables full", async () => {
    const [b, f] = await Promise.all([count.bridge(), count.frr()]);
    if (b >= N * M && tBridge === undefined) tBridge = performance.now();
    log(`learned: bridge ${b}, pimd ${f} of ${N * M}`);
    if (b >= N * M && (f >= N * M || typeof f === "string" || performance.now() - tBridge > 30_000)) return true;
    return { bridge: b, frr: f };
  }, 180_000, 3000);
  result.bridgeFullAfterSeconds = tBridge === undefined ? null : Math.round((tBridge - tJoin) / 100) / 10;
  result.bridgeLearned = await count.bridge();
  result.pimdLearned = await count.frr();
  result.driverLagDuringJoinsMs = Math.round(driver.counters.sendLagMaxMs);
  driver.counters.sendLagMaxMs = 0;
  result.pimdFullAfterSeconds = result.pimdLearned === N * M ? Math.round((performance.now() - tJoin) / 100) / 10 : null;

  // 2. one general query: reports at the querier within MRT
  const rtcap = join(dir, "rt.pcap");
  const dump = await tcpdump(NS.rt, "vr", "igmp", rtcap);
  const gq0 = generalQueries.length;
  const cpu0 = { me: process.cpuUsage(), agent: cpuOf(agentPid), pimd: cpuOf(pimdPid), t: performance.now() };
  await waitUntil("a general query", () => generalQueries.length > gq0, (QI + 10) * 1000, 100);
  await sleep(MRT * 1000 + 3000);
  const me = process.cpuUsage(cpu0.me);
  const wall = (performance.now() - cpu0.t) / 1000;
  result.cpu = {
    windowSeconds: Math.round(wall * 10) / 10,
    emulatorMainSeconds: Math.round(((me.user + me.system) / 1e6) * 100) / 100,
    captureAgentSeconds: Math.round((cpuOf(agentPid) - cpu0.agent) * 100) / 100,
    pimdSeconds: Math.round((cpuOf(pimdPid) - cpu0.pimd) * 100) / 100,
  };
  await dump.stop();
  const fs = await frames(rtcap);
  const gq = fs.find((x) => x.d.igmp?.kind === "query" && x.d.igmp.group === "0.0.0.0" && x.d.ipSrc === "198.18.0.1");
  if (gq === undefined) throw new Error("no general query in the router's capture");
  const perHost = new Map();
  const emulated = new Set(emulator.configs.map((c) => c.ip));
  for (const x of fs) {
    if (x.t < gq.t || x.d.igmp?.kind !== "v3-report" || !emulated.has(x.d.ipSrc)) continue;
    const recs = x.d.igmp.records.filter((r) => r.kind === "MODE_IS_EXCLUDE");
    if (recs.length === 0) continue;
    let h = perHost.get(x.d.ipSrc);
    if (!h) perHost.set(x.d.ipSrc, (h = { groups: new Set(), last: 0 }));
    for (const r of recs) h.groups.add(r.group);
    h.last = Math.max(h.last, x.t - gq.t);
  }
  const delays = [...perHost.values()].map((h) => h.last).sort((a, b) => a - b);
  const complete = [...perHost.values()].filter((h) => h.groups.size === M && h.last <= MRT * 1000).length;
  result.generalQuery = {
    hostsAnswered: perHost.size,
    hostsCompleteWithinMrt: complete,
    allWithinMrt: complete === N,
    lastReportMs: Math.round(delays[delays.length - 1] ?? NaN),
    medianReportMs: Math.round(delays[delays.length >> 1] ?? NaN),
    reportsCaptured: fs.filter((x) => x.t >= gq.t && x.d.igmp?.kind === "v3-report" && emulated.has(x.d.ipSrc)).length,
  };
  result.driver = { sendLagMaxMsDuringQuery: Math.round(driver.counters.sendLagMaxMs), sendErrors: driver.counters.sendErrors, framesSent: driver.counters.framesSent };
  result.ok = learned && result.bridgeLearned === N * M && complete === N;

  // 3. RFC 3918 join and leave delay of the bridge. No flooding of unregistered multicast to the hosts'
  // port from here on (it also stops pimd's queries reaching the hosts): data reaches it only after a join.
  nsx(NS.sw, "bridge", ["link", "set", "dev", "p1", "mcast_flood", "off"]);
  const hcap = join(dir, "h.pcap");
  const hd = await tcpdump(NS.h, "eth0", "igmp or udp", hcap);
  const src = spawn("ip", ["netns", "exec", NS.s, "python3", "-c", `
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 4)
gs = [${Array.from({ length: K }, (_, k) => `"${testGroup(k)}"`).join(",")}]
n = 0
while True:
    for g in gs: s.sendto(n.to_bytes(4, "big"), (g, 5001))
    n += 1
    time.sleep(0.0005)
`], { stdio: "ignore" });
  procs.push(src);
  await sleep(1000);
  for (let k = 0; k < K; k++) { driver.op(0, { op: "joinSource", group: testGroup(k), source: "198.18.0.3", socket: `t${k}` }); await sleep(300); }
  await sleep(2000);
  for (let k = 0; k < K; k++) { driver.op(0, { op: "closeSocket", socket: `t${k}` }); await sleep(300); }
  await sleep(5000);
  src.kill("SIGKILL");
  await hd.stop();
  const hf = await frames(hcap);
  const jd = [], ld = [];
  for (let k = 0; k < K; k++) {
    const g = testGroup(k);
    const rep = hf.filter((x) => x.d.igmp?.kind === "v3-report" && x.d.igmp.records.some((r) => r.group === g));
    const joinT = rep.find((x) => x.d.igmp.records.some((r) => r.group === g && r.kind === "ALLOW_NEW_SOURCES"))?.t;
    const leaveT = rep.find((x) => x.d.igmp.records.some((r) => r.group === g && r.kind === "BLOCK_OLD_SOURCES"))?.t;
    const data = hf.filter((x) => x.d.igmp === null && x.d.ipDst === g).map((x) => x.t);
    const first = data.find((t) => t >= joinT);
    const last = data.filter((t) => t >= leaveT).pop();
    if (joinT !== undefined && first !== undefined) jd.push(first - joinT);
    if (leaveT !== undefined) ld.push(last === undefined ? 0 : last - leaveT);
  }
  const stat = (a) => (a.length ? { n: a.length, minMs: +Math.min(...a).toFixed(1), meanMs: +(a.reduce((s, x) => s + x, 0) / a.length).toFixed(1), maxMs: +Math.max(...a).toFixed(1) } : null);
  result.rfc3918 = { joinDelay: stat(jd), leaveDelay: stat(ld), lastMemberQueryTimeMs: 2000 };

} catch (e) {
  result.error = String(e?.stack ?? e);
} finally {
  if (emu) {
    emu.stop();
    await emu.driver.stop("no-leave").catch(() => undefined);
    await emu.cap.stop().catch(() => undefined);
    await emu.reading.catch(() => undefined);
  }
  cleanup();
}
console.log(JSON.stringify(result));
