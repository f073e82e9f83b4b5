/** `igmpkit conform` in-process: usage errors, --list, offline runs and their outputs (JSON, JUnit, evidence). */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runConform } from "../../src/cli/conform.js";
import { readCaptureFile } from "../../src/capture/file.js";
import { captureIo, tempDir } from "./helpers.js";

async function conform(o: Parameters<typeof runConform>[0]) {
  const { io, out } = captureIo();
  const status = await runConform(o, io);
  return { status, ...out };
}

describe("igmpkit conform", () => {
  test.each([
    [{ role: "hub" }, /--role must be one of host, router, switch/],
    [{ emulate: true, cases: ["host.nope"] }, /unknown case "host.nope" for role host/],
    [{ emulate: true, igmpVersion: "4" }, /--igmp-version must be 1, 2 or 3/],
    [{}, /give -i IFACE \(a live DUT\) or --emulate/],
    [{ interface: "eth0" }, /give --address/],
    [{ emulate: true, fault: "sleepy" }, /--fault must be one of deaf, late, no-leave, wrong-address for role host/],
    [{ role: "router", emulate: true, fault: "deaf" }, /--fault must be one of bad-checksum, bad-ttl, .*, wrong-qqi for role router/],
    [{ emulate: "bsd" }, /--emulate takes rfc or linux/],
    [{ emulate: true, maxRespTime: "0" }, /--max-resp-time must be a positive number/],
    [{ role: "switch", emulate: true }, /--emulate has no emulated switch/],
    [{ role: "switch", address: "198.18.0.1", port: ["a"], sourcePort: "s" }, /role switch needs two or more --port IFACE/],
    [{ role: "switch", maxGroups: "0" }, /--max-groups must be a positive number, got "0"/],
    [{ role: "switch", maxGroups: "64.5" }, /--max-groups must be an integer from 1 to 65536, got "64.5"/],
    [{ role: "switch", sources: "198.18.200.1" }, /--sources takes two different unicast IPv4 addresses, S1,S2, got "198\.18\.200\.1"/],
    [{ role: "switch", sources: "198.18.200.1,239.1.1.1" }, /--sources takes two different unicast IPv4 addresses/],
  ])("usage error %j: exit 2 with a one-line message", async (o, msg) => {
    const r = await conform(o);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^igmpkit conform: /);
    expect(r.stderr).toMatch(msg);
    expect(r.stdout).toBe("");
  });

  test("--list prints every case of the role with its level, versions and RFC", async () => {
    const r = await conform({ role: "router", list: true });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+LEVEL\s+VERSIONS\s+RFC\s+TITLE$/);
    expect(lines.length).toBe(19);
    expect(r.stdout).toMatch(/router\.ignore-bad-checksum\s+NEGATIVE\s+v2,v3\s+RFC 2236/);
  });

  test("an RFC host offline: exit 0, a table with every case; a deaf one: exit 1 and the MUST failures named", async () => {
    const ok = await conform({ emulate: true });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^igmpkit conform: role host, IGMPv3, DUT 198\.18\.0\.2$/m);
    expect(ok.stdout).toMatch(/18 passed, 0 failed, 0 inconclusive, 2 not applicable$/m);
    const deaf = await conform({ emulate: true, fault: "deaf", cases: ["host.general-query", "host.join-report"] });
    expect(deaf.status).toBe(1);
    expect(deaf.stdout).toMatch(/host\.general-query\s+MUST\s+FAIL\s+RFC 9776 §5\.2.*expected an answer for 239\.77\.0\.\d+ within 2200 ms; observed no answer \[frames \d+\]/);
    expect(deaf.stdout).toMatch(/1 passed, 1 failed.*; a MUST failed$/m);
  });

  test("role router offline against igmpkit's own querier: every case that applies passes", async () => {
    const r = await conform({ role: "router", emulate: true, queryInterval: "4", lastMemberInterval: "0.5", lastMemberCount: "2", json: true });
    const res = JSON.parse(r.stdout);
    // --emulate: the runner sees the emulated querier start (startup queries judged); v3 has no v2-only case
    expect(res.counts).toEqual({ pass: 16, fail: 0, inconclusive: 0, "not-applicable": 2 });
    expect(r.status).toBe(0);
    const faulty = await conform({ role: "router", emulate: true, fault: "bad-ttl", queryInterval: "4", lastMemberInterval: "0.5", lastMemberCount: "2", cases: ["router.general-query-fields", "router.s-flag"] });
    expect(faulty.status).toBe(1);
    expect(faulty.stdout).toMatch(/router\.general-query-fields\s+MUST\s+FAIL.*observed TTL 2/);
  });

  test("a SHOULD failing alone does not fail the run", async () => {
    const r = await conform({ emulate: true, igmpVersion: "2", fault: "no-leave", cases: ["host.leave-v2"] });
    expect(r.stdout).toMatch(/host\.leave-v2\s+SHOULD\s+FAIL/);
    expect(r.status).toBe(0);
  });

  test("--json, --junit and --evidence hold the same verdicts and frames", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const junit = join(dir, "r.xml");
      const evidence = join(dir, "e.pcapng");
      const r = await conform({ emulate: true, fault: "no-leave", json: true, junit, evidence, cases: ["host.join-report", "host.leave-v3", "host.v2-suppression"] });
      expect(r.status).toBe(1);
      const res = JSON.parse(r.stdout);
      expect(res.results.map((x: { id: string; verdict: { status: string } }) => [x.id, x.verdict.status])).toEqual([
        ["host.join-report", "pass"],
        ["host.v2-suppression", "not-applicable"],
        ["host.leave-v3", "fail"],
      ]);
      const xml = readFileSync(junit, "utf8");
      expect(xml).toMatch(/<testsuite name="igmpkit conform host IGMPv3" tests="3" failures="1" errors="0" skipped="1">/);
      expect(xml).toMatch(/<testcase classname="conform.host" name="host.leave-v3 \[MUST\] RFC 9776 §5.1" time="[\d.]+">\n\s+<failure message="expected CHANGE_TO_INCLUDE_MODE/);
      const frames = [];
      for await (const f of readCaptureFile(evidence)) frames.push(f);
      const joinFrames = res.results[0].verdict.frames as number[];
      expect(frames.length).toBeGreaterThanOrEqual(joinFrames[0]!);
      let comments: string[] = [];
      try {
        comments = execFileSync("tshark", ["-r", evidence, "-T", "fields", "-e", "frame.comment"], { encoding: "utf8" }).trim().split("\n");
      } catch (e) {
        if (process.env.IGMPKIT_REQUIRE_LIVE === "1") throw e;
      }
      if (comments.length) {
        expect(comments.length).toBe(frames.length);
        expect(comments[joinFrames[0]! - 1]).toBe("host.join-report");
        expect(comments.every((c) => /^host\.(join-report|leave-v3)( \(sent by igmpkit\))?$/.test(c))).toBe(true);
      }
    } finally {
      cleanup();
    }
  });
});
