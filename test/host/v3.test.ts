import { describe, expect, it } from "vitest";
import { v1Report, v2Report, v3Query, v3Report } from "../../src/wire/index.js";
import { brief, decodeAll, frameOf, IFACE, mkHost, runIdle, runTo } from "./helpers.js";

const G = "239.1.1.1";
const S1 = "10.0.0.1";
const S2 = "10.0.0.2";
const S3 = "10.0.0.3";

describe("v3 state-change reports (RFC 9776 §5.1)", () => {
  it("records from the state diff: TO_EX, ALLOW, BLOCK, TO_IN", () => {
    const h = mkHost();
    const s = h.openSocket();
    h.joinSource(0, s, IFACE, G, S1); // INCLUDE{} -> INCLUDE{S1}: ALLOW(S1)
    expect(brief(h.drain())).toEqual([`ALLOW ${G} [${S1}]`]);
    runIdle(h);
    h.drain();
    h.joinSource(10_000, s, IFACE, G, S2);
    h.leaveSource(10_000, s, IFACE, G, S1); // same call time: merged into one report? no, two calls, two reports
    const r = brief(h.drain());
    expect(r[0]).toBe(`ALLOW ${G} [${S2}]`);
    expect(r[1]).toBe(`ALLOW ${G} [${S2}] + BLOCK ${G} [${S1}]`);
    runIdle(h, 10_000);
    h.drain();
    h.setSourceFilter(20_000, s, IFACE, G, "exclude", [S3]); // INCLUDE -> EXCLUDE: TO_EX(S3)
    expect(brief(h.drain())).toEqual([`TO_EX ${G} [${S3}]`]);
    runIdle(h, 20_000);
    h.drain();
    h.setSourceFilter(30_000, s, IFACE, G, "exclude", [S1]); // EXCLUDE{S3} -> EXCLUDE{S1}: ALLOW(S3) BLOCK(S1)
    expect(brief(h.drain())).toEqual([`ALLOW ${G} [${S3}] + BLOCK ${G} [${S1}]`]);
    runIdle(h, 30_000);
    h.drain();
    h.setSourceFilter(40_000, s, IFACE, G, "include", [S2]); // EXCLUDE -> INCLUDE: TO_IN(S2)
    expect(brief(h.drain())).toEqual([`TO_IN ${G} [${S2}]`]);
  });

  it("retransmits Robustness times in all, at random intervals up to the Unsolicited Report Interval", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const h = mkHost({ seed });
      const s = h.openSocket();
      h.join(0, s, IFACE, G);
      runIdle(h);
      const out = h.drain();
      expect(brief(out)).toEqual([`TO_EX ${G} []`, `TO_EX ${G} []`]);
      expect(out[0]!.timeMs).toBe(0);
      expect(out[1]!.timeMs).toBeGreaterThan(0);
      expect(out[1]!.timeMs).toBeLessThanOrEqual(1000);
      expect(h.stats.retransmissions).toBe(1);
    }
  });

  it("uses the QRV learned from the last query as Robustness", () => {
    const h = mkHost();
    h.receive(0, IFACE, frameOf(v3Query({ qrv: 4, maxRespTime: 1 })));
    runIdle(h);
    const s = h.openSocket();
    h.join(5000, s, IFACE, G);
    runIdle(h, 5000);
    expect(brief(h.drain())).toEqual(Array(4).fill(`TO_EX ${G} []`));
    expect(h.robustness(IFACE)).toBe(4);
    h.receive(10_000, IFACE, frameOf(v3Query({ qrv: 0 })));
    expect(h.robustness(IFACE)).toBe(2);
  });

  it("merges a new change into the pending report, each source keeping its own RV count", () => {
    const h = mkHost({ robustness: 3 });
    const s = h.openSocket();
    h.joinSource(0, s, IFACE, G, S1);
    const first = h.nextDeadline()!;
    runTo(h, first); // 2nd of 3 transmissions for S1
    h.joinSource(first, s, IFACE, G, S2); // new change: S2 gets 3, S1 has 1 left
    runIdle(h, first);
    expect(brief(h.drain())).toEqual([
      `ALLOW ${G} [${S1}]`,
      `ALLOW ${G} [${S1}]`,
      `ALLOW ${G} [${S1},${S2}]`,
      `ALLOW ${G} [${S2}]`,
      `ALLOW ${G} [${S2}]`,
    ]);
  });

  it("a source allowed then blocked before its retransmissions end moves from ALLOW to BLOCK", () => {
    const h = mkHost();
    const s = h.openSocket();
    h.joinSource(0, s, IFACE, G, S1);
    h.joinSource(0, s, IFACE, G, S2);
    h.leaveSource(0, s, IFACE, G, S1);
    expect(brief(h.drain())).toEqual([`ALLOW ${G} [${S1}]`, `ALLOW ${G} [${S1},${S2}]`, `ALLOW ${G} [${S2}] + BLOCK ${G} [${S1}]`]);
  });

  it("a filter-mode change is reported by TO_EX/TO_IN for the next RV reports even if sources change meanwhile (RFC)", () => {
    const h = mkHost({ robustness: 3 });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    h.blockSource(0, s, IFACE, G, S1); // source change during the filter-mode retransmissions
    runIdle(h);
    expect(brief(h.drain())).toEqual([
      `TO_EX ${G} []`,
      `TO_EX ${G} [${S1}]`,
      `TO_EX ${G} [${S1}]`,
      `BLOCK ${G} [${S1}]`,
      `BLOCK ${G} [${S1}]`,
      `BLOCK ${G} [${S1}]`,
    ]);
  });

  it("linux profile: ALLOW/BLOCK records ride along with the filter-mode-change record", () => {
    const h = mkHost({ robustness: 3, profile: "linux" });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    h.blockSource(0, s, IFACE, G, S1);
    runIdle(h);
    expect(brief(h.drain())).toEqual([
      `TO_EX ${G} []`,
      `TO_EX ${G} [${S1}] + BLOCK ${G} [${S1}]`,
      `TO_EX ${G} [${S1}] + BLOCK ${G} [${S1}]`,
      `BLOCK ${G} [${S1}]`,
    ]);
  });

  it("leave during TO_EX retransmissions turns into TO_IN{} retransmissions", () => {
    const h = mkHost();
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    h.leave(0, s, IFACE, G);
    runIdle(h);
    expect(brief(h.drain())).toEqual([`TO_EX ${G} []`, `TO_IN ${G} []`, `TO_IN ${G} []`]);
    expect(h.nextDeadline()).toBeNull();
  });

  it("never reports 224.0.0.1, and v3 hosts do not suppress on other reports", () => {
    const h = mkHost();
    const s = h.openSocket();
    h.join(0, s, IFACE, "224.0.0.1");
    expect(h.drain()).toEqual([]);
    h.join(0, s, IFACE, G);
    h.drain();
    h.receive(10, IFACE, frameOf(v3Query({ maxRespTime: 1 })));
    h.receive(20, IFACE, frameOf(v2Report(G), "198.18.0.50"));
    h.receive(20, IFACE, frameOf(v1Report(G), "198.18.0.50"));
    h.receive(20, IFACE, frameOf(v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]), "198.18.0.50"));
    runIdle(h, 20);
    const out = brief(h.drain());
    expect(out).toContain(`IS_EX ${G} []`);
    expect(out.join()).not.toContain("224.0.0.1");
    expect(h.stats.suppressions).toBe(0);
  });
});

