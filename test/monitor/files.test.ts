/**
 * lint and monitor -r on files that cannot be read to their end (missing, corrupt part-way, empty), stopped
 * by a signal (also while blocked on a FIFO with no writer), and the library's streaming path. Never clean
 * by mistake: every output names the file and why, and the status is 1.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runLint } from "../../src/cli/lint.js";
import { runMonitor } from "../../src/cli/monitor.js";
import { lintFile, monitorFile } from "../../src/capture/read.js";
import { v3Query, v3Report } from "../../src/wire/index.js";
import { captureIo, cli, tempDir, writePcap } from "../cli/helpers.js";
import { frameBytes, type At } from "./helpers.js";

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const Q = "198.18.0.1";
const H1 = "198.18.0.2";
const G = "239.1.1.1";

/** A clean capture of `n` frames: a query, then v3 reports 1 ms apart. */
function goodFile(name: string, n = 50): string {
  const list: At[] = [{ t: 0, src: Q, message: v3Query({ maxRespTime: 10 }) }];
  for (let i = 1; i < n; i++) list.push({ t: i / 1000, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) });
  return writePcap(join(dir, name), list.map(frameBytes));
}

/** The same capture cut in the middle of its last record. */
function corruptFile(name: string): string {
  const good = readFileSync(goodFile(`${name}.whole.pcap`));
  const path = join(dir, name);
  writeFileSync(path, good.subarray(0, good.length - 10));
  return path;
}

describe("lint: a file not read to its end shows in every output, status 1", () => {
  it("missing: text names the file and the reason on stdout, not 'no findings'", async () => {
    const r = await cli(["lint", join(dir, "nosuch.pcap")]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/^no findings\n$/);
    expect(r.stdout).toContain("NOT EVERY FILE WAS READ");
    expect(r.stdout).toContain(`${join(dir, "nosuch.pcap")}: NOT READ TO ITS END: no such file`);
  });

  it("--json: complete false and a per-file status with the error", async () => {
    const good = goodFile("good.pcap");
    const r = await cli(["lint", "--json", join(dir, "nosuch.pcap"), good]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { complete: boolean; files: { file: string; status: string; frames: number; error?: string }[] };
    expect(out.complete).toBe(false);
    expect(out.files).toEqual([
      { file: join(dir, "nosuch.pcap"), status: "failed", frames: 0, error: "no such file" },
      { file: good, status: "complete", frames: 50 },
    ]);
  });

  it("--sarif: invocations say the run did not read everything, one notification per failed file", async () => {
    const bad = corruptFile("cut.pcap");
    const r = await cli(["lint", "--sarif", join(dir, "nosuch.pcap"), bad, goodFile("good2.pcap")]);
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.stdout) as {
      runs: { invocations: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] }[];
    };
    const inv = sarif.runs[0]!.invocations[0]!;
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications.map((n) => n.locations[0]!.physicalLocation.artifactLocation.uri)).toEqual([join(dir, "nosuch.pcap"), bad]);
    expect(inv.toolExecutionNotifications.every((n) => n.level === "error")).toBe(true);
    expect(inv.toolExecutionNotifications[1]!.message.text).toMatch(/^.*cut.pcap: not read to its end: .*offset \d+.*\(\d+ frames judged\)$/);
  });

  it("--sarif of a clean run: executionSuccessful true, no notifications", async () => {
    const r = await cli(["lint", "--sarif", goodFile("good3.pcap")]);
    expect(r.code).toBe(0);
    const sarif = JSON.parse(r.stdout) as { runs: { invocations: { executionSuccessful: boolean; toolExecutionNotifications: unknown[] }[] }[] };
    expect(sarif.runs[0]!.invocations[0]).toEqual({ executionSuccessful: true, toolExecutionNotifications: [] });
  });

  it("corrupt part-way: the frames before the damage are judged, the file is named with the reason", async () => {
    const r = await cli(["lint", "--json", corruptFile("cut2.pcap")]);
    const out = JSON.parse(r.stdout) as { files: { status: string; frames: number; error: string }[] };
    expect(r.code).toBe(1);
    expect(out.files[0]).toMatchObject({ status: "failed", frames: 49 });
    expect(out.files[0]!.error).toMatch(/offset \d+/);
  });

  it("an empty file and a single frame: clear answers", async () => {
    const empty = join(dir, "empty.pcap");
    writeFileSync(empty, "");
    const e = await cli(["lint", "--json", empty]);
    expect(e.code).toBe(1);
    expect((JSON.parse(e.stdout) as { files: { status: string; error: string }[] }).files[0]).toMatchObject({ status: "failed", error: expect.stringMatching(/empty/) });
    const one = writePcap(join(dir, "one.pcap"), [frameBytes({ t: 0, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) })]);
    expect(await cli(["lint", one])).toMatchObject({ code: 0, stdout: "no findings\n" });
    const m = await cli(["monitor", "-r", one, "--json"]);
    expect(m.code).toBe(0);
    const snap = JSON.parse(m.stdout.trim().split("\n").at(-1)!) as { complete: boolean; groups: { group: string }[] };
    expect(snap).toMatchObject({ complete: true, groups: [{ group: G }] });
  });
});

