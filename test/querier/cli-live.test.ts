/** `igmpkit querier -i` through runQuerier with a hand-fed capture and a virtual clock (no root needed). */
import { describe, expect, it } from "vitest";
import { runQuerier } from "../../src/cli/querier.js";
import { liveFilter } from "../../src/host/index.js";
import { HOME_CLEAR, SCREEN_OFF, SCREEN_ON } from "../../src/cli/screen.js";
import { decodeFrame, v2Report, v3Query, v3Report } from "../../src/wire/index.js";
import { captureIo } from "../cli/helpers.js";
import { FakeCapture, VirtualClock } from "../monitor/fake-live.js";

const H = "198.18.0.20";
const G = "239.1.1.1";

/** A fake capture that keeps what is sent. */
class SendingCapture extends FakeCapture {
  sent: Uint8Array[] = [];
  override async send(b?: Uint8Array): Promise<void> {
    if (b) this.sent.push(b);
  }
}

const OPTS = { interface: "eth9", address: "198.18.0.5", queryInterval: 10, queryResponseInterval: 1, lastMemberInterval: 0.5 };

/** `querier -i` on a terminal, on a fake capture and a virtual clock; abort `ac` to stop it. */
function onTerminal() {
  const { io, out } = captureIo({ stdoutIsTTY: true, stderrIsTTY: true });
  const cap = new SendingCapture("eth9");
  const clock = new VirtualClock(0);
  const ac = new AbortController();
  const run = runQuerier(OPTS, io, ac.signal, { openLive: async () => cap, clock });
  return { out, cap, clock, ac, run };
}

