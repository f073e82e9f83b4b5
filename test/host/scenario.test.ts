// Scenario text, and overrides of its top-level keys (the CLI's --profile, --pps), read in one validation.
import { describe, expect, it } from "vitest";
import { isHostError, parseScenarioText } from "../../src/host/index.js";

const text = JSON.stringify({ profile: "rfc", ppsLimit: 100, hosts: [{ firstIp: "198.18.0.10", count: 2 }], timeline: [{ at: 0, host: "*", op: "join", group: "239.1.1.1" }] });

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isHostError(e)) return `${e.code}: ${e.details.join("; ")}`;
    throw e;
  }
  return "no error";
}

describe("parseScenarioText", () => {
  it("overrides replace the file's keys", () => {
    expect(parseScenarioText(text).emulator).toMatchObject({ profile: "rfc", ppsLimit: 100 });
    expect(parseScenarioText(text, { profile: "linux", ppsLimit: 5 }).emulator).toMatchObject({ profile: "linux", ppsLimit: 5 });
  });
  it("the file's own problems and a bad override are reported, once each", () => {
    const bad = JSON.stringify({ ...JSON.parse(text), mtu: 10 });
    expect(codeOf(() => parseScenarioText(bad, { profile: "linux" }))).toBe("bad-scenario: $.mtu: must be an integer in 44..65535, got 10");
    expect(codeOf(() => parseScenarioText(text, { ppsLimit: -1 }))).toBe("bad-scenario: $.ppsLimit: must be a number >= 0");
    expect(codeOf(() => parseScenarioText("[1]", { profile: "linux" }))).toBe("bad-scenario: $: not an object");
    expect(codeOf(() => parseScenarioText("{", { profile: "linux" }))).toMatch(/^bad-scenario: \$: /);
  });
});
