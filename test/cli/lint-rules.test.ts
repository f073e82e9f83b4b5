/** `igmpkit lint` rule control: --rules, --disable/--enable/--severity, the LintOptions flags, the settings file. */
import { Ajv } from "ajv";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runLint } from "../../src/cli/lint.js";
import { ExitCode, UsageError } from "../../src/cli/io.js";
import { Linter, LINT_RULES } from "../../src/monitor/lint.js";
import { leave, v2Query, v2Report, v3Query, v3Report } from "../../src/wire/index.js";
import { writeCapture, type At } from "../monitor/helpers.js";
import { captureIo, cli, tempDir } from "./helpers.js";

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const write = (name: string, list: At[]): string => writeCapture(join(dir, name), list);

const Q = "198.18.0.1";
const H1 = "198.18.0.2";
const H2 = "198.18.0.3";
const G = "239.1.1.1";
const BRIDGE = "fixtures/bridge-querier-igmpv2.pcap"; // query-from-unspecified (info) only
// A report 0.15 s after a 1 s Max Resp Time: late with the default 100 ms grace, in time with 200 ms.
const late = write("late.pcap", [
  { t: 0, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) },
  { t: 10, src: Q, message: v3Query({ maxRespTime: 1 }) },
  { t: 11.15, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) },
]);
// One leave for a group another host reported last: a finding only with --leave-threshold 1.
const stray = write("stray.pcap", [
  { t: 0, src: H1, message: v2Report(G) },
  { t: 1, src: H2, message: v2Report(G) },
  { t: 2, src: H1, message: leave(G) },
]);

/** runLint in-process in `cwd`. */
async function lintIn(cwd: string, args: Record<string, unknown>, files: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, out } = captureIo();
  try {
    return { code: await runLint(files, { ...args, cwd }, io), ...out };
  } catch (e) {
    if (e instanceof UsageError) return { code: ExitCode.usage, stdout: out.stdout, stderr: e.message };
    throw e;
  }
}

function project(name: string, files: Record<string, unknown>): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, v] of Object.entries(files)) writeFileSync(join(d, f), typeof v === "string" ? v : JSON.stringify(v));
  return d;
}

describe("lint --rules", () => {
  it("lists every rule: id, severity, RFC, one line; --json adds the fix hints", async () => {
    const r = await cli(["lint", "--rules"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(Object.keys(LINT_RULES).length);
    for (const rule of Object.values(LINT_RULES)) {
      const line = lines.find((l) => l.startsWith(`${rule.id} `))!;
      expect(line.split(/ {2,}/)).toEqual([rule.id, rule.severity, rule.rfc, rule.summary]);
    }
    const j = JSON.parse((await cli(["lint", "--rules", "--json"])).stdout) as { id: string; hint: string; setting: string }[];
    expect(j.map((x) => x.id)).toEqual(Object.values(LINT_RULES).map((x) => x.id));
    for (const x of j) expect(x.hint, x.id).toMatch(/^\S.{10,}\.$/);
  });

  it("shows the settings in force", async () => {
    const r = await cli(["lint", "--rules", "--disable", "late-report", "--severity", "mac-alias=error"]);
    expect(r.stdout).toMatch(/^late-report +off +RFC/m);
    expect(r.stdout).toMatch(/^mac-alias +error +RFC/m);
  });
});

describe("lint --disable / --enable / --severity", () => {
  it("--disable drops a rule's findings, --severity changes their severity and the exit status", async () => {
    const plain = await cli(["lint", "--json", BRIDGE]);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout).findings.map((f: { rule: string; severity: string }) => [f.rule, f.severity])).toEqual([["query-from-unspecified", "info"]]);
    const off = await cli(["lint", "--disable", "query-from-unspecified,late-report", BRIDGE]);
    expect([off.code, off.stdout]).toEqual([0, "no findings\n"]);
    const err = await cli(["lint", "--severity", "query-from-unspecified=error", BRIDGE]);
    expect(err.code).toBe(1);
    expect(err.stdout).toMatch(/^error query-from-unspecified /m);
    expect(err.stdout).toContain("1 errors, 0 warnings, 0 info");
  });

  it("--enable turns on again what the settings file turned off", async () => {
    const p = project("enable", { "igmpkit.config.json": { lint: { rules: { "query-from-unspecified": "off" } } } });
    const bridge = join(process.cwd(), BRIDGE);
    expect((await lintIn(p, {}, [bridge])).stdout).toBe("no findings\n");
    expect((await lintIn(p, { enable: ["query-from-unspecified"] }, [bridge])).stdout).toMatch(/^info query-from-unspecified/);
  });

  it("unknown ids and bad values are usage errors naming them", async () => {
    for (const [args, msg] of [
      [["--disable", "late-reports"], '--disable: unknown rule id "late-reports"'],
      [["--enable", "nope"], '--enable: unknown rule id "nope"'],
      [["--severity", "nope=error"], '--severity: unknown rule id "nope"'],
      [["--severity", "late-report=fatal"], '--severity late-report=fatal: "fatal" is not error, warning or info'],
      [["--severity", "late-report"], "--severity late-report: expected ID=error|warning|info"],
      [["--disable", "late-report", "--enable", "late-report"], "--enable late-report: also given to --disable"],
      [["--late-grace", "-5"], '--late-grace: "-5" is not a number >= 0'],
      [["--querier-grace", "soon"], '--querier-grace: "soon" is not a number >= 0'],
      [["--unsolicited-report-interval", "0"], '--unsolicited-report-interval: "0" is not a number > 0'],
      [["--leave-threshold", "1.5"], '--leave-threshold: "1.5" is not an integer >= 1'],
    ] as [string[], string][]) {
      const r = await cli(["lint", ...args, BRIDGE]);
      expect([r.code, r.stdout], args.join(" ")).toEqual([2, ""]);
      expect(r.stderr, args.join(" ")).toContain(msg);
    }
  });
});

