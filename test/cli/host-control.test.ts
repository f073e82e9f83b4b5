/**
 * `igmpkit host -i IFACE --control stdin`: the emulated hosts' sockets driven over the conformance hook
 * protocol, one answer a line on stdout, the frames each command makes sent at once, `quit` answered once
 * the hosts have left. A hand-fed capture and a virtual clock: no root, no sleeping.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runHost, type HostCliOptions } from "../../src/cli/host.js";
import { UsageError } from "../../src/cli/io.js";
import { decodeFrame } from "../../src/wire/index.js";
import { FakeCapture, VirtualClock, settle } from "../monitor/fake-live.js";

/** A hand-fed capture that keeps what is sent on it. */
function recordingCapture(): FakeCapture & { sent: Uint8Array[] } {
  const sent: Uint8Array[] = [];
  return Object.assign(new FakeCapture("eth9"), { sent, send: async (frame: Uint8Array) => void sent.push(frame) });
}

function start(o: Omit<HostCliOptions, "interface" | "control">) {
  const clock = new VirtualClock(0);
  const cap = recordingCapture();
  const stdin = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (s: string | Uint8Array) => out.push(String(s)) }, stderr: { write: (s: string) => err.push(s) }, stdoutIsTTY: false, stderrIsTTY: true, env: {} };
  let code: number | undefined;
  const run = runHost({ interface: "eth9", control: "stdin", ...o }, io, { openLive: async () => cap, clock, stdin }).then((c) => (code = c));
  return {
    clock,
    cap,
    out,
    err,
    /** Write one line and let it be answered. */
    async send(line: string) {
      stdin.write(`${line}\n`);
      await settle();
      await settle();
    },
    end: () => stdin.end(),
    answers: () => out.join("").split("\n").filter((l) => l !== ""),
    /** Records sent so far, as "from TYPE group {sources}" (v1/v2: "from v2-report group"). */
    records: () =>
      cap.sent.flatMap((b) => {
        const d = decodeFrame({ data: b, linkType: 1 });
        const m = d.igmp;
        if (m?.kind === "v3-report") return m.records.map((r) => `${d.ipSrc} ${r.kind} ${r.group} {${r.sources.join(",")}}`);
        if (m?.kind === "v2-report" || m?.kind === "leave" || m?.kind === "v1-report") return [`${d.ipSrc} ${m.kind} ${m.group}`];
        return [];
      }),
    async finish(): Promise<number> {
      for (let t = 0; code === undefined && t < 60; t += 0.25) await clock.runTo(t);
      await run;
      return code!;
    },
  };
}

describe("igmpkit host --control stdin", () => {
  it("answers each command with ok or err, sends what it causes at once, and answers quit after the leaves", async () => {
    const h = start({ firstIp: "198.18.0.20", igmpVersion: 3 });
    await h.send("ping");
    await h.send("join 239.1.2.3");
    expect(h.records()).toEqual(["198.18.0.20 CHANGE_TO_EXCLUDE_MODE 239.1.2.3 {}"]);
    await h.send("join 239.1.2.3");
    await h.send("joinsrc 239.1.2.4 198.18.200.1");
    await h.send("leave 239.9.9.9");
    await h.send("bogus 1");
    await h.send("");
    await h.send("join 239.1.2.3 @b");
    await h.send("leave 239.1.2.3");
    expect(h.answers()).toEqual([
      "ok",
      "ok",
      expect.stringMatching(/^err socket \d+ already joined 239\.1\.2\.3 on eth0$/),
      "ok",
      expect.stringMatching(/^err socket \d+ has not joined 239\.9\.9\.9 on eth0$/),
      "err unknown command: bogus",
      "ok",
      "ok",
    ]);
    // The group stays joined while socket @b holds it: no TO_IN {} for it yet.
    expect(h.records().filter((r) => r.includes("CHANGE_TO_INCLUDE_MODE 239.1.2.3"))).toEqual([]);
    expect(h.records()).toContain("198.18.0.20 ALLOW_NEW_SOURCES 239.1.2.4 {198.18.200.1}");
    const before = h.cap.sent.length;
    await h.send("quit");
    expect(h.answers()).toHaveLength(8); // quit is answered once the hosts have left
    expect(await h.finish()).toBe(0);
    expect(h.answers()).toEqual([...h.answers().slice(0, 8), "ok"]);
    const leaves = h.records().slice(h.records().length - (h.cap.sent.length - before));
    expect(leaves).toEqual(expect.arrayContaining(["198.18.0.20 CHANGE_TO_INCLUDE_MODE 239.1.2.3 {}", "198.18.0.20 BLOCK_OLD_SOURCES 239.1.2.4 {198.18.200.1}"]));
    // The summary goes to stderr, no screen (stdout is the protocol's).
    const text = h.err.join("");
    expect(text).toMatch(/stopped by quit, every group left/);
    expect(text).not.toContain("\u001b[");
  });

  it("every host does each command; the end of the input stops the run as quit does, without an answer", async () => {
    const h = start({ firstIp: "198.18.0.30", hosts: 2, igmpVersion: 2, unsolicitedInterval: 0.5 });
    await h.send("join 239.5.5.5");
    expect(h.records()).toEqual(["198.18.0.30 v2-report 239.5.5.5", "198.18.0.31 v2-report 239.5.5.5"]);
    // A repetition comes within the 0.5 s unsolicited report interval asked for; the other host, still
    // delaying its own, hears it and stays quiet (RFC 2236 §3).
    await h.clock.runTo(0.5);
    expect(h.records()).toHaveLength(3);
    h.end();
    expect(await h.finish()).toBe(0);
    expect(h.answers()).toEqual(["ok"]);
    // RFC 2236 §3: the host that sent the last report leaves (the other heard it and stays quiet).
    expect(h.records().filter((r) => r.includes("leave"))).toEqual([expect.stringMatching(/^198\.18\.0\.3[01] leave 239\.5\.5\.5$/)]);
    expect(h.err.join("")).toMatch(/stopped by end of control input/);
  });

  it("refuses commands once the run is stopping (here at --duration), while the hosts leave", async () => {
    const h = start({ firstIp: "198.18.0.40", igmpVersion: 3, duration: 1 });
    await h.send("join 239.6.6.6");
    await h.clock.runTo(1);
    await h.send("join 239.6.6.7");
    expect(await h.finish()).toBe(0);
    expect(h.answers()).toEqual(["ok", "err the hosts are stopping"]);
    expect(h.records().filter((r) => r.includes("239.6.6.7"))).toEqual([]);
    expect(h.records()).toContain("198.18.0.40 CHANGE_TO_INCLUDE_MODE 239.6.6.6 {}");
    expect(h.err.join("")).toMatch(/stopped by duration/);
  });

  it("needs -i, and refuses --json (stdout carries the answers)", async () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, stdoutIsTTY: false, stderrIsTTY: false, env: {} };
    await expect(runHost({ control: "stdin", write: "/tmp/x.pcap" }, io)).rejects.toThrow(UsageError);
    await expect(runHost({ interface: "eth9", control: "stdin", json: true }, io)).rejects.toThrow(/drop --json/);
    await expect(runHost({ interface: "eth9", scenario: "s.json", unsolicitedInterval: 1 }, io)).rejects.toThrow(/--unsolicited-interval/);
  });
});