describe("igmpkit querier -i (driver and output, with a fake capture)", () => {
  it("--json: a listening line, events as they happen (queries, joins, last-member queries, expiry), a final snapshot at SIGINT", async () => {
    const { io, out } = captureIo();
    const cap = new SendingCapture("eth9");
    const clock = new VirtualClock(0);
    const ac = new AbortController();
    const run = runQuerier({ ...OPTS, json: true }, io, ac.signal, { openLive: async () => cap, clock });
    await clock.runTo(25);
    expect(JSON.parse(out.stderr.trim().split("\n")[0]!)).toMatchObject({ listening: "eth9", address: "198.18.0.5", mac: "02:00:c6:12:00:05" });
    // startup: 0 and 2.5 s (a quarter of the query interval), then 12.5 and 22.5 s
    expect(cap.sent.map((b) => decodeFrame({ data: b, linkType: 1 }).igmp)).toMatchObject([0, 1, 2, 3].map(() => ({ kind: "query", version: 3, group: "0.0.0.0", qqic: 10, maxRespCode: 10 })));
    cap.push({ t: 26, src: H, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) });
    await clock.runTo(27);
    cap.push({ t: 27, src: H, message: v3Report([{ type: "CHANGE_TO_INCLUDE_MODE", group: G }]) });
    await clock.runTo(30);
    ac.abort();
    expect(await run).toBe(0);
    const lines = out.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const kinds = lines.filter((l) => l.type === "query-sent").map((l) => `${String(l.kind)}${l.group === G ? ` ${G}` : ""}`);
    expect(kinds).toEqual(["general", "general", "general", "general", `group ${G}`, `group ${G}`]);
    expect(lines.map((l) => l.type)).toEqual(expect.arrayContaining(["election-won", "join", "leave", "expiry"]));
    const expiry = lines.find((l) => l.type === "expiry")!;
    expect(Number(expiry.time) - 1_700_000_000).toBeCloseTo(28, 3); // the virtual clock runs from 1700000000 s; LMQT = 2 x 0.5 s after the TO_IN at 27 s
    expect(lines.at(-1)).toMatchObject({ type: "snapshot", interface: "eth9", stoppedBy: "signal", role: "querier", stopped: true, sent: { general: 4, group: 2 }, framesHeard: 2, received: null, drops: null });
    expect(cap.stopped).toBe(true);
  });

  it("--json: sources added and expired, a compatibility change, the election lost, as JSON Lines; libpcap opened with the querier's filter", async () => {
    const { io, out } = captureIo();
    const cap = new SendingCapture("eth9");
    const clock = new VirtualClock(0);
    const ac = new AbortController();
    let opened: unknown;
    const run = runQuerier({ ...OPTS, json: true, netns: "lab9" }, io, ac.signal, {
      openLive: async (_iface, opts) => ((opened = opts), cap),
      clock,
    });
    await clock.runTo(1);
    // BPF: IGMP, and ARP requests for its own address only
    expect(opened).toEqual({ filter: liveFilter(["198.18.0.5"]), netns: "lab9" });
    cap.push({ t: 1, src: H, message: v3Report([{ type: "ALLOW_NEW_SOURCES", group: "232.1.1.1", sources: ["198.18.9.1"] }]) });
    cap.push({ t: 1, src: "198.18.0.21", message: v2Report(G) });
    // the source's timer runs GMI (2 x 10 + 1 = 21 s) unanswered; then a lower querier appears
    await clock.runTo(23);
    cap.push({ t: 23, src: "198.18.0.1", message: v3Query({ maxRespTime: 1, qqi: 10 }) });
    await clock.runTo(24);
    ac.abort();
    expect(await run).toBe(0);
    const lines = out.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const pick = (type: string) => lines.filter((l) => l.type === type).map(({ type: _, time, frame: __, ...rest }) => ({ t: Math.round((Number(time) - 1_700_000_000) * 10) / 10, ...rest }));
    expect(pick("source-added")).toMatchObject([{ t: 1, group: "232.1.1.1", source: "198.18.9.1" }]);
    expect(pick("source-removed")).toMatchObject([{ t: 22, group: "232.1.1.1", source: "198.18.9.1", reason: "timer" }]);
    // v2 compatibility for the v2 host's group, back to v3 when its Older Host Present timer (21 s) ends
    expect(pick("compat-change")).toMatchObject([{ t: 1, group: G, from: 3, to: 2 }, { t: 22, group: G, from: 2, to: 3 }]);
    expect(pick("election-lost")).toEqual([{ t: 23, querier: "198.18.0.1" }]);
    expect(lines.at(-1)).toMatchObject({ type: "snapshot", role: "non-querier", querier: "198.18.0.1" });
  });

  it("hears a lower querier and falls silent; on a terminal the live table says so, then the summary", async () => {
    const { out, cap, clock, ac, run } = onTerminal();
    await clock.runTo(1);
    cap.push({ t: 1, src: "198.18.0.1", message: v3Query({ maxRespTime: 1, qqi: 10 }) });
    Object.assign(cap.stats, { received: 2, dropped: 0, ifDropped: 0 });
    await clock.runTo(15);
    expect(cap.sent).toHaveLength(1);
    expect(out.stdout.startsWith(SCREEN_ON)).toBe(true);
    expect(out.stdout).toContain("querier 198.18.0.5 v3: non-querier (querier 198.18.0.1)");
    expect(out.stdout).toContain("election-lost");
    ac.abort();
    expect(await run).toBe(0);
    const after = out.stdout.slice(out.stdout.lastIndexOf(SCREEN_OFF) + SCREEN_OFF.length);
    expect(after).toMatch(/^querier 198\.18\.0\.5 v3: non-querier \(querier 198\.18\.0\.1\)/);
    expect(after).toContain("GROUP");
    expect(out.stderr).toMatch(/stopped by signal; 1 frames heard, 1 sent .*; 2 packets received by filter, 0 packets dropped by kernel, 0 packets dropped by interface\n$/);
  });

  it("on a terminal the live table shows each group's mode, sources with their timers, group timer and compatibility", async () => {
    const { out, cap, clock, ac, run } = onTerminal();
    await clock.runTo(1);
    cap.push({ t: 1, src: H, message: v3Report([{ type: "ALLOW_NEW_SOURCES", group: "232.1.1.1", sources: ["198.18.9.1"] }]) });
    cap.push({ t: 1, src: "198.18.0.21", message: v2Report(G) });
    await clock.runTo(3);
    const screen = out.stdout.slice(out.stdout.lastIndexOf(HOME_CLEAR));
    // GMI = 2 x 10 + 1 = 21 s from the reports at 1 s, seen at 3 s (redrawn every 125 ms)
    expect(screen).toMatch(/querier 198\.18\.0\.5 v3: querier, next general query/);
    expect(screen).toMatch(/^GROUP +MODE +SOURCES +MEMBERS +TIMER +VERSION/m);
    expect(screen).toMatch(/^232\.1\.1\.1 +include +198\.18\.9\.1\(19s\) +198\.18\.0\.20 +- +v3 /m);
    expect(screen).toMatch(/^239\.1\.1\.1 +exclude +- +198\.18\.0\.21 +19\.\d s +v2 \(v2 host 19s\) /m);
    ac.abort();
    expect(await run).toBe(0);
  });

  it("a capture that cannot open is an error with status 1, as JSON with --json", async () => {
    const { io, out } = captureIo();
    const code = await runQuerier({ ...OPTS, json: true }, io, undefined, {
      openLive: async () => {
        throw Object.assign(new Error("eth9: no such device"), { name: "CaptureError", code: "no-such-interface" });
      },
      clock: new VirtualClock(0),
    });
    expect(code).toBe(1);
    expect(JSON.parse(out.stderr.trim())).toEqual({ error: "eth9: no such device", code: "no-such-interface" });
  });
});
