import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { captureIo, cli as runCliCaptured } from "./helpers.js";
import { lint, monitor } from "../../src/monitor/index.js";
import { readCapture } from "../../src/capture/read.js";
import { CaptureError } from "../../src/capture/live.js";
import { formatLiveScreen, formatSnapshotTable, runMonitor } from "../../src/cli/monitor.js";
import { leave, v2Report, v3Query, v3Report } from "../../src/wire/index.js";
import { FakeCapture, VirtualClock } from "../monitor/fake-live.js";
import { frames, ms, tx, writeCapture, type At } from "../monitor/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "igmpkit-monitor-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, list: At[]): string => writeCapture(join(dir, name), list);

/** The CLI in-process; `tty` makes both streams terminals. */
const cli = (args: string[], tty = false) => runCliCaptured(args, { stdoutIsTTY: tty, stderrIsTTY: tty });

const Q = "198.18.0.1";
const H1 = "198.18.0.2";
const G = "239.1.1.1";
const clean = write("clean.pcap", [
  { t: 0, src: Q, message: v3Query() },
  { t: 1, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
  { t: 1.5, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
]);
const infoOnly = write("tos.pcap", [{ t: 0, src: H1, message: v2Report(G), ip: { tos: 0 } }]);
const bad = write("ttl.pcapng", [
  { t: 0, src: H1, message: v2Report(G), ip: { ttl: 4 } },
  { t: 1, src: H1, message: leave(G), ip: { ttl: 4 } },
]);

describe("igmpkit lint", () => {
  it("exit 0 and 'no findings' on a clean capture", async () => {
    expect(await cli(["lint", clean])).toEqual({ code: 0, stdout: "no findings\n", stderr: "" });
  });

  it("exit 1 on an error finding, text grouped by rule with the file name", async () => {
    const r = await cli(["lint", bad, clean]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error ttl-not-1");
    expect(r.stdout).toContain(`${bad}: frame 2: 198.18.0.2 sends leave with TTL 4`);
  });

  it("--fail-on chooses the threshold", async () => {
    expect((await cli(["lint", infoOnly])).code).toBe(0);
    expect((await cli(["lint", "--fail-on", "warning", infoOnly])).code).toBe(0);
    expect((await cli(["lint", "--fail-on", "info", infoOnly])).code).toBe(1);
  });

  it("--json and --sarif", async () => {
    const j = await cli(["lint", "--json", bad]);
    const doc = JSON.parse(j.stdout) as { findings: { rule: string; file: string; frames: number[] }[]; summary: Record<string, number> };
    expect(doc.summary).toEqual({ error: 2, warning: 0, info: 0 });
    expect(doc.findings.map((f) => f.rule).sort()).toEqual(["ttl-not-1", "ttl-not-1"]);
    const s = await cli(["lint", "--sarif", bad]);
    const sarif = JSON.parse(s.stdout) as { version: string; runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(bad);
  });

  it("exit 2 on usage errors, 1 on a missing file", async () => {
    expect((await cli(["lint", "--json", "--sarif", bad])).code).toBe(2);
    expect((await cli(["lint", "--fail-on", "fatal", bad])).code).toBe(2);
    expect((await cli(["lint"])).code).toBe(2);
    const r = await cli(["lint", join(dir, "nope.pcap")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no such file");
  });
});

describe("igmpkit monitor", () => {
  it("JSON Lines of events and a final snapshot when not on a terminal", async () => {
    const r = await cli(["monitor", "-r", clean]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; groups?: { group: string; filterMode: string }[] });
    expect(lines.map((l) => l.type)).toEqual(["querier-elected", "join", "mode-change", "snapshot"]);
    expect(lines.at(-1)!.groups).toMatchObject([{ group: G, filterMode: "exclude" }]);
  });

  it("a table on a terminal", async () => {
    const r = await cli(["monitor", "-r", clean], true);
    expect(r.stdout).toMatch(/querier: 198\.18\.0\.1 \(v3/);
    expect(r.stdout).toMatch(/239\.1\.1\.1\s+exclude\s+-\s+198\.18\.0\.2\s+260\.0 s\s+v3/);
  });

  it("--text: the events and the table when stdout is not a terminal, the same as on one", async () => {
    const piped = await cli(["monitor", "--text", "-r", clean]);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe((await cli(["monitor", "-r", clean], true)).stdout);
    expect(piped.stdout).toMatch(/239\.1\.1\.1\s+exclude\s+-\s+198\.18\.0\.2\s+260\.0 s\s+v3/);
    expect((await cli(["monitor", "--text", "--json", "-r", clean])).code).toBe(2);
  });

  it("usage errors", async () => {
    expect((await cli(["monitor"])).code).toBe(2);
    expect((await cli(["monitor", "-r", clean, "-i", "eth0"])).code).toBe(2);
    expect((await cli(["monitor", "-r", clean, "igmp"])).code).toBe(2);
    expect((await cli(["monitor", "-r", clean, "--query-interval", "0"])).code).toBe(2);
    expect((await cli(["monitor", "-r", clean, "--robustness", "1.5"])).code).toBe(2);
  });

  it("one view is one LAN: a second VLAN brings a warning; --vlan keeps one (outer.inner for double tags, none for untagged)", async () => {
    const trunk = write("trunk.pcap", [
      { t: 0, src: Q, message: v3Query(), vlan: [10] },
      { t: 0.5, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]), vlan: [10] },
      { t: 1, src: "198.18.0.5", message: v3Query(), vlan: [20, 30] },
      { t: 1.5, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: "239.2.2.2" }]), vlan: [20, 30] },
      { t: 2, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: "239.3.3.3" }]) },
    ]);
    const last = (out: string) => JSON.parse(out.trim().split("\n").at(-1)!) as { groups: { group: string }[]; querier: { address: string } };
    const merged = await cli(["monitor", "-r", trunk]);
    expect(merged.code).toBe(0);
    expect(JSON.parse(merged.stderr)).toEqual({ warning: "IGMP from more than one VLAN (10, 20.30) is merged into one router view; choose one with --vlan", vlans: ["10", "20.30"] });
    expect(last(merged.stdout).groups.map((g) => g.group)).toEqual([G, "239.2.2.2", "239.3.3.3"]);
    const ten = await cli(["monitor", "-r", trunk, "--vlan", "10"]);
    expect(ten.stderr).toBe("");
    expect(last(ten.stdout)).toMatchObject({ groups: [{ group: G }], querier: { address: Q } });
    const dbl = await cli(["monitor", "-r", trunk, "--vlan", "20.30"]);
    expect(last(dbl.stdout)).toMatchObject({ groups: [{ group: "239.2.2.2" }], querier: { address: "198.18.0.5" } });
    const none = await cli(["monitor", "-r", trunk, "--vlan", "none"]);
    expect(last(none.stdout)).toMatchObject({ groups: [{ group: "239.3.3.3" }], querier: null });
    const text = await cli(["monitor", "-r", trunk], true);
    expect(text.stderr).toBe("igmpkit monitor: IGMP from more than one VLAN (10, 20.30) is merged into one router view; choose one with --vlan\n");
    for (const bad of ["4096", "x", "10.", ""]) expect((await cli(["monitor", "-r", trunk, "--vlan", bad])).code).toBe(2);
  });

  it("--query-interval and friends set the variables until a querier advertises its own", async () => {
    const noQuerier = write("noquerier.pcap", [{ t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) }]);
    const r = await cli(["monitor", "-r", noQuerier, "--robustness", "3", "--query-interval", "2", "--query-response-interval", "1"]);
    const snap = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { timers: { groupMembershipInterval: number }; groups: { groupTimer: number }[] };
    expect(snap.timers.groupMembershipInterval).toBe(7);
    expect(snap.groups[0]!.groupTimer).toBe(7);
  });
});

