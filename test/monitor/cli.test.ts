import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openCaptureWriter } from "../../src/capture/file.js";
import type { CliIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/main.js";
import { lint, monitor, readCapture } from "../../src/monitor/index.js";
import { leave, v2Report, v3Query, v3Report } from "../../src/wire/index.js";
import { frameBytes, timestampNs, type At } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "igmpkit-monitor-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, list: At[]): string {
  const path = join(dir, name);
  const w = openCaptureWriter(path, { linkType: 1 });
  for (const a of list) {
    const data = frameBytes(a);
    w.write({ timestampNs: timestampNs(a.t), wireLength: data.length, data });
  }
  w.close();
  return path;
}

async function cli(args: string[], tty = false) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (s: string | Uint8Array) => ((stdout += typeof s === "string" ? s : Buffer.from(s).toString("utf8")), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
    env: {},
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

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

  it("usage errors", async () => {
    expect((await cli(["monitor"])).code).toBe(2);
    expect((await cli(["monitor", "-i", "eth0"])).code).toBe(2);
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
