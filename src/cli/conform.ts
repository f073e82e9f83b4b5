/**
 * `igmpkit conform`: puts a device under test to the conformance cases of its role, live on an interface
 * (`-i`) or offline against an emulated DUT (`--emulate`), and prints a verdict per RFC clause: a table,
 * `--json`, JUnit XML. Exit 1 when a MUST (or must-ignore) case fails, 2 on usage errors.
 */
import { writeFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { allCases, defaultSettings, EmulatedHostLan, EmulatedRouterLan, failsRun, HOST_FAULTS, ROUTER_FAULTS, runConformance, selectCases, unknownCases, type CaseResult, type ConformCase, type ConformEnv, type ConformResult, type ConformRole, type HostFault, type IgmpVersion, type RouterFault } from "../conform/index.js";
import { isCaptureError } from "../capture/live.js";
import { openLiveLan } from "../io/conform-live.js";
import { writeEvidence } from "../io/evidence.js";
import { openSwitchLan } from "../io/conform-switch.js";
import { isIPv4, isMulticast } from "../wire/index.js";
import { fileErrorText } from "./errors.js";
import { EXIT_CODES_HELP, ExitCode, UsageError, untilSignal, type CliIo } from "./io.js";
import { formatColumns } from "./kernel.js";
import type { RegisterCommand } from "./io.js";

export interface ConformCliOptions {
  role?: string;
  interface?: string;
  netns?: string;
  dut?: string;
  address?: string;
  hook?: string;
  igmpVersion?: string;
  cases?: string[];
  list?: boolean;
  junit?: string;
  json?: boolean;
  evidence?: string;
  emulate?: string | boolean;
  fault?: string;
  seed?: string;
  maxRespTime?: string;
  unsolicitedInterval?: string;
  robustness?: string;
  firstGroup?: string;
  queryInterval?: string;
  lastMemberInterval?: string;
  lastMemberCount?: string;
  dutStarts?: boolean;
  startupInterval?: string;
  maxWait?: string;
  port?: string[];
  sourcePort?: string;
  maxGroups?: string;
  sources?: string;
}

const ROLES: readonly ConformRole[] = ["host", "router", "switch"];

function positive(v: string | undefined, what: string, fallback: number): number {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new UsageError(`${what} must be a positive number, got "${v}"`);
  return x;
}

/** The case table as `--list` prints it. */
export function formatCaseList(cases: readonly ConformCase[]): string {
  const rows = [["ID", "LEVEL", "VERSIONS", "RFC", "TITLE"]];
  for (const c of cases) rows.push([c.id, c.level, c.versions.map((v) => `v${v}`).join(","), c.rfc, c.title]);
  return `${formatColumns(rows).join("\n")}\n`;
}

function detail(r: CaseResult): string {
  const v = r.verdict;
  if (v.status === "fail") return `expected ${v.expected}; observed ${v.observed}${v.frames?.length ? ` [frames ${v.frames.join(",")}]` : ""}`;
  if (v.status === "pass") return `${v.observed ?? ""}${v.measurements ? ` ${Object.entries(v.measurements).map(([k, x]) => `${k}=${x}`).join(" ")}` : ""}`.trim();
  return v.reason ?? "";
}

/** The text summary: one row per case, then the counts. */
export function formatConformText(res: ConformResult): string {
  const rows = [["CASE", "LEVEL", "VERDICT", "RFC", "DETAIL"]];
  for (const r of res.results) rows.push([r.id, r.level, r.verdict.status.toUpperCase(), r.rfc, detail(r)]);
  const c = res.counts;
  const head = `igmpkit conform: role ${res.role}, IGMPv${res.version}${res.dut ? `, DUT ${res.dut}` : ""}`;
  const tail = `${c.pass} passed, ${c.fail} failed, ${c.inconclusive} inconclusive, ${c["not-applicable"]} not applicable${res.partial ? " (interrupted: partial)" : ""}${res.mustFailed ? "; a MUST failed" : ""}`;
  return `${head}\n${formatColumns(rows).join("\n")}\n${tail}\n`;
}

function xml(s: string): string {
  return s.replace(/[<>&"]/g, (ch) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[ch]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");
}

/** JUnit XML: one testcase per case; fail as <failure>, inconclusive as <error>, not applicable as <skipped>. */
export function formatJunit(res: ConformResult): string {
  const name = `igmpkit conform ${res.role} IGMPv${res.version}`;
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${xml(name)}" tests="${res.results.length}" failures="${res.counts.fail}" errors="${res.counts.inconclusive}" skipped="${res.counts["not-applicable"]}">`,
    `  <testsuite name="${xml(name)}" tests="${res.results.length}" failures="${res.counts.fail}" errors="${res.counts.inconclusive}" skipped="${res.counts["not-applicable"]}">`,
  ];
  for (const r of res.results) {
    const open = `    <testcase classname="conform.${res.role}" name="${xml(`${r.id} [${r.level}] ${r.rfc}`)}" time="${(r.durationMs / 1000).toFixed(3)}"`;
    const v = r.verdict;
    if (v.status === "pass") out.push(`${open}/>`);
    else {
      const tag = v.status === "fail" ? "failure" : v.status === "inconclusive" ? "error" : "skipped";
      out.push(`${open}>`, `      <${tag} message="${xml(detail(r))}"/>`, `    </testcase>`);
    }
  }
  out.push("  </testsuite>", "</testsuites>");
  return `${out.join("\n")}\n`;
}

/** What {@link runConform} needs from outside; tests pass fakes. */
export interface ConformDeps {
  signal?: AbortSignal;
  /** Opens the live LAN (default: libpcap through src/io/conform-live). */
  openLive?: typeof openLiveLan;
}

/** Run `conform`; resolves to the exit status. */
export async function runConform(o: ConformCliOptions, io: CliIo, deps: ConformDeps = {}): Promise<number> {
  const role = (o.role ?? "host") as ConformRole;
  let env: ConformEnv;
  let settings;
  let picked: ConformCase[];
  try {
    if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(", ")}, got "${o.role}"`);
    const ofRole = allCases.filter((c) => c.role === role);
    if (o.cases !== undefined) {
      const bad = unknownCases(ofRole, o.cases);
      if (bad.length > 0) throw new UsageError(`unknown case ${bad.map((b) => `"${b}"`).join(", ")} for role ${role} (--list shows them)`);
    }
    picked = selectCases(allCases, { role, ...(o.cases ? { cases: o.cases } : {}) });
    if (o.list) {
      io.stdout.write(o.json ? `${JSON.stringify(picked.map(({ run: _run, ...c }) => c))}\n` : formatCaseList(picked));
      return ExitCode.ok;
    }
    if (picked.length === 0) throw new UsageError(`role ${role} has no cases yet`);
    const version = Number(o.igmpVersion ?? 3);
    if (version !== 1 && version !== 2 && version !== 3) throw new UsageError(`--igmp-version must be 1, 2 or 3, got "${o.igmpVersion}"`);
    const v = version as IgmpVersion;
    const unsolicitedMs = positive(o.unsolicitedInterval, "--unsolicited-interval", v === 3 ? 1 : 10) * 1000;
    const robustness = positive(o.robustness, "--robustness", 2);
    if (!Number.isInteger(robustness)) throw new UsageError(`--robustness must be an integer, got "${o.robustness}"`);
    const maxRespMs = positive(o.maxRespTime, "--max-resp-time", 2) * 1000;
    if (o.firstGroup !== undefined && (!isIPv4(o.firstGroup) || !isMulticast(o.firstGroup))) throw new UsageError(`--first-group must be a multicast address, got "${o.firstGroup}"`);
    const expectedQueryIntervalMs = o.queryInterval === undefined ? null : positive(o.queryInterval, "--query-interval", 125) * 1000;
    const maxWaitMs = positive(o.maxWait, "--max-wait", 60) * 1000;
    const lastMemberIntervalMs = positive(o.lastMemberInterval, "--last-member-interval", 1) * 1000;
    const lastMemberCount = positive(o.lastMemberCount, "--last-member-count", robustness);
    if (!Number.isInteger(lastMemberCount)) throw new UsageError(`--last-member-count must be an integer, got "${o.lastMemberCount}"`);
    const maxGroups = positive(o.maxGroups, "--max-groups", 1024);
    if (!Number.isInteger(maxGroups) || maxGroups > 65_536) throw new UsageError(`--max-groups must be an integer from 1 to 65536, got "${o.maxGroups}"`);
    const sources = o.sources?.split(",").map((x) => x.trim());
    if (sources !== undefined && (sources.length !== 2 || sources.some((x) => !isIPv4(x) || isMulticast(x)) || sources[0] === sources[1])) {
      throw new UsageError(`--sources takes two different unicast IPv4 addresses, S1,S2, got "${o.sources}"`);
    }
    const startupIntervalMs = o.startupInterval === undefined ? null : positive(o.startupInterval, "--startup-interval", 1) * 1000;
    // Offline, the runner sees the emulated querier start.
    const dutStarts = o.dutStarts === true || (o.emulate !== undefined && o.emulate !== false);
    settings = defaultSettings(v, { unsolicitedMs, robustness, maxRespMs, expectedQueryIntervalMs, maxWaitMs, lastMemberIntervalMs, lastMemberCount, maxGroups, dutStarts, startupIntervalMs, ...(o.firstGroup ? { firstGroup: o.firstGroup } : {}), ...(sources ? { sources: sources as [string, string] } : {}) });
    if (o.dut !== undefined && !isIPv4(o.dut)) throw new UsageError(`--dut must be an IPv4 address, got "${o.dut}"`);
    if (o.address !== undefined && !isIPv4(o.address)) throw new UsageError(`--address must be an IPv4 address, got "${o.address}"`);
    const faults: readonly string[] = role === "router" ? ROUTER_FAULTS : HOST_FAULTS;
    if (o.fault !== undefined && !faults.includes(o.fault)) throw new UsageError(`--fault must be one of ${faults.join(", ")} for role ${role}, got "${o.fault}"`);
    if (o.emulate !== undefined && o.emulate !== false) {
      if (o.interface !== undefined) throw new UsageError("--emulate runs offline: leave out -i");
      if (role === "switch") throw new UsageError("--emulate has no emulated switch: role switch runs live only");
      const profile = o.emulate === true ? "rfc" : o.emulate;
      if (profile !== "rfc" && profile !== "linux") throw new UsageError(`--emulate takes rfc or linux, got "${profile}"`);
      const seed = o.seed === undefined ? 1 : Number(o.seed);
      if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got "${o.seed}"`);
      if (role === "router") {
        // igmpkit's own querier as the DUT, with the timers the run expects.
        env = new EmulatedRouterLan({
          ...(o.fault ? { fault: o.fault as RouterFault } : {}),
          ...(o.dut ? { dut: o.dut } : {}),
          ...(o.address ? { self: o.address } : {}),
          querier: {
            version: v,
            robustness,
            queryInterval: (expectedQueryIntervalMs ?? 125_000) / 1000,
            queryResponseInterval: Math.min(10, (expectedQueryIntervalMs ?? 125_000) / 2000),
            lastMemberQueryInterval: lastMemberIntervalMs / 1000,
            lastMemberQueryCount: lastMemberCount,
            seed,
          },
        });
      } else {
        env = new EmulatedHostLan({
          version: v,
          profile,
          seed,
          unsolicitedMs,
          ...(o.dut ? { dut: o.dut } : {}),
          ...(o.address ? { self: o.address } : {}),
          ...(o.fault ? { fault: o.fault as HostFault } : {}),
        });
      }
    } else {
      if (o.interface === undefined && role !== "switch") throw new UsageError("give -i IFACE (a live DUT) or --emulate (an emulated one, offline)");
      if (o.fault !== undefined) throw new UsageError("--fault applies to --emulate only");
      if (o.address === undefined) throw new UsageError("give --address: the runner's own IPv4 address on the DUT's LAN");
      if (role === "switch" && ((o.port ?? []).length < 2 || o.sourcePort === undefined)) throw new UsageError("role switch needs two or more --port IFACE (hosts' ports) and --source-port IFACE");
      try {
        env = role === "switch" ? await openSwitchLan({ ports: o.port!, sourcePort: o.sourcePort!, address: o.address, ...(o.netns ? { netns: o.netns } : {}), ...(o.dut ? { dut: o.dut } : {}), ...(o.evidence ? { evidence: o.evidence } : {}) }) : await (deps.openLive ?? openLiveLan)({
          iface: o.interface!,
          address: o.address,
          ...(o.netns ? { netns: o.netns } : {}),
          ...(o.dut ? { dut: o.dut } : {}),
          ...(o.hook ? { hook: o.hook } : {}),
          ...(o.evidence ? { evidence: o.evidence } : {}),
        });
      } catch (e) {
        if (e instanceof UsageError) throw e;
        const msg = e instanceof Error ? e.message : String(e);
        io.stderr.write(`igmpkit conform: ${msg}\n`);
        if (!isCaptureError(e) && !(e instanceof Error && e.name === "HookError")) throw e;
        return ExitCode.failure;
      }
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`igmpkit conform: ${e.message}\n`);
    return ExitCode.usage;
  }
  let res: ConformResult;
  try {
    res = await runConformance(env, picked, {
      role,
      settings,
      ...(deps.signal ? { signal: deps.signal } : {}),
      onResult: (r) => {
        if (!o.json && io.stderrIsTTY) io.stderr.write(`${r.verdict.status.padEnd(14)} ${r.id}\n`);
      },
    });
  } finally {
    await env.close();
  }
  io.stdout.write(o.json ? `${JSON.stringify(res)}\n` : formatConformText(res));
  try {
    if (o.junit !== undefined) writeFileSync(o.junit, formatJunit(res));
    if (o.evidence !== undefined && env instanceof EmulatedHostLan) writeEvidence(o.evidence, env.frames);
  } catch (e) {
    // the result is printed; the file it was also to go to is not
    io.stderr.write(`igmpkit conform: ${fileErrorText(e, "write")}\n`);
    return ExitCode.failure;
  }
  if (res.partial) return ExitCode.failure;
  const byId = new Map(picked.map((c) => [c.id, c]));
  return res.results.some((r) => r.verdict.status === "fail" && failsRun(byId.get(r.id)!.level)) ? ExitCode.failure : ExitCode.ok;
}

