import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openCaptureWriter, readCaptureFile } from "../../src/capture/file.js";
import { runCli } from "../../src/cli/main.js";
import type { Frame } from "../../src/pcap/frame.js";
import { decodeFrame, encodeIgmpFrame, v3Query } from "../../src/wire/index.js";

const dir = mkdtempSync(join(tmpdir(), "igmpkit-host-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, stdoutIsTTY: false, stderrIsTTY: false, env: {} },
    out,
    err,
  };
}

const T0 = 1_700_000_000_000_000_000n;
function queries(path: string): void {
  const w = openCaptureWriter(path, { linkType: 1, nanosecond: true });
  for (const [sec, mrt] of [[1, 1], [20, 5]] as const) {
    const data = encodeIgmpFrame({ message: v3Query({ maxRespTime: mrt }), src: "198.18.0.1", macSrc: "02:00:c6:12:00:01" });
    w.write({ timestampNs: T0 + BigInt(sec) * 1_000_000_000n, wireLength: data.length, data, linkType: 1 });
  }
  w.close();
}

async function readAll(path: string): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of readCaptureFile(path)) out.push({ ...f, data: f.data.slice() });
  return out;
}

describe("igmpkit host --replay", () => {
  it("flag form: hosts join, answer the replayed queries, output merged in time order", async () => {
    const inp = join(dir, "q.pcap");
    const outp = join(dir, "out.pcap");
    queries(inp);
    const t = io();
    const code = await runCli(["host", "--replay", inp, "-w", outp, "--hosts", "3", "--first-ip", "198.18.0.10", "--join", "239.1.1.1", "--join", "232.1.1.1@198.18.0.9", "--seed", "4", "--json"], t.io);
    expect(t.err.join("")).toBe("");
    expect(code).toBe(0);
    const frames = await readAll(outp);
    const ts = frames.map((f) => f.timestampNs);
    expect([...ts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ts);
    const d = frames.map((f) => decodeFrame(f));
    expect(d.filter((x) => x.igmp?.kind === "query")).toHaveLength(2);
    const answers = d.filter((x, i) => x.igmp?.kind === "v3-report" && frames[i]!.timestampNs >= T0 + 20_000_000_000n);
    expect(answers.map((x) => x.ipSrc).sort()).toEqual(["198.18.0.10", "198.18.0.11", "198.18.0.12"]);
    for (const a of answers) {
      const recs = (a.igmp as { records: { kind: string; group: string; sources: string[] }[] }).records;
      expect(recs).toEqual([
        { type: 2, kind: "MODE_IS_EXCLUDE", group: "239.1.1.1", sources: [], auxData: "" },
        { type: 1, kind: "MODE_IS_INCLUDE", group: "232.1.1.1", sources: ["198.18.0.9"], auxData: "" },
      ]);
    }
    const stats = JSON.parse(t.out.join(""));
    expect(stats.inputFrames).toBe(2);
    expect(stats.hosts).toHaveLength(3);
    // same seed, same bytes
    const outp2 = join(dir, "out2.pcap");
    await runCli(["host", "--replay", inp, "-w", outp2, "--hosts", "3", "--join", "239.1.1.1", "--join", "232.1.1.1@198.18.0.9", "--seed", "4"], io().io);
    const again = await readAll(outp2);
    expect(again.map((f) => Buffer.from(f.data).toString("hex") + f.timestampNs)).toEqual(frames.map((f) => Buffer.from(f.data).toString("hex") + f.timestampNs));
  });

  it("over a Linux cooked capture: -w .pcapng keeps both link types; -w .pcap says to write .pcapng (exit 1)", async () => {
    const args = ["host", "--replay", "fixtures/any-sll2-igmpv2.pcap", "--hosts", "2", "--join", "239.1.1.1", "--igmp-version", "2"];
    const ng = io();
    expect(await runCli([...args, "-w", join(dir, "sll2.pcapng")], ng.io)).toBe(0);
    const frames = await readAll(join(dir, "sll2.pcapng"));
    expect(new Set(frames.map((f) => f.linkType))).toEqual(new Set([1, 276]));
    expect(frames.filter((f) => f.linkType === 276)).toHaveLength(18);
    const one = io();
    expect(await runCli([...args, "-w", join(dir, "sll2.pcap")], one.io)).toBe(1);
    expect(one.err.join("")).toBe(`igmpkit host: frame link type 276 in a pcap file of link type 1: a pcap file holds one link type and the hosts send Ethernet; write ${join(dir, "sll2")}.pcapng to keep the capture's frames beside theirs\n`);
  });

  it("scenario file, and clear errors for a bad one (exit 2)", async () => {
    const inp = join(dir, "q2.pcap");
    queries(inp);
    const good = join(dir, "s.json");
    writeFileSync(good, JSON.stringify({ version: 2, hosts: [{ firstIp: "198.18.0.10", count: 4 }], timeline: [{ at: 0, host: "*", op: "join", group: "239.1.1.1" }] }));
    const t = io();
    expect(await runCli(["host", "--replay", inp, "-w", join(dir, "s.pcap"), "--scenario", good], t.io)).toBe(0);
    expect(t.err.join("")).toMatch(/^4 hosts, 2 input frames/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ hosts: [{ ip: "198.18.0.10" }], timeline: [{ at: 0, host: 0, op: "join", group: "10.1.1.1" }] }));
    const b = io();
    expect(await runCli(["host", "--replay", inp, "--scenario", bad], b.io)).toBe(2);
    expect(b.err.join("")).toContain("$.timeline[0].group: 10.1.1.1 is not a multicast address");
    const u = io();
    expect(await runCli(["host", "--replay", inp], u.io)).toBe(2);
    expect(u.err.join("")).toContain("--join");
  });

  it("live-only options are refused offline, offline-only options live (exit 2)", async () => {
    const a = io();
    expect(await runCli(["host", "-i", "eth0", "--replay", "x.pcap", "--join", "239.1.1.1"], a.io)).toBe(2);
    expect(a.err.join("")).toContain("-i runs live");
    const b = io();
    expect(await runCli(["host", "--replay", "x.pcap", "--join", "239.1.1.1", "--no-leave"], b.io)).toBe(2);
    expect(b.err.join("")).toContain("live mode");
  });

  it("neither -i nor -w: a usage error, not frames computed and dropped", async () => {
    const n = io();
    expect(await runCli(["host", "--hosts", "3", "--join", "239.1.1.1"], n.io)).toBe(2);
    expect(n.err.join("")).toBe("igmpkit host: host needs -i IFACE (live) or -w FILE (offline: where the hosts' frames go)\n");
  });
});

describe("igmpkit host flag form: deaf and crash", () => {
  it("--deaf marks every host deaf; --crash-after adds a crash of every host", async () => {
    const { scenarioFromFlags } = await import("../../src/cli/host.js");
    const { parseScenario } = await import("../../src/host/index.js");
    const s = parseScenario(scenarioFromFlags({ hosts: 2, join: ["239.1.1.1"], deaf: true, crashAfter: 30 }));
    expect(s.emulator.hosts.map((h) => h.deaf)).toEqual([true, true]);
    expect(s.timeline.map((e) => [e.atMs, e.op.op, e.hosts])).toEqual([
      [0, "join", [0, 1]],
      [30_000, "crash", [0, 1]],
    ]);
  });
});
