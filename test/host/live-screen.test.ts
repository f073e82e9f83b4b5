/**
 * `igmpkit host -i` on a terminal: the per-host and per-group tables redrawn in place on the alternate
 * screen (most active rows first, cut to the terminal's size, at most 4 redraws a second), the screen
 * restored before the final summary; off a terminal and with --json nothing of that. A hand-fed capture
 * and a virtual clock: no root, no sleeping.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runHost, type HostCliOptions } from "../../src/cli/host.js";
import { HOME_CLEAR, SCREEN_OFF, SCREEN_ON } from "../../src/cli/screen.js";
import { v3Query } from "../../src/wire/index.js";
import { FakeCapture, VirtualClock } from "../monitor/fake-live.js";

const dir = mkdtempSync(join(tmpdir(), "igmpkit-host-screen-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 30 hosts in 239.1.1.1; 198.18.0.25 also joins 239.2.2.1..6 one after the other, so it sends the most. */
const scenario = join(dir, "s.json");
writeFileSync(
  scenario,
  JSON.stringify({
    version: 3,
    hosts: [{ firstIp: "198.18.0.10", count: 30 }],
    timeline: [
      { at: 0, host: "*", op: "join", group: "239.1.1.1" },
      ...[1, 2, 3, 4, 5, 6].map((k) => ({ at: k / 2, host: "198.18.0.25", op: "join", group: `239.2.2.${k}`, socket: `s${k}` })),
    ],
  }),
);

interface Term {
  columns?: number;
  rows?: number;
}

/** A fake io; every write to stderr is kept with the virtual time it was made at. */
function fakeIo(clock: VirtualClock, tty: boolean, term: Term = {}) {
  const out: string[] = [];
  const err: { t: number; s: string }[] = [];
  const stderr = { ...term, write: (s: string) => err.push({ t: clock.now(), s }) };
  return {
    io: { stdout: { write: (s: string | Uint8Array) => out.push(String(s)) }, stderr, stdoutIsTTY: tty, stderrIsTTY: tty, env: {} },
    out,
    err,
    text: () => err.map((e) => e.s).join(""),
  };
}

/** Start `host -i` on a fake capture; `runTo(s)` moves the clock; `finish()` moves it until the run is over. */
function start(o: Omit<HostCliOptions, "interface">, tty: boolean, term: Term = {}) {
  const clock = new VirtualClock(0);
  const cap = new FakeCapture("eth9");
  const f = fakeIo(clock, tty, term);
  let code: number | undefined;
  const run = runHost({ interface: "eth9", scenario, seed: 7, ...o }, f.io, { openLive: async () => cap, clock }).then((c) => (code = c));
  let t = 0;
  return {
    ...f,
    clock,
    cap,
    async runTo(s: number) {
      for (; t < s; ) await clock.runTo((t = Math.min(s, t + 0.25)));
    },
    async finish(): Promise<number> {
      for (let i = 0; code === undefined && i < 400; i++) await clock.runTo((t += 0.25));
      await run;
      return code!;
    },
  };
}

/** The screens drawn (each what followed a home-and-clear), with the time of each. */
function screens(err: { t: number; s: string }[]): { t: number; lines: string[] }[] {
  return err.filter((e) => e.s.startsWith(HOME_CLEAR)).map((e) => ({ t: e.t, lines: e.s.slice(HOME_CLEAR.length).replace(/\n$/, "").split("\n") }));
}

const query = { t: 0, src: "198.18.0.1", message: v3Query({ maxRespTime: 1 }) };

