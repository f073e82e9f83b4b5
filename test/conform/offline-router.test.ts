/** The router cases against igmpkit's own querier as DUT, on the virtual clock. */
import { describe, expect, test } from "vitest";
import { allCases, defaultSettings, EmulatedRouterLan, ROUTER_FAULTS, runConformance, type RouterFault } from "../../src/conform/index.js";

async function run(version: 2 | 3, querier: ConstructorParameters<typeof EmulatedRouterLan>[0] extends infer O ? (O extends { querier?: infer Q } ? Q : never) : never = {}, fault?: RouterFault) {
  const env = new EmulatedRouterLan({ ...(fault ? { fault } : {}), querier: { version, queryInterval: 4, queryResponseInterval: 1, lastMemberQueryInterval: 0.5, lastMemberQueryCount: 2, ...querier } });
  const r = await runConformance(env, allCases, { role: "router", settings: defaultSettings(version, { expectedQueryIntervalMs: 4000, lastMemberIntervalMs: 500, lastMemberCount: 2, dutStarts: true }) });
  return { r, env, verdicts: Object.fromEntries(r.results.map((x) => [x.id, x.verdict.status === "pass" || x.verdict.status === "not-applicable" ? x.verdict.status : `${x.verdict.status}: ${x.verdict.reason ?? `${x.verdict.expected} / ${x.verdict.observed}`}`])) };
}

describe("role router against igmpkit's querier", () => {
  test.each([3, 2] as const)("IGMPv%i: every case that applies passes", async (v) => {
    const { r, verdicts } = await run(v);
    expect(Object.values(verdicts).filter((x) => x !== "pass" && x !== "not-applicable")).toEqual([]);
    expect(r.counts.pass).toBe(v === 3 ? 16 : 15);
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

describe("role router against a deliberately faulty querier: each fault fails exactly its cases", () => {
  const FIELDS = "router.general-query-fields";
  const LMQ = "router.last-member-queries";
  const GSQ = "router.group-source-queries";
  // What each fault fails, and where it leaves the runner unable to judge (inconclusive, with why).
  const want: Record<2 | 3, Record<RouterFault, { fail: string[]; inconclusive?: string[] }>> = {
    3: {
      // damaged specific queries fail the trains too; the S flag and expiry cases only count queries
      "bad-checksum": { fail: [FIELDS, LMQ, GSQ] },
      "bad-ttl": { fail: [FIELDS, LMQ, GSQ] },
      unicast: { fail: [FIELDS, LMQ, GSQ] },
      // 10-byte queries carry no version: no sources, no S flag, no timers to learn
      "bad-length": { fail: [FIELDS, LMQ, GSQ], inconclusive: ["router.compat-v2-host", "router.election-resumes", "router.membership-expiry", "router.s-flag"] },
      "zero-max-resp": { fail: [FIELDS] },
      "general-sources": { fail: [FIELDS] },
      // QQI 60 s advertised: the waits the runner bases on it exceed --max-wait
      "wrong-qqi": { fail: ["router.query-interval"], inconclusive: ["router.election-resumes", "router.election-yields"] },
    },
    2: {
      "bad-checksum": { fail: [FIELDS, LMQ] },
      "bad-ttl": { fail: [FIELDS, LMQ] },
      unicast: { fail: [FIELDS, LMQ] },
      // after the election cases gave up early, the DUT is still a non-querier when the last case runs
      "bad-length": { fail: [FIELDS, LMQ], inconclusive: ["router.election-during-lmq", "router.election-resumes", "router.membership-expiry"] },
      // a v2 query with Max Resp Code 0 is a v1 query
      "zero-max-resp": { fail: [FIELDS], inconclusive: ["router.election-during-lmq", "router.election-resumes", "router.membership-expiry"] },
      // no source lists or QQIC in IGMPv2: nothing odd is sent
      "general-sources": { fail: [] },
      "wrong-qqi": { fail: [] },
    },
  };
  test.each([3, 2] as const)("IGMPv%i", async (v) => {
    for (const fault of ROUTER_FAULTS) {
      const { r } = await run(v, {}, fault);
      const ids = (s: string) => r.results.filter((x) => x.verdict.status === s).map((x) => x.id).sort();
      expect({ fault, fail: ids("fail"), inconclusive: ids("inconclusive") }).toEqual({ fault, fail: want[v][fault].fail.sort(), inconclusive: (want[v][fault].inconclusive ?? []).sort() });
      expect(r.mustFailed).toBe(want[v][fault].fail.length > 0);
    }
  });

  test("the failure names what is wrong, with the frame", async () => {
    const { r, env } = await run(3, {}, "bad-ttl");
    const lmq = r.results.find((x) => x.id === "router.last-member-queries")!.verdict;
    expect(lmq.observed).toMatch(/^TTL 2 \(frame (\d+)\)$/);
    const n = Number(/frame (\d+)/.exec(lmq.observed!)![1]);
    expect(env.frames[n - 1]!.decoded.ttl).toBe(2);
    expect(lmq.frames).toContain(n);
  });

  test("without --dut-starts the startup case is not applicable", async () => {
    const env = new EmulatedRouterLan({ querier: { version: 3, queryInterval: 4, queryResponseInterval: 1 } });
    const r = await runConformance(env, allCases, { role: "router", cases: ["router.startup-queries"], settings: defaultSettings(3, { expectedQueryIntervalMs: 4000 }) });
    expect(r.results[0]!.verdict).toMatchObject({ status: "not-applicable", reason: expect.stringContaining("--dut-starts") });
  });

  test("a querier with other startup timers fails the startup case", async () => {
    const { verdicts } = await run(3, { startupQueryCount: 3, startupQueryInterval: 0.5 });
    expect(verdicts["router.startup-queries"]).toMatch(/^fail: 2 General Queries 1000 ms apart on start \/ general at \+0 ms; general at \+500 ms; general at \+1000 ms/);
  });
});
