import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { openCaptureWriter, readCaptureFile } from "../../src/capture/file.js";
import { macForIp, parseScenario } from "../../src/host/index.js";
import { lintFrames } from "../../src/monitor/lint.js";
import type { MonitorSnapshot } from "../../src/monitor/state.js";
import { QuerierLan } from "../../src/querier/index.js";
import { decodeFrame, encodeIgmpFrame, v3Query, v3Report, type DecodedFrame } from "../../src/wire/index.js";
import { runQuerier } from "../../src/cli/querier.js";
import { captureIo, cli } from "../cli/helpers.js";
import { hasCommand } from "../lab/gate.js";
import { tsharkIgmp } from "../oracle/tshark.js";

const dir = mkdtempSync(join(tmpdir(), "igmpkit-querier-"));
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const Q = { address: "198.18.0.1", mac: macForIp("198.18.0.1"), queryInterval: 10, queryResponseInterval: 2 };

async function decodeFile(path: string): Promise<DecodedFrame[]> {
  const out: DecodedFrame[] = [];
  let i = 0;
  for await (const f of readCaptureFile(path)) out.push(decodeFrame(f, ++i));
  return out;
}

/** The hosts' merged memberships as the router should see them: group -> mode and sources. */
function hostView(lan: QuerierLan): Map<string, { mode: string; sources: string[] }> {
  const e = lan.emulator!;
  const out = new Map<string, { mode: string; sources: Set<string>; excl: Set<string>[] }>();
  for (const h of e.hosts) {
    for (const m of h.interfaceState("eth0")) {
      if (m.group === "224.0.0.1") continue;
      let g = out.get(m.group);
      if (g === undefined) out.set(m.group, (g = { mode: "include", sources: new Set(), excl: [] }));
      if (m.mode === "exclude") {
        g.mode = "exclude";
        g.excl.push(new Set(m.sources));
      } else for (const s of m.sources) g.sources.add(s);
    }
  }
  // RFC 9776 §3.2 merge across hosts: EXCLUDE if any excludes; excluded = intersection of excludes minus includes
  const res = new Map<string, { mode: string; sources: string[] }>();
  for (const [group, g] of out) {
    if (g.mode === "include") res.set(group, { mode: "include", sources: [...g.sources].sort() });
    else {
      const inter = g.excl.reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
      res.set(group, { mode: "exclude", sources: [...inter].filter((x) => !g.sources.has(x)).sort() });
    }
  }
  return res;
}

function routerView(s: MonitorSnapshot): Map<string, { mode: string; sources: string[] }> {
  // EXCLUDE mode: the router's excluded sources are the ones it does not forward
  return new Map(
    s.groups.map((g) => [g.group, { mode: g.filterMode, sources: g.sources.filter((x) => (g.filterMode === "exclude" ? !x.forwarding : true)).map((x) => x.source).sort() }]),
  );
}

const SCENARIO = {
  seed: 3,
  hosts: [{ firstIp: "198.18.0.10", count: 4 }, { ip: "198.18.0.30", version: 2 }],
  timeline: [
    { at: 0, host: "*", op: "join", group: "239.1.1.1" },
    { at: 0.5, host: [0, 1], op: "joinSource", group: "232.1.1.1", source: "198.18.5.5", socket: "s" },
    { at: 0.5, host: 2, op: "joinSource", group: "232.1.1.1", source: "198.18.5.6", socket: "s" },
    { at: 1, host: 3, op: "setSourceFilter", group: "239.2.2.2", mode: "exclude", sources: ["198.18.5.7", "198.18.5.8"], socket: "x" },
    { at: 1, host: 1, op: "setSourceFilter", group: "239.2.2.2", mode: "exclude", sources: ["198.18.5.8"], socket: "x" },
    { at: 12, host: 2, op: "closeSocket", socket: "s" },
    { at: 14, host: [0, 1, 2, 3], op: "leave", group: "239.1.1.1" },
    { at: 20, host: 3, op: "closeSocket", socket: "x" },
  ],
};

