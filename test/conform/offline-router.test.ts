/** The router cases against igmpkit's own querier as DUT, on the virtual clock. */
import { describe, expect, test } from "vitest";
import { allCases, defaultSettings, EmulatedRouterLan, runConformance } from "../../src/conform/index.js";

async function run(version: 2 | 3, querier: ConstructorParameters<typeof EmulatedRouterLan>[0] extends infer O ? (O extends { querier?: infer Q } ? Q : never) : never = {}) {
  const env = new EmulatedRouterLan({ querier: { version, queryInterval: 4, queryResponseInterval: 1, lastMemberQueryInterval: 0.5, lastMemberQueryCount: 2, ...querier } });
  const r = await runConformance(env, allCases, { role: "router", settings: defaultSettings(version, { expectedQueryIntervalMs: 4000, lastMemberIntervalMs: 500, lastMemberCount: 2, dutStarts: true }) });
  return { r, env, verdicts: Object.fromEntries(r.results.map((x) => [x.id, x.verdict.status === "pass" || x.verdict.status === "not-applicable" ? x.verdict.status : `${x.verdict.status}: ${x.verdict.reason ?? `${x.verdict.expected} / ${x.verdict.observed}`}`])) };
}

describe("role router against igmpkit's querier", () => {
  test.each([3, 2] as const)("IGMPv%i: every case that applies passes", async (v) => {
    const { r, verdicts } = await run(v);
    expect(Object.values(verdicts).filter((x) => x !== "pass" && x !== "not-applicable")).toEqual([]);
    expect(r.counts.pass).toBe(v === 3 ? 15 : 14);
    expect(r.mustFailed).toBe(false);
  });

  test("a querier advertising a QQI other than the configured one fails router.query-interval", async () => {
    const { verdicts } = await run(3, { queryInterval: 8 });
    expect(verdicts["router.query-interval"]).toMatch(/^fail: QQI 4 s advertised.* \/ QQI 8 s/);
  });

  test("a querier with a Last Member Query Count of 1 fails the last-member cases and has no S-flag case", async () => {
    const { verdicts } = await run(3, { lastMemberQueryCount: 1 });
    expect(verdicts["router.last-member-queries"]).toMatch(/^fail: 2 group-specific queries .* \/ 1:/);
    expect(verdicts["router.group-source-queries"]).toMatch(/^fail:/);
  });
});
