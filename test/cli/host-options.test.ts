// igmpkit host's scenario: from --scenario FILE with --profile and --pps over it (one parse), or from the flags.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadScenario } from "../../src/cli/host-options.js";

const dir = mkdtempSync(join(tmpdir(), "igmpkit-host-options-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const text = JSON.stringify({ profile: "rfc", ppsLimit: 100, hosts: [{ firstIp: "198.18.0.10", count: 2 }], timeline: [{ at: 0, host: "*", op: "join", group: "239.1.1.1" }] });

describe("loadScenario", () => {
  it("--scenario FILE --profile --pps: the file with the flags over it", () => {
    const file = join(dir, "s.json");
    writeFileSync(file, text);
    expect(loadScenario({ scenario: file }).emulator).toMatchObject({ profile: "rfc", ppsLimit: 100 });
    expect(loadScenario({ scenario: file, profile: "linux", pps: 7 }).emulator).toMatchObject({ profile: "linux", ppsLimit: 7 });
  });
  it("the flag form", () => {
    const s = loadScenario({ hosts: 3, join: ["239.1.1.1", "232.1.1.1@198.18.0.9"], igmpVersion: 2, profile: "linux", pps: 9 });
    expect(s.emulator).toMatchObject({ profile: "linux", ppsLimit: 9, version: 2 });
    expect(s.timeline.map((e) => e.op.op)).toEqual(["join", "joinSource"]);
  });
});
