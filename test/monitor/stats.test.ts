/**
 * `igmpkit stats` on every shipped fixture, its counts checked against tshark's fields of the same file
 * (reports by version, records by type, leaves, members, queries by kind, query intervals, Max Resp
 * Times), and the response delays against the query-to-answer times read from tshark's frame times.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { describeLive } from "../lab/gate.js";
import { cli } from "../cli/helpers.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIXTURES = join(__dirname, "..", "..", "fixtures");
const files = readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?$/.test(f));

interface Row {
  frame: number;
  timeMs: number;
  src: string;
  type: number;
  version: number;
  groups: string[];
  recordTypes: number[];
  numSrc: number[];
  maxResp: number;
}

/** tshark's view of every IGMP frame (fields, one row per frame). */
function tsharkRows(path: string): Row[] {
  const out = execFileSync(
    "tshark",
    ["-r", path, "-Y", "igmp", "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch", "-e", "ip.src", "-e", "igmp.type", "-e", "igmp.version", "-e", "igmp.maddr", "-e", "igmp.record_type", "-e", "igmp.num_src", "-e", "igmp.max_resp", "-E", "aggregator=;"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  const list = (s: string | undefined) => (s ? s.split(";") : []);
  return out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [frame, time, src, type, version, maddr, rt, ns, mr] = l.split("\t");
      const [sec = "0", frac = "0"] = time!.split(".");
      return {
        frame: Number(frame),
        timeMs: Number(sec) * 1000 + Number(frac.padEnd(9, "0")) / 1e6,
        src: src!.split(";").at(-1)!,
        type: Number(type),
        version: Number(version),
        groups: list(maddr),
        recordTypes: list(rt).map(Number),
        numSrc: list(ns).map(Number),
        maxResp: Number(mr || 0),
      };
    });
}

const RECORD = ["", "MODE_IS_INCLUDE", "MODE_IS_EXCLUDE", "CHANGE_TO_INCLUDE_MODE", "CHANGE_TO_EXCLUDE_MODE", "ALLOW_NEW_SOURCES", "BLOCK_OLD_SOURCES"];

/** Per group and per host counts from tshark's rows. */
function expectedCounts(rows: Row[]) {
  const groups = new Map<string, { v1: number; v2: number; v3: number; records: Record<string, number>; leaves: number; members: Set<string>; queries: number }>();
  const hosts = new Map<string, { v1: number; v2: number; v3: number; leaves: number; groups: Set<string> }>();
  const queriers = new Map<string, { g: number[]; gs: number; gss: number; generalTimes: number[]; maxResp: Record<string, number> }>();
  const g = (a: string) => groups.get(a) ?? groups.set(a, { v1: 0, v2: 0, v3: 0, records: {}, leaves: 0, members: new Set(), queries: 0 }).get(a)!;
  const h = (a: string) => hosts.get(a) ?? hosts.set(a, { v1: 0, v2: 0, v3: 0, leaves: 0, groups: new Set() }).get(a)!;
  const q = (a: string) => queriers.get(a) ?? queriers.set(a, { g: [0, 0, 0, 0], gs: 0, gss: 0, generalTimes: [], maxResp: {} }).get(a)!;
  for (const r of rows) {
    if (r.type === 0x12 || r.type === 0x16) {
      const v = r.type === 0x12 ? "v1" : "v2";
      g(r.groups[0]!)[v]++;
      g(r.groups[0]!).members.add(r.src);
      h(r.src)[v]++;
      h(r.src).groups.add(r.groups[0]!);
    } else if (r.type === 0x17) {
      g(r.groups[0]!).leaves++;
      h(r.src).leaves++;
    } else if (r.type === 0x22) {
      h(r.src).v3++;
      r.groups.forEach((grp, i) => {
        const x = g(grp);
        x.v3++;
        const k = RECORD[r.recordTypes[i]!]!;
        x.records[k] = (x.records[k] ?? 0) + 1;
        x.members.add(r.src);
        h(r.src).groups.add(grp);
      });
    } else if (r.type === 0x11) {
      const x = q(r.src);
      // tshark: v1 query max_resp 0; v2 in 0.1 s; v3 shows the Max Resp Code's value in 0.1 s
      const mrs = r.version === 1 ? 10 : r.maxResp / 10;
      x.maxResp[String(mrs)] = (x.maxResp[String(mrs)] ?? 0) + 1;
      if (r.groups[0] === "0.0.0.0") {
        x.g[r.version]!++;
        x.generalTimes.push(r.timeMs);
      } else if ((r.numSrc[0] ?? 0) > 0) {
        x.gss++;
        g(r.groups[0]!).queries++;
      } else {
        x.gs++;
        g(r.groups[0]!).queries++;
      }
    }
  }
  return { groups, hosts, queriers };
}

const sec = (ms: number) => Math.round(ms) / 1000;