function collect(v: string, prev: string[] = []): string[] {
  const parts = v.split(",").map((s) => s.trim());
  if (parts.some((p) => p === "")) throw new InvalidArgumentError(`empty case id in "${v}"`);
  return [...prev, ...parts];
}

export const register: RegisterCommand = (program: Command, io: CliIo, setExit) => {
  program
    .command("conform")
    .description("put a live IGMP host, router or switch to the conformance cases of its role (verdict per RFC clause)")
    .option("--role <role>", "the DUT's role: host (igmpkit queries), router, switch", "host")
    .option("-i, --interface <iface>", "the interface on the DUT's LAN (live, through libpcap)")
    .option("--netns <ns>", "capture and send inside this network namespace")
    .option("--dut <addr>", "the DUT's IPv4 address (only its frames are judged)")
    .option("--address <addr>", "igmpkit's own IPv4 address on the LAN (the querier's, for role host)")
    .option("--port <iface>", "role switch: igmpkit's interface on one of the switch's host ports (repeat: two or more)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--source-port <iface>", "role switch: igmpkit's interface on the multicast source's port")
    .option("--sources <s1,s2>", "the two source addresses cases use: in source lists, and (role switch) the multicast source's addresses (default 198.18.200.1,198.18.200.2)")
    .option("--max-groups <n>", "role switch: the most groups the capacity case joins on one port (16, 32, 64, ... up to this)", "1024")
    .option("--hook <command>", "long-running command driving the DUT's sockets: reads `join G`, `leave G`, `joinsrc G S`... on stdin, answers `ok` or `err MSG` (scripts/igmp-host.py for a Linux host)")
    .option("--igmp-version <v>", "the IGMP version the run speaks and expects: 1, 2, 3", "3")
    .option("--cases <ids>", "only these cases (comma-separated or repeated; `host.leave-*` takes a prefix)", collect)
    .option("--list", "print the cases of the role and exit")
    .option("--json", "the result as one JSON object")
    .option("--junit <file>", "also write the result as JUnit XML")
    .option("--evidence <file.pcapng>", "write every frame seen and sent, each with a comment naming its case")
    .option("--emulate [profile]", "offline, on a virtual clock: the DUT is igmpkit's emulated host (rfc or linux; role host) or its querier (role router)")
    .option("--fault <fault>", `with --emulate: a faulty DUT (host: ${HOST_FAULTS.join(", ")}; router: ${ROUTER_FAULTS.join(", ")})`)
    .option("--seed <n>", "with --emulate: seed of the emulated DUT", undefined)
    .option("--max-resp-time <s>", "Max Resp Time of igmpkit's queries, seconds", "2")
    .option("--unsolicited-interval <s>", "the DUT's unsolicited report interval, seconds (default 1 for v3, 10 for v1/v2)")
    .option("--robustness <n>", "the Robustness Variable the DUT is expected to use", "2")
    .option("--query-interval <s>", "role router: the DUT's configured Query Interval, seconds (default 125; a v3 DUT's QQI must match when given)")
    .option("--max-wait <s>", "longest a case waits for the DUT; a case needing more is inconclusive", "60")
    .option("--last-member-interval <s>", "role router: the DUT's Last Member Query Interval, seconds", "1")
    .option("--last-member-count <n>", "role router: the DUT's Last Member Query Count (default: --robustness)")
    .option("--dut-starts", "role router: the DUT starts (or its interface comes up) after the run begins, so its startup queries are judged")
    .option("--startup-interval <s>", "role router: the DUT's Startup Query Interval, seconds (default: a quarter of its Query Interval)")
    .option("--first-group <addr>", "first group the cases use (each case takes 8 from here; role switch's capacity case --max-groups from here + 4096)", "239.77.0.0")
    .addHelpText(
      "after",
      `
Verdicts: pass; fail (expected, observed, and the frames that show it); not-applicable (version, no hook);
inconclusive (why: e.g. the hook failed). Exit 1 when a MUST or must-ignore case fails or the run was
interrupted, 2 on usage errors.

${EXIT_CODES_HELP}`,
    )
    .action(async (opts: ConformCliOptions) => {
      setExit(await untilSignal((signal) => runConform(opts, io, { signal })));
    });
};