/** `monitor -i` through runMonitor with a hand-fed capture and a virtual clock. */
function liveIo(tty: boolean) {
  return captureIo({ stdoutIsTTY: tty, stderrIsTTY: tty });
}

/** `monitor -i eth9` started on a fake capture and a virtual clock at 0, ended by aborting `ac`. */
function startWatch(tty: boolean, o: Partial<Parameters<typeof runMonitor>[0]> = {}) {
  const { io, out } = liveIo(tty);
  const cap = new FakeCapture("eth9");
  const clock = new VirtualClock(0);
  const ac = new AbortController();
  const run = runMonitor({ interface: "eth9", ...o }, io, ac.signal, { openLive: async () => cap, clock });
  return { io, out, cap, clock, ac, run };
}

describe("igmpkit monitor -i (driver and output, with a fake capture)", () => {
  const Qv3 = (t: number) => ({ t, src: Q, message: v3Query({ qrv: 2, qqi: 2, maxRespTime: 1 }) });

  it("not on a terminal: JSON Lines of events as they happen, timers firing on the clock, a snapshot at SIGINT", async () => {
    const { io, out, cap, clock, ac, run } = startWatch(false);
    await clock.runTo(0);
    expect(JSON.parse(out.stderr.trim())).toEqual({ listening: "eth9", linkType: 1, filter: "igmp" });
    cap.push(Qv3(0));
    cap.push({ t: 0.5, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) });
    await clock.runTo(1);
    const types = () => out.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types()).toEqual(["querier-elected", "join", "mode-change"]);
    await clock.runTo(6); // GMI 5 s after 0.5 s, no traffic
    expect(types()).toEqual(["querier-elected", "join", "mode-change", "querier-expired", "expiry"]);
    ac.abort();
    expect(await run).toBe(0);
    const last = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as { type: string; groups: unknown[]; time: string };
    expect(last).toMatchObject({ type: "snapshot", groups: [], time: tx(6) });
    expect(JSON.parse(out.stderr.trim().split("\n").at(-1)!)).toEqual({ interface: "eth9", frames: 2, events: 5, received: null, drops: null });
    expect(cap.stopped).toBe(true);
  });

  it("on a terminal: an alternate screen redrawn in place, then the final table on the normal screen", async () => {
    const { io, out, cap, clock, ac, run } = startWatch(true);
    await clock.runTo(0);
    cap.push(Qv3(0));
    cap.push({ t: 0.5, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) });
    await clock.runTo(1);
    ac.abort();
    expect(await run).toBe(0);
    expect(out.stderr).toBe('monitoring eth9, filter "igmp"; Ctrl-C to stop\n2 frames seen on eth9; drops: not available (cap without igmpkit\'s patch passes no libpcap counters)\n');
    const [screen, final] = out.stdout.split("\u001b[?25h\u001b[?1049l");
    expect(screen!.startsWith("\u001b[?1049h\u001b[?25l\u001b[H\u001b[2J")).toBe(true);
    expect(screen).toContain("igmpkit monitor on eth9");
    expect(final).toMatch(/^querier: 198\.18\.0\.1 \(v3, 3\.5 s\)  QRV 2, QQI 2 s, QRI 1 s, GMI 5 s, LMQT 2 s\n/);
    expect(final).toMatch(/239\.1\.1\.1\s+exclude\s+-\s+198\.18\.0\.2\s+4\.5 s\s+v3\s+198\.18\.0\.2\n1 group\n$/);
  });

  it("packets the kernel dropped: counted on screen and at the end, the view marked incomplete, status 1", async () => {
    for (const tty of [true, false]) {
      const { io, out, cap, clock, ac, run } = startWatch(tty);
      await clock.runTo(0);
      cap.push(Qv3(0));
      Object.assign(cap.stats, { received: 40, dropped: 7, ifDropped: 0 });
      await clock.runTo(2);
      if (tty) await new Promise((r) => setTimeout(r, 300)); // the redraw timer runs on real time
      ac.abort();
      expect(await run).toBe(1);
      if (tty) {
        expect(out.stdout).toMatch(/igmpkit monitor on eth9 .* 1 frames, 7 DROPPED \(view incomplete\)  \(Ctrl-C to stop\)/);
        expect(out.stdout).toMatch(/INCOMPLETE VIEW: the kernel dropped 7 packets that passed the filter/);
        expect(out.stderr.trim().split("\n").at(-1)).toBe("1 frames seen on eth9; 40 packets received by filter, 7 packets dropped by kernel, 0 packets dropped by interface");
      } else {
        const snap = JSON.parse(out.stdout.trim().split("\n").at(-1)!);
        expect(snap).toMatchObject({ type: "snapshot", complete: false, received: 40, drops: { kernel: 7, interface: 0 } });
        expect(JSON.parse(out.stderr.trim().split("\n").at(-1)!)).toEqual({ interface: "eth9", frames: 1, events: 1, received: 40, drops: { kernel: 7, interface: 0 } });
      }
    }
  });

  it("a redraw that throws ends the watch with the terminal back on the normal screen, status 1 (issue 15 item 8)", async () => {
    const { io, out } = liveIo(true);
    const write = io.stdout.write;
    let draws = 0;
    io.stdout.write = (s: string | Uint8Array) => {
      if (typeof s === "string" && s.includes("igmpkit monitor on") && ++draws === 2) throw new RangeError("Maximum call stack size exceeded");
      return write(s);
    };
    const cap = new FakeCapture("eth9");
    const clock = new VirtualClock(0);
    const run = runMonitor({ interface: "eth9" }, io, undefined, { openLive: async () => cap, clock });
    await clock.runTo(0);
    cap.push({ t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) });
    await clock.runTo(1);
    // the redraw timer is a real one (at most 4 a second): the second draw throws from it
    expect(await run).toBe(1);
    expect(out.stdout.indexOf("\u001b[?1049l")).toBeGreaterThan(out.stdout.indexOf("\u001b[?1049h"));
    expect(out.stdout.trimEnd().endsWith("1 group")).toBe(true);
    expect(out.stderr).toContain("Maximum call stack size exceeded");
  });

  it("--vlan applies live too", async () => {
    const { io, out, cap, clock, ac, run } = startWatch(false, { vlan: "20.30" });
    cap.push({ t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]), vlan: [10] });
    cap.push({ t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: "239.2.2.2" }]), vlan: [20, 30] });
    await clock.runTo(1);
    ac.abort();
    expect(await run).toBe(0);
    const snap = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as { groups: { group: string }[] };
    expect(snap.groups.map((g) => g.group)).toEqual(["239.2.2.2"]);
    expect(JSON.parse(out.stderr.trim().split("\n").at(-1)!)).toEqual({ interface: "eth9", frames: 2, events: 2, received: null, drops: null });
  });

  it("on a terminal, lines are cut to its width (and a pty that reports width 0 counts as wide)", async () => {
    for (const [columns, title] of [
      [30, "igmpkit monitor on eth9  2023…"],
      [0, "igmpkit monitor on eth9  2023-11-14T22:13:20.000Z  0 frames  (Ctrl-C to stop)"],
    ] as const) {
      const { io, out } = liveIo(true);
      Object.assign(io.stdout, { columns });
      const ac = new AbortController();
      const run = runMonitor({ interface: "eth9" }, io, ac.signal, { openLive: async () => new FakeCapture("eth9"), clock: new VirtualClock(0) });
      await new Promise((r) => setImmediate(r));
      ac.abort();
      expect(await run).toBe(0);
      expect(out.stdout.split("\n")[0]).toBe(`\u001b[?1049h\u001b[?25l\u001b[H\u001b[2J${title}`);
    }
  });

  it("source timers: tenths under 10 s (a source about to be blocked does not read 0 s), whole seconds above, 'blocked' when excluded", () => {
    const { state } = monitor(
      frames([
        { t: 0, src: Q, message: v3Query({ qrv: 2, qqi: 2, maxRespTime: 1 }) },
        { t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G, sources: ["198.18.9.1"] }]) },
        { t: 0, src: H1, message: v3Report([{ type: "ALLOW_NEW_SOURCES", group: "232.1.1.1", sources: ["198.18.9.2"] }]) },
      ]),
    );
    const table = formatSnapshotTable(state.snapshot(ms(4.83)));
    expect(table).toMatch(/232\.1\.1\.1\s+include\s+198\.18\.9\.2\(0\.2s\)/);
    expect(table).toMatch(/239\.1\.1\.1\s+exclude\s+198\.18\.9\.1\(blocked\)/);
    const slow = monitor(frames([{ t: 0, src: H1, message: v3Report([{ type: "ALLOW_NEW_SOURCES", group: "232.1.1.1", sources: ["198.18.9.2"] }]) }]));
    expect(formatSnapshotTable(slow.snapshot)).toMatch(/198\.18\.9\.2\(260s\)/);
  });

  it("the live screen fits the terminal's height: group rows that do not fit are counted on one line", () => {
    const list: At[] = Array.from({ length: 20 }, (_, i) => ({ t: i / 10, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE" as const, group: `239.1.2.${i + 1}` }]) }));
    const { snapshot, events } = monitor(frames(list));
    const screen = formatLiveScreen("title", snapshot, events.slice(-3), 200, 20).trimEnd().split("\n");
    expect(screen.length).toBe(19);
    expect(screen).toContain("… 12 more groups");
    expect(screen.at(-6)).toBe("20 groups");
    expect(screen.filter((l) => l.startsWith("239.1.2."))).toHaveLength(8);
    // without a height, every group
    expect(formatLiveScreen("title", snapshot, [], 200).split("\n").filter((l) => l.startsWith("239.1.2."))).toHaveLength(20);
  });

  for (const [code, message] of [
    ["no-such-interface", "no such interface: nosuch0; interfaces here: lo, eth0"],
    ["not-permitted", "not permitted to capture on nosuch0: Operation not permitted; run as root"],
    ["cap-missing", 'live capture needs the optional native package "cap", which is not installed'],
  ] as const) {
    it(`${code}: the capture error's message, exit 1 (JSON on stderr with --json)`, async () => {
      const openLive = () => Promise.reject(new CaptureError(code, message, "nosuch0"));
      const text = liveIo(true);
      expect(await runMonitor({ interface: "nosuch0" }, text.io, undefined, { openLive })).toBe(1);
      expect(text.out).toEqual({ stdout: "", stderr: `igmpkit monitor: ${message}\n` });
      const json = liveIo(false);
      expect(await runMonitor({ interface: "nosuch0", json: true }, json.io, undefined, { openLive })).toBe(1);
      expect(JSON.parse(json.out.stderr)).toEqual({ interface: "nosuch0", error: message, code });
    });
  }

  it("interface gone mid-watch: the snapshot so far, then the error, exit 1", async () => {
    const { io, out } = liveIo(false);
    const cap = new FakeCapture("eth9");
    const clock = new VirtualClock(0);
    const run = runMonitor({ interface: "eth9" }, io, undefined, { openLive: async () => cap, clock });
    cap.push({ t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) });
    await clock.runTo(0.1);
    cap.fail(new CaptureError("interface-gone", "interface eth9 went away during the capture", "eth9"));
    expect(await run).toBe(1);
    const last = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as { type: string; groups: { group: string }[] };
    expect(last.type).toBe("snapshot");
    expect(last.groups.map((g) => g.group)).toEqual([G]);
    expect(JSON.parse(out.stderr.trim().split("\n").at(-1)!)).toMatchObject({ code: "interface-gone", interface: "eth9" });
  });
});

describe("library API", () => {
  it("readCapture + monitor + lint, as a CI test would use them", async () => {
    const frames = await readCapture(clean);
    expect(frames).toHaveLength(3);
    expect(lint(frames).filter((f) => f.severity === "error")).toEqual([]);
    const { events, snapshot } = monitor(frames);
    const join = events.find((e) => e.type === "join");
    expect(join).toMatchObject({ group: G, reporter: H1, frame: 2 });
    expect(snapshot.querier?.address).toBe(Q);
  });
});
