/**
 * The host cases against emulated DUTs on the virtual clock: an RFC host passes every case that applies,
 * and each fault mode fails exactly the cases it should.
 */
import { describe, expect, test } from "vitest";
import { allCases, defaultSettings, EmulatedHostLan, runConformance, selectCases, unknownCases, type HostFault, type IgmpVersion } from "../../src/conform/index.js";

async function run(version: IgmpVersion, fault?: HostFault, profile?: "rfc" | "linux") {
  const env = new EmulatedHostLan({ version, unsolicitedMs: 1000, seed: 7, ...(fault ? { fault } : {}), ...(profile ? { profile } : {}) });
  const r = await runConformance(env, allCases, { role: "host", settings: defaultSettings(version, { unsolicitedMs: 1000 }) });
  const by = (s: string) => r.results.filter((x) => x.verdict.status === s).map((x) => x.id).sort();
  return { r, env, pass: by("pass"), fail: by("fail"), na: by("not-applicable"), inc: by("inconclusive") };
}

describe("role host against the emulated host", () => {
  test.each([3, 2, 1] as const)("an RFC host in IGMPv%i passes every case that applies", async (v) => {
    const { r, fail, inc, na } = await run(v);
    expect(fail).toEqual([]);
    expect(inc).toEqual([]);
    expect(r.mustFailed).toBe(false);
    // Not applicable only by version.
    for (const x of r.results.filter((y) => y.verdict.status === "not-applicable")) expect(x.verdict.reason).toMatch(/^applies to IGMPv/);
    expect(na.length).toBe({ 3: 2, 2: 10, 1: 14 }[v]);
  });

  test("the linux profile (older kernels' fixed 400 s compatibility timeout) fails only the timeout case", async () => {
    const { fail, inc, r } = await run(3, undefined, "linux");
    expect(fail).toEqual(["host.compat-v2-timeout"]);
    expect(r.results.find((x) => x.id === "host.compat-v2-timeout")!.verdict.observed).toBe("still IGMPv2");
    expect(inc).toEqual([]);
  });

  test("a deaf host fails every case that needs an answer, and passes what it does unasked", async () => {
    const { fail, pass, inc, r } = await run(3, "deaf");
    expect(fail).toEqual(
      ["host.compat-v1", "host.compat-v2", "host.general-query", "host.group-query", "host.group-source-query", "host.max-resp-code-float", "host.pending-general-query", "host.pending-group-then-group-query", "host.pending-source-queries-merge", "host.unicast-query"].sort(),
    );
    expect(pass).toEqual(expect.arrayContaining(["host.join-report", "host.join-repeat", "host.leave-v3", "host.second-socket-keeps-group", "host.ignore-bad-checksum"]));
    expect(inc).toEqual(["host.compat-v2-timeout", "host.response-spread"]);
    expect(r.mustFailed).toBe(true);
  });

  test("a host that never leaves fails the leave case only", async () => {
    expect((await run(3, "no-leave")).fail).toEqual(["host.leave-v3"]);
    const v2 = await run(2, "no-leave");
    expect(v2.fail).toEqual(["host.leave-v2"]);
    expect(v2.r.mustFailed).toBe(false); // a v2 Leave is a SHOULD
  });

  test("a host reporting to 224.0.0.1 fails the cases that check the destination", async () => {
    const { fail, r } = await run(3, "wrong-address");
    expect(fail).toEqual(["host.join-report", "host.leave-v3"]);
    const j = r.results.find((x) => x.id === "host.join-report")!;
    expect(j.verdict.expected).toContain("224.0.0.22");
    expect(j.verdict.observed).toContain("224.0.0.1");
  });

  test("a host answering 3 s late fails the timed cases, with the frames that show it", async () => {
    const { fail, r, env } = await run(3, "late");
    expect(fail).toEqual(expect.arrayContaining(["host.general-query", "host.join-report", "host.group-query"]));
    expect(fail).not.toContain("host.ignore-bad-checksum");
    const g = r.results.find((x) => x.id === "host.general-query")!;
    const q = env.frames[g.verdict.frames![0]! - 1]!;
    expect(q.sent).toBe(true);
    expect(q.decoded.igmp?.kind).toBe("query");
    expect(q.caseId).toBe("host.general-query");
  });

  test("the same seed gives the same frames", async () => {
    const a = await run(3);
    const b = await run(3);
    expect(a.env.frames.map((f) => [f.timeMs, Buffer.from(f.data).toString("hex")])).toEqual(b.env.frames.map((f) => [f.timeMs, Buffer.from(f.data).toString("hex")]));
  });
});

describe("case selection", () => {
  test("late cases run last; prefixes select; unknown ids are reported", () => {
    const ids = selectCases(allCases, { role: "host" }).map((c) => c.id);
    expect(ids.slice(-4)).toEqual(["host.ignore-invalid-length-query", "host.compat-v2-timeout", "host.compat-v2", "host.compat-v1"]);
    expect(selectCases(allCases, { role: "host", cases: ["host.leave-*"] }).map((c) => c.id)).toEqual(["host.leave-v3", "host.leave-v2"]);
    expect(unknownCases(allCases, ["host.leave-v3", "host.nope", "zzz*"])).toEqual(["host.nope", "zzz*"]);
  });

  test("every case has an id of its role, a title, an RFC reference and a level", () => {
    const seen = new Set<string>();
    for (const c of allCases) {
      expect(c.id.startsWith(`${c.role}.`)).toBe(true);
      expect(seen.has(c.id)).toBe(false);
      seen.add(c.id);
      expect(c.rfc).toMatch(/RFC \d+/);
      expect(["MUST", "SHOULD", "MAY", "NEGATIVE"]).toContain(c.level);
      expect(c.title.length).toBeGreaterThan(10);
    }
  });

  test("without a hook, host cases are not applicable, not failed", async () => {
    const env = new EmulatedHostLan({ version: 3 });
    const noHook = Object.assign(Object.create(Object.getPrototypeOf(env)), env, { canAct: false });
    const r = await runConformance(noHook, allCases, { role: "host", settings: defaultSettings(3) });
    expect(r.counts.pass + r.counts.fail).toBe(0);
    expect(r.results.every((x) => x.verdict.status === "not-applicable")).toBe(true);
  });
});