describe("lint: LintOptions as flags", () => {
  it("--late-grace", async () => {
    expect((await cli(["lint", "--json", late])).stdout).toContain('"rule":"late-report"');
    expect((await cli(["lint", "--late-grace", "200", late])).stdout).toBe("no findings\n");
  });
  it("--leave-threshold", async () => {
    expect((await cli(["lint", stray])).stdout).toBe("no findings\n");
    expect((await cli(["lint", "--leave-threshold", "1", stray])).stdout).toContain("warning leave-not-last-reporter");
  });
  it("--unsolicited-report-interval", async () => {
    // A state change repeated 1.5 s later: within the window of Robustness 2 x URI 1 s only with URI 2 s.
    const f = write("urri.pcap", [
      { t: 0, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: "239.1.1.2" }]) },
      { t: 5, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
      { t: 7.5, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
      { t: 20, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: "239.1.1.2" }]) },
    ]);
    expect((await cli(["lint", f])).stdout).toContain("state-change-not-repeated");
    expect((await cli(["lint", "--unsolicited-report-interval", "2", f])).stdout).toBe("no findings\n");
  });
  it("--reorder-tolerance", async () => {
    // A frame stamped 50 ms before the one ahead of it: out of order with the default 10 ms, not with 100.
    const f = write("reorder.pcap", [
      { t: 1, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) },
      { t: 0.95, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) },
    ]);
    expect((await cli(["lint", f])).stdout).toContain("timestamps-out-of-order");
    expect((await cli(["lint", "--reorder-tolerance", "100", f])).stdout).toBe("no findings\n");
  });
  it("--querier-grace", async () => {
    // The higher router queries 2 s after the lower one: contention only when the grace is below 2 s.
    const f = write("grace.pcap", [
      { t: 0, src: Q, message: v2Query() },
      { t: 2, src: "198.18.0.5", message: v2Query() },
    ]);
    expect((await cli(["lint", f])).stdout).toContain("querier-not-lowest");
    expect((await cli(["lint", "--querier-grace", "3000", f])).stdout).toBe("no findings\n");
  });
});