describe("QuerierLan: the querier and emulated hosts on one virtual link", () => {
  it("the querier's state equals the hosts' at every step, and leaves are honoured within the last member query time", () => {
    const lan = new QuerierLan({ querier: Q, hosts: parseScenario(SCENARIO) });
    for (const t of [5, 11, 30, 45]) {
      lan.run(t * 1000);
      expect(routerView(lan.querier.snapshot().state), `at ${t} s`).toEqual(hostView(lan));
    }
    const ev = lan.drainEvents();
    // 232.1.1.1 from 198.18.5.6: host 2 closes its socket at 12 s: BLOCK -> Q(G,S) x2 -> source gone by 12 + LMQT (2 s)
    const gone = ev.find((e) => e.type === "source-removed" && e.source === "198.18.5.6");
    expect(Number(gone!.time)).toBeGreaterThan(12);
    expect(Number(gone!.time)).toBeLessThanOrEqual(14);
    // 239.1.1.1: the v2 host 198.18.0.30 still holds it; the four v3 hosts' TO_IN bring group queries with S clear
    const gq = ev.filter((e) => e.type === "query-sent" && e.kind === "group" && e.group === "239.1.1.1");
    expect(gq.length).toBeGreaterThanOrEqual(2);
    expect(lan.querier.snapshot().state.groups.find((g) => g.group === "239.1.1.1")).toMatchObject({ filterMode: "exclude", compatMode: 2 });
  });

  it("a querier that hears a lower address in a replayed capture stops, and takes over after the Other Querier Present Interval", () => {
    const T0 = 1_700_000_000_000_000_000n;
    const low = "198.18.0.0";
    const frames = [
      { t: 0, data: encodeIgmpFrame({ message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: "239.3.3.3" }]), src: "198.18.0.40", macSrc: macForIp("198.18.0.40") }) },
      { t: 3, data: encodeIgmpFrame({ message: v3Query({ maxRespTime: 2, qqi: 10 }), src: low, macSrc: macForIp(low) }) },
    ];
    const lan = new QuerierLan({ querier: Q });
    const out = frames.flatMap((f) => lan.push({ timestampNs: T0 + BigInt(f.t * 1e9), wireLength: f.data.length, data: f.data, linkType: 1, interfaceId: 0 }));
    out.push(...lan.run(40_000));
    const ours = out.filter((f) => f.origin === "querier").map((f) => Number(f.timestampNs - T0) / 1e9);
    // startup at 0 and 2.5 s; silent from 3 s; OQPI = 2 x 10 + 2 / 2 = 21 s after the other's query: 24 s
    expect(ours).toEqual([0, 2.5, 24, 34]);
    expect(out.filter((f) => f.origin === "input")).toHaveLength(2);
    const ev = lan.drainEvents();
    expect(ev.filter((e) => e.type === "election-lost" || e.type === "election-won").map((e) => [e.type, e.time])).toEqual([
      ["election-won", "1700000000.000000000"],
      ["election-lost", "1700000003.000000000"],
      ["election-won", "1700000024.000000000"],
    ]);
    // the group, reported once in the capture, expires at GMI (22 s)
    expect(ev.find((e) => e.type === "expiry")).toMatchObject({ group: "239.3.3.3", time: "1700000022.000000000" });
  });
});

