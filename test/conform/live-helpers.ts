/** Live `conform --role host` runs in a lab: one way to run them and to judge a DUT that should pass. */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "vitest";
import { runConform } from "../../src/cli/conform.js";
import type { ConformResult } from "../../src/conform/index.js";
import { captureIo } from "../cli/helpers.js";
import type { Lab } from "../lab/index.js";

/** Where the runner works and how it drives the DUT. */
export interface HostRun {
  /** The runner's interface and namespace. */
  iface: string;
  netns: string;
  address: string;
  dut: string;
  hook: string;
  version: 1 | 2 | 3;
  /** The DUT's unsolicited report interval, seconds. */
  unsolicited: string;
  cases?: string[];
}

/**
 * `conform --role host --json --evidence` with a 1 s Max Resp Time; the evidence's frames from the DUT are
 * named by their cases (tshark reads the comments; every run here includes host.general-query).
 */
export async function conformHost(lab: Lab, o: HostRun): Promise<{ res: ConformResult; status: number; stderr: string }> {
  const evidence = join(lab.dir, `v${o.version}.pcapng`);
  const { io, out } = captureIo();
  const status = await runConform(
    {
      role: "host",
      interface: o.iface,
      netns: o.netns,
      address: o.address,
      dut: o.dut,
      hook: o.hook,
      igmpVersion: String(o.version),
      unsolicitedInterval: o.unsolicited,
      maxRespTime: "1",
      json: true,
      evidence,
      ...(o.cases ? { cases: o.cases } : {}),
    },
    io,
  );
  const res = JSON.parse(out.stdout) as ConformResult;
  const comments = execFileSync("tshark", ["-r", evidence, "-Y", `ip.src == ${o.dut}`, "-T", "fields", "-e", "frame.comment"], { encoding: "utf8" });
  expect(comments).toContain("host.general-query");
  return { res, status, stderr: out.stderr };
}

/**
 * A DUT that passes every case of its version: `applicable` passes, the rest not applicable by version
 * only, exit 0, and the answer to a General Query within the 1 s Max Resp Time (v1: 10 s) plus slack.
 */
export function expectEveryApplicablePass(res: ConformResult, status: number, applicable: number, stderr = ""): void {
  const notPassed = res.results.filter((r) => r.verdict.status !== "pass" && r.verdict.status !== "not-applicable");
  expect(notPassed.map((r) => `${r.id}: ${r.verdict.reason ?? `expected ${r.verdict.expected}, observed ${r.verdict.observed}`}`), stderr).toEqual([]);
  expect(res.counts.pass).toBe(applicable);
  for (const r of res.results.filter((x) => x.verdict.status === "not-applicable")) expect(r.verdict.reason).toMatch(/^applies to IGMPv/);
  expect(status).toBe(0);
  const gq = res.results.find((r) => r.id === "host.general-query")!;
  expect(gq.verdict.measurements!.delayMs).toBeLessThanOrEqual(res.version === 1 ? 10_200 : 1200);
}