describe("lint: the settings file", () => {
  const bridge = join(process.cwd(), BRIDGE);
  it("igmpkit.config.json in the working directory, then package.json's \"igmpkit\" key; --config FILE; flags win", async () => {
    const own = project("own", {
      "igmpkit.config.json": { lint: { rules: { "query-from-unspecified": "warning" }, failOn: "warning" } },
      "package.json": { name: "x", igmpkit: { lint: { rules: { "query-from-unspecified": "off" } } } },
    });
    const a = await lintIn(own, {}, [bridge]);
    expect(a.code).toBe(1); // warning >= failOn warning
    expect(a.stdout).toMatch(/^warning query-from-unspecified/);
    expect((await lintIn(own, { failOn: "error" }, [bridge])).code).toBe(0);
    expect((await lintIn(own, { severity: ["query-from-unspecified=info"] }, [bridge])).stdout).toMatch(/^info query-from-unspecified/);
    const pkg = project("pkg", { "package.json": { name: "x", igmpkit: { lint: { rules: { "query-from-unspecified": "off" } } } } });
    expect((await lintIn(pkg, {}, [bridge])).stdout).toBe("no findings\n");
    const none = project("none", { "package.json": { name: "x" } });
    expect((await lintIn(none, {}, [bridge])).stdout).toMatch(/^info query-from-unspecified/);
    const cfg = join(project("cfgdir", { "ci.json": { lint: { lateGraceMs: 200 } } }), "ci.json");
    expect((await lintIn(none, { config: cfg }, [late])).stdout).toBe("no findings\n");
    expect((await lintIn(none, { config: cfg, lateGrace: "100" }, [late])).stdout).toContain("late-report");
  });

  it("bad files and values are usage errors naming the key", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ "igmpkit.config.json": { lint: { rules: { "late-reports": "off" } } } }, "igmpkit.config.json: lint.rules.late-reports: unknown rule id"],
      [{ "igmpkit.config.json": { lint: { rules: { "late-report": "fatal" } } } }, "igmpkit.config.json: lint.rules.late-report: must be one of off, info, warning, error"],
      [{ "igmpkit.config.json": { lint: { lateGraceMs: "100" } } }, "igmpkit.config.json: lint.lateGraceMs: must be number"],
      [{ "igmpkit.config.json": { lint: { leaveThreshold: 0 } } }, "igmpkit.config.json: lint.leaveThreshold: must be >= 1"],
      [{ "igmpkit.config.json": { lint: { failOn: "fatal" } } }, "igmpkit.config.json: lint.failOn: must be one of error, warning, info"],
      [{ "igmpkit.config.json": { lint: { lateGrace: 100 } } }, "igmpkit.config.json: lint.lateGrace: unknown key"],
      [{ "igmpkit.config.json": "{ lint: " }, "igmpkit.config.json: not JSON"],
      [{ "package.json": { igmpkit: { lint: { rules: { nope: "off" } } } } }, 'package.json "igmpkit": lint.rules.nope: unknown rule id'],
    ];
    for (const [i, [files, msg]] of cases.entries()) {
      const r = await lintIn(project(`bad${i}`, files), {}, [bridge]);
      expect([r.code, r.stdout], msg).toEqual([2, ""]);
      expect(r.stderr, msg).toContain(msg);
    }
    const missing = await cli(["lint", "--config", join(dir, "nope.json"), bridge]);
    expect([missing.code, missing.stderr]).toEqual([2, `igmpkit lint: --config ${join(dir, "nope.json")}: no such file\n`]);
  });

  it("the shipped schema names every rule, and the package ships it", () => {
    const schema = JSON.parse(readFileSync("schemas/igmpkit.config.schema.json", "utf8"));
    expect(Object.keys(schema.properties.lint.properties.rules.properties)).toEqual(Object.values(LINT_RULES).map((r) => r.id));
    const validate = new Ajv().compile(schema);
    expect(validate({ $schema: "x", lint: { rules: { "late-report": "error", "mac-alias": "off" }, lateGraceMs: 50, leaveThreshold: 3 } })).toBe(true);
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    expect(pkg.files).toContain("schemas");
  });
});

describe("LintOptions.rules in the library", () => {
  it("turns rules off or changes their severity; unknown ids throw", () => {
    expect(() => new Linter({ rules: { nope: "off" } })).toThrow(/unknown rule id "nope"/);
    expect(() => new Linter({ rules: { "late-report": "fatal" as "off" } })).toThrow(/"fatal" is not one of/);
  });
});
