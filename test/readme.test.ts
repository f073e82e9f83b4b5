// The README's examples, run as written (kept in step by hand: change both together).
import { describe, expect, it, test } from "vitest";
import { decodeFrame, decodeIgmp, encodeIgmp, encodeIgmpFrame, host, lintFile, monitor, monitorFile, readCapture, readCaptureFile, v3Query, v3Report } from "../src/index.js";
import { LINT_RULES } from "../src/monitor/lint.js";
import { checkConfig } from "../src/cli/config.js";
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import { igmpkitMatchers, lintCapture, membershipAt, queryResponses, type IgmpkitMatchers } from "../src/testing/index.js";

declare module "vitest" {
  interface Assertion<T> extends IgmpkitMatchers<T> {}
}
expect.extend(igmpkitMatchers);

test("README: library example", async () => {
  const report = v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: "239.1.2.3" }]);
  const frame = encodeIgmpFrame({ message: report, src: "198.18.0.2", macSrc: "02:00:00:00:00:02" });
  const decoded = decodeFrame({ data: frame, linkType: 1 });
  expect(decoded.igmp).toMatchObject({ kind: "v3-report", checksumValid: true, records: [{ group: "239.1.2.3" }] });
  const { message, errors, warnings } = decodeIgmp(encodeIgmp(v3Query({ group: "239.1.2.3", maxRespTime: 1 })));
  expect(message).toMatchObject({ kind: "query", version: 3, maxRespTime: 1 });
  expect([errors, warnings]).toEqual([[], []]);
  let n = 0;
  for await (const f of readCaptureFile("fixtures/kernel-igmpv3-host.pcap")) {
    const { igmp } = decodeFrame(f);
    if (igmp) n++;
  }
  expect(n).toBeGreaterThan(10);
});

describe("README: In your test suite", () => {
  // The README's example, assertion for assertion (kept in step by hand: change both together).
  it("runs as written", async () => {
    const capture = "fixtures/frr-pimd-igmpv3.pcap";
    expect(await lintCapture(capture)).toHaveNoFindings("warning");
    const joined = await membershipAt(capture, 5, { excludeLinkLocal: true });
    expect(joined).toHaveMember("239.5.5.1", "198.18.15.2");
    expect(joined).toHaveMember("232.5.5.1", "198.18.15.2");
    const end = await membershipAt(capture, undefined, { excludeLinkLocal: true });
    expect(end).not.toHaveMember("239.5.5.1");
    expect(await queryResponses(capture, { excludeLinkLocal: true })).toAnswerWithin(0);
  });

  it("fails on a capture where the host never joined those groups", async () => {
    const capture = "fixtures/kernel-igmpv3-host.pcap"; // a different LAN: 239.3.3.1 and 232.3.3.1, another host
    const joined = await membershipAt(capture, 5, { excludeLinkLocal: true });
    expect(() => expect(joined).toHaveMember("239.5.5.1", "198.18.15.2")).toThrow(/expected the router to hold 239\.5\.5\.1/);
    // and the old README check (groups.length > 0 on the final snapshot) passed on FRR's own joins alone
    expect((await membershipAt("fixtures/frr-pimd-igmpv3.pcap")).groups.length).toBeGreaterThan(0);
    expect(await membershipAt("fixtures/frr-pimd-igmpv3.pcap", undefined, { excludeLinkLocal: true })).not.toHaveMember("239.5.5.2");
  });
});


test("README: the lint rules table is the catalog (id, severity, RFC, fix)", () => {
  const readme = readFileSync("README.md", "utf8");
  const rows = readme.split("\n").filter((l) => /^\| `[a-z0-9-]+` \| (error|warning|info) \|/.test(l));
  expect(rows).toEqual(Object.values(LINT_RULES).map((r) => `| \`${r.id}\` | ${r.severity} | ${r.rfc} | ${r.hint.replace(/\|/g, "\\|")} |`));
});

test("README: the lint config example is valid against the shipped schema", async () => {
  const readme = readFileSync("README.md", "utf8");
  const block = /```json\n(\{\n {2}"\$schema": "\.\/node_modules\/igmpkit\/schemas[\s\S]*?)```/.exec(readme);
  expect(block).not.toBeNull();
  const doc = JSON.parse(block![1]!) as unknown;
  expect(await checkConfig(doc, "README")).toEqual(doc);
});

test("README: streaming lintFile and monitorFile", async () => {
  const { findings, file } = await lintFile("fixtures/frr-pimd-igmpv3.pcap");
  expect(file.status).toBe("complete");
  expect(findings.filter((f) => f.severity === "error")).toEqual([]);
  let events = 0;
  const { snapshot } = await monitorFile("fixtures/frr-pimd-igmpv3.pcap", {}, { onEvents: (e) => (events += e.length) });
  expect(snapshot.complete).toBe(true);
  expect(events).toBeGreaterThan(0);
  // the streamed view is the one the in-memory path gives
  expect(snapshot).toEqual(monitor(await readCapture("fixtures/frr-pimd-igmpv3.pcap")).snapshot);
});

test("README: the scenario example parses and is valid against the shipped schema", async () => {
  const readme = readFileSync("README.md", "utf8");
  const block = /```json\n(\{\n {2}"\$schema": "\.\/node_modules\/igmpkit\/schemas\/scenario\.schema\.json"[\s\S]*?)```/.exec(readme);
  expect(block).not.toBeNull();
  const doc = JSON.parse(block![1]!) as unknown;
  const scenario = host.parseScenario(doc);
  expect(scenario.emulator.hosts).toHaveLength(51);
  expect(scenario.timeline.map((e) => e.op.op)).toEqual(["join", "joinSource", "setSourceFilter", "closeSocket", "crash"]);
  const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(JSON.parse(readFileSync("schemas/scenario.schema.json", "utf8")) as object);
  expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
});