describe("v3 query responses (RFC 9776 §5.2)", () => {
  function joined(): ReturnType<typeof mkHost> {
    const h = mkHost();
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    h.setSourceFilter(0, s, IFACE, "239.2.2.2", "include", [S1, S2]);
    h.setSourceFilter(0, s, IFACE, "239.3.3.3", "exclude", [S1, S2]);
    runIdle(h);
    h.drain();
    return h;
  }

  it("general query: one current-state record per group, within Max Resp Time", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const h = joined();
      const t0 = 100_000;
      h.receive(t0, IFACE, frameOf(v3Query({ maxRespTime: 5 })));
      runIdle(h, t0);
      const out = h.drain();
      expect(brief(out)).toEqual([`IS_EX ${G} [] + IS_IN 239.2.2.2 [${S1},${S2}] + IS_EX 239.3.3.3 [${S1},${S2}]`]);
      expect(out[0]!.timeMs - t0).toBeGreaterThanOrEqual(0);
      expect(out[0]!.timeMs - t0).toBeLessThanOrEqual(5000);
    }
  });

  it("rule 1/2: a second general query does not add a response; the earliest one stands", () => {
    const h = joined();
    h.receive(100_000, IFACE, frameOf(v3Query({ maxRespTime: 10 })));
    const d1 = h.nextDeadline()!;
    h.receive(100_001, IFACE, frameOf(v3Query({ maxRespTime: 25 })));
    h.receive(100_002, IFACE, frameOf(v3Query({ maxRespTime: 0.1 })));
    const d3 = h.nextDeadline()!;
    expect(d3).toBeLessThanOrEqual(Math.min(d1, 100_102));
    runIdle(h, 100_002);
    expect(h.drain()).toHaveLength(1);
  });

  it("rule 1: a group-specific query is covered by a sooner general response", () => {
    const h = joined();
    h.receive(100_000, IFACE, frameOf(v3Query({ maxRespTime: 10 })));
    const d = h.nextDeadline()!;
    h.receive(d - 1, IFACE, frameOf(v3Query({ group: G, maxRespTime: 25 })));
    runIdle(h, d - 1);
    expect(h.drain()).toHaveLength(1);
  });

  it("linux profile answers the group-specific query as well (no rule 1 for specific queries)", () => {
    const h = mkHost({ profile: "linux" });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    runIdle(h);
    h.drain();
    h.receive(100_000, IFACE, frameOf(v3Query({ maxRespTime: 0 })));
    h.receive(100_000, IFACE, frameOf(v3Query({ group: G, maxRespTime: 10 })));
    runIdle(h, 100_000);
    expect(brief(h.drain())).toEqual([`IS_EX ${G} []`, `IS_EX ${G} []`]);
  });

  it("rule 3: group-specific query answered with the group's current state only; unjoined groups ignored", () => {
    const h = joined();
    h.receive(100_000, IFACE, frameOf(v3Query({ group: "239.2.2.2", maxRespTime: 2 })));
    h.receive(100_000, IFACE, frameOf(v3Query({ group: "239.9.9.9", maxRespTime: 2 })));
    runIdle(h, 100_000);
    expect(brief(h.drain())).toEqual([`IS_IN 239.2.2.2 [${S1},${S2}]`]);
  });

  it("group-and-source-specific: INCLUDE(A) answers A∩B, EXCLUDE(A) answers B−A, nothing when empty", () => {
    const h = joined();
    h.receive(100_000, IFACE, frameOf(v3Query({ group: "239.2.2.2", sources: [S2, S3], maxRespTime: 2 })));
    h.receive(100_000, IFACE, frameOf(v3Query({ group: "239.3.3.3", sources: [S2, S3], maxRespTime: 2 })));
    h.receive(100_000, IFACE, frameOf(v3Query({ group: G, sources: [S3], maxRespTime: 2 })));
    runIdle(h, 100_000);
    expect(brief(h.drain()).sort()).toEqual([`IS_IN 239.2.2.2 [${S2}]`, `IS_IN 239.3.3.3 [${S3}]`, `IS_IN ${G} [${S3}]`].sort());
    h.receive(200_000, IFACE, frameOf(v3Query({ group: "239.2.2.2", sources: [S3], maxRespTime: 2 })));
    runIdle(h, 200_000);
    expect(h.drain()).toEqual([]);
  });

  it("rule 4: a group-specific query after a pending source-specific one clears the list; earliest time wins", () => {
    const h = joined();
    h.receive(100_000, IFACE, frameOf(v3Query({ group: "239.2.2.2", sources: [S1], maxRespTime: 20 })));
    const d1 = h.nextDeadline()!;
    h.receive(100_000, IFACE, frameOf(v3Query({ group: "239.2.2.2", maxRespTime: 20 })));
    expect(h.nextDeadline()!).toBeLessThanOrEqual(d1);
    runIdle(h, 100_000);
    expect(brief(h.drain())).toEqual([`IS_IN 239.2.2.2 [${S1},${S2}]`]);
    // and a source-specific query while a group-specific response is pending stays group-specific
    h.receive(200_000, IFACE, frameOf(v3Query({ group: "239.2.2.2", maxRespTime: 20 })));
    h.receive(200_000, IFACE, frameOf(v3Query({ group: "239.2.2.2", sources: [S1], maxRespTime: 20 })));
    runIdle(h, 200_000);
    expect(brief(h.drain())).toEqual([`IS_IN 239.2.2.2 [${S1},${S2}]`]);
  });

  it("rule 5: source lists of pending source-specific queries are merged; one response at the minimum delay", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const h = joined();
      h.receive(100_000, IFACE, frameOf(v3Query({ group: "239.3.3.3", sources: [S3], maxRespTime: 20 })));
      const d1 = h.nextDeadline()!;
      h.receive(100_000, IFACE, frameOf(v3Query({ group: "239.3.3.3", sources: ["10.0.0.4", S1], maxRespTime: 20 })));
      expect(h.nextDeadline()!).toBeLessThanOrEqual(d1);
      runIdle(h, 100_000);
      const out = h.drain();
      expect(brief(out)).toEqual([`IS_IN 239.3.3.3 [${S3},10.0.0.4]`]);
      expect(out[0]!.timeMs).toBeLessThanOrEqual(d1);
    }
  });

  it("a general query with sources: answered ignoring the sources (rfc), dropped (linux)", () => {
    for (const [profile, n] of [["rfc", 1], ["linux", 0]] as const) {
      const h = mkHost({ profile });
      const s = h.openSocket();
      h.join(0, s, IFACE, G);
      runIdle(h);
      h.drain();
      h.receive(100_000, IFACE, frameOf(v3Query({ sources: [S1], maxRespTime: 1 })));
      runIdle(h, 100_000);
      expect(h.drain()).toHaveLength(n);
    }
  });

  it("wire rules on every report: TTL 1, TOS 0xc0, Router Alert, v3 reports to 224.0.0.22", () => {
    const h = joined();
    h.receive(100_000, IFACE, frameOf(v3Query({ maxRespTime: 1 })));
    runIdle(h, 100_000);
    for (const { d } of decodeAll(h.drain())) {
      expect(d.ttl).toBe(1);
      expect(d.tos).toBe(0xc0);
      expect(d.routerAlert).toBe(true);
      expect(d.ipDst).toBe("224.0.0.22");
      expect(d.macDst).toBe("01:00:5e:00:00:16");
      expect(d.ipSrc).toBe("198.18.0.10");
      expect(d.errors).toEqual([]);
      expect(d.igmp!.checksumValid).toBe(true);
    }
  });
});