describe("igmpkit host -i on a terminal: live tables", () => {
  it("draws the tables most active first, refreshes them at most 4 times a second, cut to the terminal; restores the screen before the summary", async () => {
    const r = start({ duration: 8 }, true, { columns: 90, rows: 14 });
    await r.runTo(5);
    r.cap.push(query);
    const code = await r.finish();
    expect(code).toBe(0);
    expect(r.out).toEqual([]);

    // The alternate screen is entered first and left once, after the last redraw and before the summary.
    const text = r.text();
    expect(text.startsWith(SCREEN_ON + HOME_CLEAR)).toBe(true);
    expect(text.split(SCREEN_OFF)).toHaveLength(2);
    const [live, after] = text.split(SCREEN_OFF) as [string, string];
    expect(after).not.toContain("\u001b");
    const final = after.split("\n");
    expect(final[0]).toMatch(/^\d+\.\d s {2}queries heard: gen 30 /);
    // (the duration of the run includes the leaving, after the screen is gone)
    expect(final[1]).toMatch(/^30 hosts on eth9, \d+\.\d s, stopped by duration, every group left; /);
    expect(live.split(HOME_CLEAR).length - 1).toBe(screens(r.err).length);

    const shots = screens(r.err);
    expect(shots.length).toBeGreaterThanOrEqual(8 * 1); // at least once a second over 8 s
    // Paced: never two redraws within 250 ms, never a second without one.
    for (let i = 1; i < shots.length; i++) {
      const gap = shots[i]!.t - shots[i - 1]!.t;
      expect(gap).toBeGreaterThanOrEqual(250);
      expect(gap).toBeLessThanOrEqual(1000);
    }
    // While the hosts were joining (frames every moment), 4 a second at most and at least.
    expect(shots.filter((s) => s.t - shots[0]!.t < 1000).length).toBe(4);

    for (const s of shots) {
      // Cut to the terminal: 13 lines at most (the last newline must not scroll), 90 columns.
      expect(s.lines.length).toBeLessThanOrEqual(13);
      for (const l of s.lines) expect(l.length).toBeLessThanOrEqual(90);
      expect(s.lines[0]).toMatch(/^igmpkit host on eth9 {2}30 hosts {2}\d+\.\d s {2}\(Ctrl-C to stop: every host leaves\)$/);
      expect(s.lines[2]!.startsWith("host              queries(g/grp/gs)")).toBe(true);
      expect(s.lines[2]!.endsWith("…")).toBe(true);
    }
    // Once every group is joined: 4 hosts and a count of the rest, 3 groups and a count of the rest.
    const last = shots.at(-1)!.lines;
    expect(last).toHaveLength(13);
    expect(last[7]).toBe("… 26 more hosts");
    expect(last[8]!.startsWith("group             queries(grp/gs)")).toBe(true);
    expect(last[12]).toBe("… 4 more groups");
    // Most active first: the host that joined 7 groups, then by address; the group all 30 hosts joined.
    expect(last.slice(3, 7).map((l) => l.split(" ")[0])).toEqual(["198.18.0.25", "198.18.0.10", "198.18.0.11", "198.18.0.12"]);
    expect(last.slice(9, 12).map((l) => l.split(" ")[0])).toEqual(["239.1.1.1", "239.2.2.1", "239.2.2.2"]);

    // Refreshed: before the query no host had heard one; after it every host heard it and answered.
    const before = shots.filter((s) => s.t < shots[0]!.t + 5000).at(-1)!.lines;
    expect(before[3]).toMatch(/^198\.18\.0\.25 +0\/0\/0 /);
    expect(before[1]).toMatch(/queries heard: gen 0 /);
    expect(last[1]).toMatch(/queries heard: gen 30 /);
    expect(last[3]).toMatch(/^198\.18\.0\.25 +1\/0\/0 /);
    // (answers and delay max/MRT are past the cut at 90 columns) the totals count the IS_EX answers: 29 + 7
    expect(before[1]).toMatch(/IS_EX 0 /);
    expect(last[1]).toMatch(/IS_EX 36 /);
  });

  it("without a size from the terminal: 120 columns, at most 20 rows a table; an abort restores the screen too", async () => {
    const ac = new AbortController();
    const r = start({ signal: ac.signal }, true);
    await r.runTo(4);
    ac.abort();
    expect(await r.finish()).toBe(0);
    const text = r.text();
    const [live, after] = text.split(SCREEN_OFF) as [string, string];
    expect(live.startsWith(SCREEN_ON)).toBe(true);
    expect(after).toMatch(/\n30 hosts on eth9, \d+\.\d s, stopped by abort, every group left; /);
    const last = screens(r.err).at(-1)!.lines;
    for (const l of last) expect(l.length).toBeLessThanOrEqual(120);
    expect(last[2]!.length).toBe(120);
    expect(last.filter((l) => /^198\.18\.0\.\d+ /.test(l))).toHaveLength(19);
    expect(last).toContain("… 11 more hosts");
    expect(last.filter((l) => /^239\./.test(l))).toHaveLength(7);
  });

  it("a terminal with very few rows still gets a title, the headers and a count of what is left out", async () => {
    const r = start({ duration: 4 }, true, { columns: 200, rows: 5 });
    expect(await r.finish()).toBe(0);
    const last = screens(r.err).at(-1)!.lines;
    expect(last).toHaveLength(6);
    expect(last[0]!.startsWith("igmpkit host on eth9  30 hosts")).toBe(true);
    expect(last[1]).toMatch(/^\d+\.\d s {2}queries heard: /);
    expect(last[2]!.startsWith("host              queries(g/grp/gs)")).toBe(true);
    expect(last[3]).toBe("… 30 more hosts");
    expect(last[4]!.startsWith("group             queries(grp/gs)")).toBe(true);
    expect(last[5]).toBe("… 7 more groups");
  });

  it("not on a terminal: no screen, no redraws, the summary only (as before)", async () => {
    const r = start({ duration: 3 }, false, { columns: 90, rows: 14 });
    await r.runTo(1);
    r.cap.push(query);
    expect(await r.finish()).toBe(0);
    const text = r.text();
    expect(text).not.toContain("\u001b");
    expect(r.err).toHaveLength(1);
    expect(text).toMatch(/^30 hosts on eth9, \d+\.\d s, stopped by duration, every group left; \d+ frames heard, \d+ sent \(0 send errors, lag max 0 ms\); drops: not available \(cap without igmpkit's patch passes no libpcap counters\)\nhost {14}queries/);
    // the end-of-run tables keep their order (by address) and 20 rows
    expect(text.split("\n")[2]).toMatch(/^198\.18\.0\.10 +1\/0\/0 /);
    expect(text).toContain("... 10 more hosts (--json has them all)");
    expect(r.out).toEqual([]);
  });

  it("--json on a terminal: no screen, the statistics as JSON on stdout", async () => {
    const r = start({ duration: 4, json: true }, true, { columns: 90, rows: 14 });
    expect(await r.finish()).toBe(0);
    expect(r.err).toEqual([]);
    const s = JSON.parse(r.out.join(""));
    expect(s.stoppedBy).toBe("duration");
    expect(s.hosts).toHaveLength(30);
    expect(Object.keys(s.groups)).toEqual(["239.1.1.1", "239.2.2.1", "239.2.2.2", "239.2.2.3", "239.2.2.4", "239.2.2.5", "239.2.2.6"]);
  });
});