describe("monitor -r: an incomplete view says so", () => {
  it("missing file: the snapshot is marked incomplete with the file's status, exit 1", async () => {
    const r = await cli(["monitor", "-r", join(dir, "nosuch.pcap"), "--json"]);
    expect(r.code).toBe(1);
    const snap = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { type: string; complete: boolean; file: { status: string; error: string } };
    expect(snap).toMatchObject({ type: "snapshot", complete: false, file: { status: "failed", error: "no such file" } });
  });

  it("corrupt part-way, text: the table then a line naming the file", async () => {
    const bad = corruptFile("cut3.pcap");
    const r = await cli(["monitor", "-r", bad], { stdoutIsTTY: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("239.1.1.1"); // what was read is there
    expect(r.stdout).toContain(`INCOMPLETE VIEW: ${bad}: NOT READ TO ITS END`);
  });
});

describe("a signal stops lint and monitor -r, printing what was judged, marked partial", () => {
  it("lint: aborted before reading: partial, status 1", async () => {
    const { io, out } = captureIo();
    const ac = new AbortController();
    ac.abort("SIGTERM");
    expect(await runLint([goodFile("g4.pcap")], { json: true }, io, ac.signal)).toBe(1);
    expect((JSON.parse(out.stdout) as { complete: boolean; files: { status: string; error: string }[] }).files[0]).toMatchObject({ status: "partial", error: expect.stringMatching(/SIGTERM/) });
  });

  it("monitor -r on a FIFO with no writer: returns within a second of the signal, snapshot marked incomplete", async () => {
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const { io, out } = captureIo();
    const ac = new AbortController();
    const started = performance.now();
    setTimeout(() => ac.abort("SIGINT"), 150);
    const code = await runMonitor({ read: fifo, json: true }, io, ac.signal);
    expect(performance.now() - started).toBeLessThan(1150);
    expect(code).toBe(1);
    const snap = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as { complete: boolean; file: { status: string; error: string } };
    expect(snap).toMatchObject({ complete: false, file: { status: "partial", error: expect.stringMatching(/SIGINT/) } });
    // unblock the pending open so the test's process does not keep it
    writeFileSync(fifo, "");
  });
});

describe("library: lintFile and monitorFile stream and report the file's status", () => {
  it("same findings and view as the CLI; a missing file is a status, not a throw", async () => {
    const good = goodFile("lib.pcap");
    const l = await lintFile(good);
    expect(l).toEqual({ findings: [], file: { file: good, status: "complete", frames: 50 } });
    const m = await monitorFile(good);
    expect(m.file.status).toBe("complete");
    expect(m.snapshot).toMatchObject({ complete: true, querier: { address: Q }, groups: [{ group: G, filterMode: "exclude", reporters: [H1] }] });
    const missing = await monitorFile(join(dir, "nosuch.pcap"));
    expect(missing.file).toMatchObject({ status: "failed", error: "no such file" });
    expect(missing.snapshot.complete).toBe(false);
  });
});

describe("a progress bar on a terminal, as decode has", () => {
  it("lint and monitor -r draw it on stderr for a file over 8 MiB, and clear it", async () => {
    const f = frameBytes({ t: 0, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) });
    const big = writePcap(join(dir, "big.pcap"), Array.from({ length: Math.ceil((9 * 1024 * 1024) / (f.length + 16)) }, () => f));
    for (const args of [["lint", big], ["monitor", "-r", big, "--json"]]) {
      const r = await cli(args, { stderrIsTTY: true });
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stderr, args.join(" ")).toMatch(/\r.*big\.pcap \[[#-]{30}\] \d+\.\d% \d+ frames/);
      expect(r.stderr.endsWith("\r\u001b[K")).toBe(true);
    }
    // not on a terminal: none
    expect((await cli(["lint", big])).stderr).toBe("");
  }, 60_000);
});
