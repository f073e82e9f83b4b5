#!/usr/bin/env node
// `igmpkit report` on big captures, side by side with `igmpkit lint` on the same file in one run: two
// mixes of 100,000 groups and about 1,000,000 frames, each a LAN with one querier.
//   v3: 5,000 IGMPv3 hosts with 20 groups each, answering every general query (QQI 125 s) with one
//       report of 20 IS_EX records; a host in 50 leaves a group (TO_IN {}) and joins another each cycle.
//   v2: 100,000 groups, one IGMPv2 host each, every host answering every general query; 1 in 100 leaves
//       and is replaced (leave, group-specific queries, a new report).
// Prints the seconds of each (best of N runs, wall and CPU), their ratios, and the page size.
// Usage: node bench/report/big.mjs [runs]   (needs `npm run build`)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { openCaptureWriter, encodeIgmpFrame, v2Query, v3Query, v2Report, v3Report, leave } = await import(join(ROOT, "dist", "index.js"));
const RUNS = Number(process.argv[2] ?? 2);
const dir = mkdtempSync(join(tmpdir(), "igmpkit-report-bench-"));
const ip = (i) => `198.18.${(i >> 8) & 255}.${i & 255}`;
const grp = (i) => `239.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const QUERIER = "198.18.255.1";
const mac = "02:00:00:00:00:01";

function write(name, fill) {
  const path = join(dir, name);
  const w = openCaptureWriter(path, { linkType: 1 });
  let frames = 0;
  const put = (t, message, src) => {
    const d = encodeIgmpFrame({ message, src, macSrc: mac });
    w.write({ timestampNs: BigInt(Math.round(t * 1e6)) * 1000n, wireLength: d.length, data: d, linkType: 1 });
    frames++;
  };
  fill(put);
  w.close();
  return { path, frames };
}

function mixV3() {
  return write("v3.pcap", (put) => {
    const HOSTS = 5000;
    const PER = 20;
    const groupsOf = Array.from({ length: HOSTS }, (_, h) => Array.from({ length: PER }, (_, k) => h * PER + k));
    let next = HOSTS * PER;
    const t0 = 1_800_000_000;
    for (let cycle = 0; cycle < 198; cycle++) {
      const tq = t0 + cycle * 125;
      put(tq, v3Query({ maxRespTime: 10, qqi: 125 }), QUERIER);
      for (let h = 0; h < HOSTS; h++) {
        const t = tq + (h / HOSTS) * 9.5;
        put(t, v3Report(groupsOf[h].map((g) => ({ type: "MODE_IS_EXCLUDE", group: grp(g) }))), ip(h + 2));
        if (h % 50 === 0 && cycle > 0) {
          const old = groupsOf[h].shift();
          put(t + 0.01, v3Report([{ type: "CHANGE_TO_INCLUDE_MODE", group: grp(old) }]), ip(h + 2));
          const g = next++ % 100_000;
          groupsOf[h].push(g);
          put(t + 0.02, v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: grp(g) }]), ip(h + 2));
        }
      }
    }
  });
}

function mixV2() {
  return write("v2.pcap", (put) => {
    const G = 100_000;
    const t0 = 1_800_000_000;
    for (let cycle = 0; cycle < 10; cycle++) {
      const tq = t0 + cycle * 125;
      put(tq, v2Query({ maxRespTime: 10 }), QUERIER);
      for (let g = 0; g < G; g++) {
        const t = tq + (g / G) * 9.5;
        put(t, v2Report(grp(g)), ip((g % 60000) + 2));
        if (g % 100 === 7) {
          put(t + 0.001, leave(grp(g)), ip((g % 60000) + 2));
          put(t + 0.002, v2Query({ group: grp(g), maxRespTime: 1 }), QUERIER);
          put(t + 0.5, v2Report(grp(g)), ip((g % 60000) + 3));
        }
      }
    }
  });
}

/** Best wall seconds and best CPU seconds (user + system, GNU time) of N runs: on a shared machine CPU is the fairer figure. */
function best(args) {
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const timing = join(dir, "time.txt");
    try {
      execFileSync("/usr/bin/time", ["-o", timing, "-f", "%U %S", process.execPath, join(ROOT, "bin", "igmpkit.js"), ...args], { stdio: ["ignore", "ignore", "ignore"] });
    } catch (e) {
      if (e.status !== 1) throw e; // lint exits 1 on findings
    }
    wall = Math.min(wall, Number(process.hrtime.bigint() - t) / 1e9);
    const [u, s] = readFileSync(timing, "utf8").trim().split("\n").pop().split(" ").map(Number);
    cpu = Math.min(cpu, u + s);
  }
  return { wall, cpu };
}

try {
  console.log(`igmpkit report vs lint, best of ${RUNS}; load average ${execFileSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).split(" ").slice(0, 3).join(" ")}`);
  console.log("mix   frames     groups  lint s (cpu)    report s (cpu)  ratio wall  ratio cpu  page MB");
  for (const [name, make] of [["v3", mixV3], ["v2", mixV2]]) {
    const { path, frames } = make();
    const html = join(dir, `${name}.html`);
    const lint = best(["lint", "--json", path]);
    const report = best(["report", path, "-o", html]);
    const mb = statSync(html).size / 1e6;
    const f = (x) => `${x.wall.toFixed(2)} (${x.cpu.toFixed(2)})`.padStart(14);
    console.log(`${name.padEnd(5)} ${String(frames).padStart(7)}  ${String(100_000).padStart(8)}  ${f(lint)}  ${f(report)}  ${(report.wall / lint.wall).toFixed(2).padStart(10)}  ${(report.cpu / lint.cpu).toFixed(2).padStart(9)}  ${mb.toFixed(2).padStart(7)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