describeLive("igmpkit stats against tshark (fixtures)", ["tshark"], () => {
  for (const file of files) {
    it(`${file}: per group, host and querier counts agree with tshark's fields`, async () => {
      const path = join(FIXTURES, file);
      const r = await cli(["stats", "--json", path]);
      expect(r.code).toBe(0);
      const st = JSON.parse(r.stdout) as Json;
      const rows = tsharkRows(path);
      const want = expectedCounts(rows);
      expect(st.complete).toBe(true);
      expect(st.messages).toBe(rows.length);

      expect(new Set(st.groups.map((x: Json) => x.group))).toEqual(new Set(want.groups.keys()));
      for (const grp of st.groups as Json[]) {
        const w = want.groups.get(grp.group)!;
        expect({ group: grp.group, reports: grp.reports, records: grp.records, leaves: grp.leaveMessages, members: grp.membersSeen, queries: grp.groupQueries }).toEqual({
          group: grp.group,
          reports: { v1: w.v1, v2: w.v2, v3: w.v3 },
          records: w.records,
          leaves: w.leaves,
          members: w.members.size,
          queries: w.queries,
        });
      }
      // busiest first
      const act = (x: Json) => x.reports.v1 + x.reports.v2 + x.reports.v3 + x.leaveMessages + x.groupQueries;
      for (let i = 1; i < st.groups.length; i++) expect(act(st.groups[i - 1])).toBeGreaterThanOrEqual(act(st.groups[i]));

      expect(new Set(st.hosts.map((x: Json) => x.host))).toEqual(new Set(want.hosts.keys()));
      for (const host of st.hosts as Json[]) {
        const w = want.hosts.get(host.host)!;
        expect({ host: host.host, reports: host.reports, leaves: host.leaveMessages, groups: host.groups }).toEqual({ host: host.host, reports: { v1: w.v1, v2: w.v2, v3: w.v3 }, leaves: w.leaves, groups: w.groups.size });
      }

      expect(new Set(st.queriers.map((x: Json) => x.querier))).toEqual(new Set(want.queriers.keys()));
      for (const q of st.queriers as Json[]) {
        const w = want.queriers.get(q.querier)!;
        expect(q.queries).toEqual({ generalV1: w.g[1], generalV2: w.g[2], generalV3: w.g[3], groupSpecific: w.gs, groupAndSourceSpecific: w.gss });
        expect(q.maxRespTime).toEqual(w.maxResp);
        const iv = w.generalTimes.slice(1).map((t, i) => t - w.generalTimes[i]!);
        const sorted = [...iv].sort((a, b) => a - b);
        expect(q.interval).toEqual(
          iv.length === 0 ? { count: 0, min: null, median: null, max: null } : { count: iv.length, min: sec(sorted[0]!), median: sec(sorted[Math.ceil(sorted.length / 2) - 1]!), max: sec(sorted.at(-1)!) },
        );
      }
    });
  }

  it("response delays: the v2 host's answer 0.104 s after the general query (tshark frames 5 and 6), none late", async () => {
    const path = join(FIXTURES, "kernel-igmpv2-host.pcap");
    const rows = tsharkRows(path);
    const query = rows.find((r) => r.type === 0x11 && r.groups[0] === "0.0.0.0")!;
    const answer = rows.find((r) => r.frame > query.frame && r.type === 0x16)!;
    const st = JSON.parse((await cli(["stats", "--json", path])).stdout) as Json;
    expect(st.responseDelays.general).toMatchObject({ count: 1, p50: sec(answer.timeMs - query.timeMs), max: sec(answer.timeMs - query.timeMs), late: 0 });
    expect(st.hosts[0].responses).toMatchObject({ count: 1, late: 0 });
  });
});

it("stats: tables on a terminal, JSON otherwise; a file cut short gives what came before and exit 1", async () => {
  const path = join(FIXTURES, "frr-pimd-igmpv3.pcap");
  const tty = await cli(["stats", path], { stdoutIsTTY: true });
  expect(tty.code).toBe(0);
  expect(tty.stdout).toMatch(/^QUERIERS \(1\)$/m);
  expect(tty.stdout).toMatch(/^198\.18\.15\.1 +0\/0\/1 +8 +6 /m);
  expect(tty.stdout).toMatch(/^GROUPS \(6, busiest first\)$/m);
  const piped = await cli(["stats", path]);
  expect(JSON.parse(piped.stdout).groups).toHaveLength(6);
  const missing = await cli(["stats", join(FIXTURES, "nosuch.pcap")]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("no such file");
  // cut in the middle of frame 20 (of 33): the first 19 are counted, the output says it is incomplete
  const dir = mkdtempSync(join(tmpdir(), "igmpkit-stats-"));
  try {
    const whole = readFileSync(path);
    let off = 24;
    for (let i = 0; i < 19; i++) off += 16 + whole.readUInt32LE(off + 8);
    const cut = join(dir, "cut.pcap");
    writeFileSync(cut, whole.subarray(0, off + 20));
    const r = await cli(["stats", "--json", cut]);
    expect(r.code).toBe(1);
    const st = JSON.parse(r.stdout) as Json;
    expect(st).toMatchObject({ complete: false, frames: 19, messages: 19 });
    expect(st.error).toMatch(/offset/);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ file: cut });
    const text = await cli(["stats", "--text", cut]);
    expect(text.stdout).toMatch(/^INCOMPLETE: /m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