describe("igmpkit querier offline", () => {
  it("with emulated hosts: the same seed gives the same bytes, lint finds nothing, --json ends with the state", async () => {
    const scen = join(dir, "s.json");
    writeFileSync(scen, JSON.stringify({ ...SCENARIO, hosts: [{ firstIp: "198.18.0.10", count: 4 }] }));
    const args = (out: string, seed: string) => ["querier", "--scenario", scen, "--duration", "40", "--query-interval", "10", "--query-response-interval", "2", "--seed", seed, "-w", out, "--json"];
    const a = await cli(args(join(dir, "a.pcap"), "7"));
    const b = await cli(args(join(dir, "b.pcap"), "7"));
    const c = await cli(args(join(dir, "c.pcap"), "8"));
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
    expect(readFileSync(join(dir, "a.pcap")).equals(readFileSync(join(dir, "b.pcap")))).toBe(true);
    expect(readFileSync(join(dir, "a.pcap")).equals(readFileSync(join(dir, "c.pcap")))).toBe(false);
    const lines = a.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ type: "snapshot", role: "querier", address: "198.18.0.1", querierFrames: expect.any(Number) });
    expect(lines.filter((l) => l.type === "query-sent").length).toBe(last.querierFrames);
    const frames = await decodeFile(join(dir, "a.pcap"));
    expect(lintFrames(frames)).toEqual([]);
    // the general queries: 0, 2.5 (startup), then every 10 s
    const t0 = Number(frames[0]!.time);
    const general = frames.filter((f) => f.igmp?.kind === "query" && f.igmp.group === "0.0.0.0").map((f) => Math.round((Number(f.time) - t0) * 1000) / 1000);
    expect(general).toEqual([0, 2.5, 12.5, 22.5, 32.5]);
  });

  it("--replay: the queries merged with the capture, on its clock", async () => {
    const inPath = join(dir, "in.pcap");
    const w = openCaptureWriter(inPath, { linkType: 1, nanosecond: true });
    const T0 = 1_700_000_000_000_000_000n;
    for (const [sec, group] of [[0, "239.4.4.4"], [5, "239.4.4.5"]] as const) {
      const data = encodeIgmpFrame({ message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group }]), src: "198.18.0.50", macSrc: macForIp("198.18.0.50") });
      w.write({ timestampNs: T0 + BigInt(sec) * 1_000_000_000n, wireLength: data.length, data, linkType: 1 });
    }
    w.close();
    const out = join(dir, "replay.pcap");
    const r = await cli(["querier", "--replay", inPath, "-w", out, "--query-interval", "4", "--query-response-interval", "1", "--startup-count", "1"]);
    expect(r.code).toBe(0);
    const frames = await decodeFile(out);
    expect(frames.map((f) => [f.time, f.igmp!.kind, f.ipSrc])).toEqual([
      ["1700000000.000000000", "query", "198.18.0.1"],
      ["1700000000.000000000", "v3-report", "198.18.0.50"],
      ["1700000004.000000000", "query", "198.18.0.1"],
      ["1700000005.000000000", "v3-report", "198.18.0.50"],
    ]);
    expect(r.stdout).toMatch(/239\.4\.4\.5\s+exclude/);
  });

  it("--odd: every odd query as asked, cross-checked with tshark", async () => {
    const out = join(dir, "odd.pcap");
    const r = await cli(["querier", "--hosts", "1", "--join", "239.5.5.5", "--duration", "1", "--startup-count", "1", "-w", out, "--odd", "bad-checksum,ttl=7,no-router-alert,source=0.0.0.0,max-resp-code=200,general-sources=198.18.9.9,general-s-flag,qrv=0,qqic=0"]);
    expect(r.code).toBe(0);
    const q = (await decodeFile(out)).find((f) => f.igmp?.kind === "query")!;
    expect(q).toMatchObject({ ttl: 7, routerAlert: false, ipSrc: "0.0.0.0", macSrc: macForIp("198.18.0.1") });
    expect(q.igmp).toMatchObject({ version: 3, checksumValid: false, maxRespCode: 200, sources: ["198.18.9.9"], sFlag: true, qrv: 0, qqic: 0 });
    if (hasCommand("tshark")) {
      const t = tsharkIgmp(out).find((x) => x.type === 0x11)!;
      expect(t).toMatchObject({ version: 3, checksumStatus: 0, maxResp: 3072 /* tenths: 307.2 s */, s: 1, qrv: 0, qqic: 0, sources: ["198.18.9.9"] });
    }
    const short = join(dir, "short.pcap");
    expect((await cli(["querier", "--hosts", "1", "--join", "239.5.5.5", "--duration", "1", "-w", short, "--odd", "length=10,unicast=198.18.0.10"])).code).toBe(0);
    const s = (await decodeFile(short)).find((f) => f.igmp?.kind === "query")!;
    expect(s).toMatchObject({ ipDst: "198.18.0.10", macDst: macForIp("198.18.0.10"), len: 60 });
    expect(s.igmp).toMatchObject({ version: null, extra: "0000", checksumValid: true });
  });

  it("--script: queries at given times, any version, S flag, codes and oddities; a bad script is a usage error with JSON paths", async () => {
    const script = join(dir, "q.json");
    writeFileSync(
      script,
      JSON.stringify({
        queries: [
          { at: 3, group: "232.5.5.5", sources: ["198.18.9.1", "198.18.9.2"], sFlag: true, maxRespCode: 0x8f },
          { at: 1, version: 2, group: "239.5.5.5", maxRespTime: 2.5 },
          { at: 2, odd: { ttl: 9, routerAlert: false, length: 11 } },
        ],
      }),
    );
    const out = join(dir, "script.pcap");
    const r = await cli(["querier", "--script", script, "--duration", "4", "--startup-count", "1", "-w", out]);
    expect(r.code).toBe(0);
    const qs = (await decodeFile(out)).map((f) => ({ t: Math.round(Number(f.time) * 1000) / 1000, ttl: f.ttl, ra: f.routerAlert, m: f.igmp }));
    expect(qs.map((q) => q.t)).toEqual([0, 1, 2, 3]);
    expect(qs[1]!.m).toMatchObject({ version: 2, group: "239.5.5.5", maxRespCode: 25 });
    expect(qs[2]).toMatchObject({ ttl: 9, ra: false, m: { version: null, extra: "000000" } });
    expect(qs[3]!.m).toMatchObject({ version: 3, group: "232.5.5.5", sources: ["198.18.9.1", "198.18.9.2"], sFlag: true, maxRespTime: 24.8 });
    writeFileSync(script, JSON.stringify([{ at: -1 }, { at: 1, group: "10.0.0.1", odd: { ttl: 300, loud: true } }]));
    const bad = await cli(["querier", "--script", script, "--duration", "4"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("queries[0].at");
    expect(bad.stderr).toContain("queries[1].group");
    expect(bad.stderr).toContain("queries[1].odd.loud: unknown key");
    expect(bad.stderr).toContain("TTL 300");
  });

  it("--replay of a shipped capture: its frames kept byte for byte and in order, the queries merged in time order, the same bytes for the same seed", async () => {
    const input = join(FIXTURES, "frr-pimd-igmpv3.pcap");
    const run = async (seed: string, out: string) => {
      const r = await cli(["querier", "--replay", input, "-w", out, "--seed", seed, "--duration", "30", "--query-interval", "10", "--query-response-interval", "1"]);
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(out);
    };
    const a = await run("5", join(dir, "r5a.pcap"));
    expect((await run("5", join(dir, "r5b.pcap"))).equals(a)).toBe(true);
    expect((await run("6", join(dir, "r6.pcap"))).equals(a)).toBe(false);
    const inFrames: string[] = [];
    for await (const f of readCaptureFile(input)) inFrames.push(`${f.timestampNs} ${Buffer.from(f.data).toString("hex")}`);
    const outFrames: { ns: bigint; key: string; src: string }[] = [];
    for await (const f of readCaptureFile(join(dir, "r5a.pcap"))) outFrames.push({ ns: f.timestampNs, key: `${f.timestampNs} ${Buffer.from(f.data).toString("hex")}`, src: decodeFrame(f).ipSrc! });
    // every input frame, unchanged, in its order; then only ours (198.18.0.1, below pimd's 198.18.15.1: we win)
    expect(outFrames.filter((f) => f.src !== "198.18.0.1").map((f) => f.key)).toEqual(inFrames);
    const ours = outFrames.filter((f) => f.src === "198.18.0.1");
    expect(ours.length).toBeGreaterThan(3);
    expect(outFrames.every((f, i) => i === 0 || outFrames[i - 1]!.ns <= f.ns)).toBe(true);
    // past the capture's 13 s, the querier goes on alone to --duration: general queries 10 s apart
    const t0 = Number(outFrames[0]!.ns) / 1e9;
    const general = (await decodeFile(join(dir, "r5a.pcap"))).filter((f) => f.ipSrc === "198.18.0.1" && f.igmp?.kind === "query" && f.igmp.group === "0.0.0.0");
    expect(general.map((f) => Math.round((Number(f.time) - t0) * 10) / 10)).toEqual([0, 2.5, 12.5, 22.5]);
    if (hasCommand("tshark")) expect(tsharkIgmp(join(dir, "r5a.pcap"))).toHaveLength(outFrames.length);
    // and with emulated hosts on the same virtual link: the capture's frames, the queries and the hosts' answers
    const r = await cli(["querier", "--replay", input, "--hosts", "2", "--join", "239.6.6.6", "--duration", "30", "--query-interval", "10", "--query-response-interval", "1", "-w", join(dir, "both.pcap"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { inputFrames: number; querierFrames: number; hostFrames: number; state: MonitorSnapshot };
    expect(last).toMatchObject({ inputFrames: inFrames.length, querierFrames: ours.length });
    expect(last.hostFrames).toBeGreaterThanOrEqual(2 * 4); // two unsolicited reports each, and an answer to each of the two later general queries
    expect(last.state.groups.find((g) => g.group === "239.6.6.6")).toMatchObject({ filterMode: "exclude", reporters: ["198.18.0.10", "198.18.0.11"] });
    expect((await decodeFile(join(dir, "both.pcap"))).length).toBe(last.inputFrames + last.querierFrames + last.hostFrames);
  });

  it("every protocol variable as a flag lands on the wire: QRV, QQIC, Max Resp Codes, startup count and interval, LMQC and LMQI, the version", async () => {
    const scen = join(dir, "leave.json");
    writeFileSync(scen, JSON.stringify({ hosts: [{ ip: "198.18.0.10" }], timeline: [{ at: 0, host: 0, op: "join", group: "239.1.1.1" }, { at: 20, host: 0, op: "leave", group: "239.1.1.1" }] }));
    const out = join(dir, "vars.pcap");
    const flags = ["--robustness", "3", "--query-interval", "12", "--query-response-interval", "3", "--startup-count", "4", "--startup-interval", "1", "--last-member-interval", "0.5", "--last-member-count", "3"];
    expect((await cli(["querier", "--scenario", scen, "--duration", "40", "-w", out, ...flags])).code).toBe(0);
    const frames = await decodeFile(out);
    const t0 = Number(frames[0]!.time);
    const queries = frames.filter((f) => f.igmp?.kind === "query").map((f) => ({ t: Math.round((Number(f.time) - t0) * 1000) / 1000, m: f.igmp as Extract<typeof f.igmp, { kind: "query" }> }));
    // four startup queries 1 s apart, then one every 12 s; three group-specific ones 0.5 s apart after the leave at 20 s
    expect(queries.map((q) => [q.t, q.m.group])).toEqual([[0, "0.0.0.0"], [1, "0.0.0.0"], [2, "0.0.0.0"], [3, "0.0.0.0"], [15, "0.0.0.0"], [20, "239.1.1.1"], [20.5, "239.1.1.1"], [21, "239.1.1.1"], [27, "0.0.0.0"], [39, "0.0.0.0"]]);
    expect(queries.map((q) => [q.m.version, q.m.maxRespCode, q.m.version === 3 ? [q.m.qrv, q.m.qqic] : null])).toEqual(queries.map((q) => [3, q.m.group === "0.0.0.0" ? 30 : 5, [3, 12]]));
    if (hasCommand("tshark")) expect(tsharkIgmp(out).filter((x) => x.type === 0x11).map((x) => [x.maxResp, x.qrv, x.qqic])).toEqual(queries.map((q) => [q.m.group === "0.0.0.0" ? 30 : 5, 3, 12]));
    // --igmp-version 2: v2 queries (Max Resp Time in tenths), answered by v2 hosts
    const v2 = join(dir, "v2.pcap");
    expect((await cli(["querier", "--igmp-version", "2", "--hosts", "1", "--join", "239.1.1.1", "--host-version", "2", "--duration", "15", "--query-interval", "10", "--query-response-interval", "2", "-w", v2])).code).toBe(0);
    const v2f = await decodeFile(v2);
    expect(v2f.filter((f) => f.igmp?.kind === "query").map((f) => [(f.igmp as { version: number }).version, (f.igmp as { maxRespCode: number }).maxRespCode])).toEqual([[2, 20], [2, 20], [2, 20]]);
    expect(v2f.filter((f) => f.igmp?.kind === "v2-report").length).toBeGreaterThanOrEqual(3);
  });

  it("bad input: each a clear error naming the file, exit 1, nothing already read lost, the summary saying it is not whole", async () => {
    const missing = join(dir, "missing.pcap");
    const out = join(dir, "bad-out.pcap");
    let r = await cli(["querier", "--replay", missing, "-w", out]);
    expect([r.code, r.stderr, r.stdout]).toEqual([1, `igmpkit querier: ${missing}: no such file\n`, ""]);
    expect(existsSync(out)).toBe(false);
    r = await cli(["querier", "--replay", dir, "-w", out, "--json"]);
    expect([r.code, JSON.parse(r.stderr)]).toEqual([1, { error: `${dir}: is a directory, not a capture file`, code: "input-unreadable" }]);
    // a real capture cut inside its 14th record: the 13 before are replayed and written with our queries
    const cut = join(dir, "cut.pcap");
    writeFileSync(cut, readFileSync(join(FIXTURES, "kernel-igmpv3-host.pcap")).subarray(0, 1000));
    r = await cli(["querier", "--replay", cut, "-w", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("13 input frames");
    expect(r.stderr).toContain("THE INPUT WAS NOT READ TO ITS END");
    expect(r.stderr).toMatch(new RegExp(`igmpkit querier: ${cut.replace(/[.]/g, "\\.")}: input ends inside packet record 14 .*; replayed the 13 frames before\n$`));
    const written = await decodeFile(out);
    expect(written.filter((f) => f.ipSrc !== "198.18.0.1")).toHaveLength(13);
    expect(written.some((f) => f.ipSrc === "198.18.0.1")).toBe(true);
    r = await cli(["querier", "--replay", cut, "-w", out, "--json"]);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!)).toMatchObject({ type: "snapshot", inputFrames: 13, partial: true });
    expect(JSON.parse(r.stderr)).toMatchObject({ code: "input-damaged" });
    // a Linux cooked capture into a .pcap: the link types cannot share it; .pcapng can
    const sll = join(FIXTURES, "any-sll2-igmpv2.pcap");
    r = await cli(["querier", "--replay", sll, "-w", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`NOT WRITTEN WHOLE`);
    expect(r.stderr).toContain(`igmpkit querier: frame link type 276 in a pcap file of link type 1: a pcap file holds one link type and the querier sends Ethernet; write ${join(dir, "bad-out")}.pcapng to keep the capture's frames beside theirs\n`);
    expect((await cli(["querier", "--replay", sll, "-w", join(dir, "sll.pcapng")])).code).toBe(0);
    // an output that cannot be created
    const nowhere = join(dir, "no-such-dir", "x.pcap");
    r = await cli(["querier", "--hosts", "1", "--join", "239.1.1.1", "--duration", "1", "-w", nowhere]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${nowhere} NOT WRITTEN WHOLE`);
    expect(r.stderr).toMatch(new RegExp(`igmpkit querier: ${nowhere.replace(/[.]/g, "\\.")}: no such directory\n$`));
    r = await cli(["querier", "--hosts", "1", "--join", "239.1.1.1", "--duration", "1", "-w", dir]);
    expect(r.stderr).toMatch(new RegExp(`igmpkit querier: ${dir.replace(/[.]/g, "\\.")}: is a directory\n$`));
  });

  it("a long simulation is written as it runs, and a stop signal ends it within a second: the file whole, the summary partial, exit 1", async () => {
    const out = join(dir, "long.pcap");
    const { io, out: o } = captureIo();
    const ac = new AbortController();
    const started = performance.now();
    setTimeout(() => ac.abort("SIGTERM"), 1500);
    const opts = { hosts: 200, join: ["239.1.1.1"], duration: 1e9, queryInterval: 2, queryResponseInterval: 1, write: out, json: true };
    const code = await runQuerier(opts, io, ac.signal);
    expect(performance.now() - started).toBeLessThan(2500);
    expect(code).toBe(1);
    const snap = JSON.parse(o.stdout.trim().split("\n").at(-1)!) as { partial: boolean; stoppedBy: string; querierFrames: number; hostFrames: number };
    expect(snap).toMatchObject({ type: "snapshot", partial: true, stoppedBy: "SIGTERM" });
    // every frame counted is in the file, each whole
    const frames = await decodeFile(out);
    expect(frames.length).toBe(snap.querierFrames + snap.hostFrames);
    expect(frames.length).toBeGreaterThan(200);
    expect(frames.every((f) => f.igmp !== null && f.errors.length === 0)).toBe(true);
  });

  it("bad option files: usage errors naming the option and the file, every scenario problem listed", async () => {
    const missing = join(dir, "missing.json");
    let r = await cli(["querier", "--scenario", missing, "--duration", "1"]);
    expect([r.code, r.stderr]).toEqual([2, `igmpkit querier: --scenario ${missing}: no such file\n`]);
    r = await cli(["querier", "--script", missing, "--duration", "1"]);
    expect([r.code, r.stderr]).toEqual([2, `igmpkit querier: --script ${missing}: no such file\n`]);
    const notJson = join(dir, "not.json");
    writeFileSync(notJson, "{queries");
    r = await cli(["querier", "--script", notJson, "--duration", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^igmpkit querier: --script ${notJson.replace(/[.]/g, "\\.")}: not valid JSON: `));
    const bad = join(dir, "bad-scenario.json");
    writeFileSync(bad, JSON.stringify({ hosts: [{ ip: "1.2.3" }], timeline: [{ at: -1, host: 0, op: "join", group: "10.0.0.1" }] }));
    r = await cli(["querier", "--scenario", bad, "--duration", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("  $."))).toHaveLength(4);
    r = await cli(["querier", "--scenario", bad, "--duration", "1", "--json"]);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: "bad-scenario", details: expect.arrayContaining(["$.timeline[0].group: 10.0.0.1 is not a multicast address"]) });
  });

  it("usage errors: bad variables, odd words, a LAN without --duration", async () => {
    expect((await cli(["querier", "--hosts", "1", "--join", "239.1.1.1"])).code).toBe(2);
    const bad = await cli(["querier", "--hosts", "1", "--join", "239.1.1.1", "--duration", "5", "--query-interval", "5", "--query-response-interval", "6"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/less than the query interval/);
    expect((await cli(["querier", "--hosts", "1", "--join", "239.1.1.1", "--duration", "5", "--odd", "loud"])).stderr).toMatch(/--odd "loud"/);
    expect((await cli(["querier", "-i", "lo"])).stderr).toMatch(/--address/);
  });
});
