import { describe, expect, it } from "vitest";
import { encodeIgmpFrame, v1Query, v1Report, v2Query, v2Report, v3Query } from "../../src/wire/index.js";
import { brief, decodeAll, frameOf, HOST_IP, IFACE, mkHost, ROUTER_IP, ROUTER_MAC, runIdle, runTo } from "./helpers.js";

const G = "239.1.1.1";
const OTHER = "198.18.0.50";

describe("v2 host (RFC 2236)", () => {
  it("join: a v2 report to the group at once, repeated once within the Unsolicited Report Interval", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const h = mkHost({ version: 2, seed });
      const s = h.openSocket();
      h.join(0, s, IFACE, G);
      runIdle(h);
      const out = h.drain();
      expect(brief(out)).toEqual([`v2-report ${G}`, `v2-report ${G}`]);
      expect(out[1]!.timeMs).toBeGreaterThan(0);
      expect(out[1]!.timeMs).toBeLessThanOrEqual(10_000);
      const d = decodeAll(out)[0]!.d;
      expect([d.ipDst, d.macDst, d.ttl, d.tos, d.routerAlert]).toEqual([G, "01:00:5e:01:01:01", 1, 0xc0, true]);
    }
  });

  it("Delaying/Idle: a query starts a timer within Max Resp Time; the report goes out when it fires", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const h = mkHost({ version: 2, seed });
      const s = h.openSocket();
      h.join(0, s, IFACE, G);
      h.join(0, s, IFACE, "239.2.2.2");
      runIdle(h);
      h.drain();
      h.receive(100_000, IFACE, frameOf(v2Query({ maxRespTime: 4 })));
      runIdle(h, 100_000);
      const out = h.drain();
      expect(brief(out).sort()).toEqual([`v2-report ${G}`, "v2-report 239.2.2.2"]);
      for (const f of out) expect(f.timeMs - 100_000).toBeLessThanOrEqual(4000);
    }
  });

  it("a query with a shorter Max Resp Time resets a longer pending timer; a longer one does not", () => {
    const h = mkHost({ version: 2 });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    runIdle(h);
    h.drain();
    h.receive(100_000, IFACE, frameOf(v2Query({ maxRespTime: 25 })));
    const d1 = h.nextDeadline()!;
    h.receive(100_000, IFACE, frameOf(v2Query({ maxRespTime: 25.5 })));
    expect(h.nextDeadline()).toBe(d1);
    h.receive(100_000, IFACE, frameOf(v2Query({ maxRespTime: 0.1 })));
    expect(h.nextDeadline()!).toBeLessThanOrEqual(100_100);
  });

  it("suppression: hearing another host's report cancels ours; then the leave is not ours to send", () => {
    const h = mkHost({ version: 2 });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    runIdle(h);
    h.drain();
    h.receive(100_000, IFACE, frameOf(v2Query({ maxRespTime: 10 })));
    h.receive(100_000, IFACE, frameOf(v2Report(G), OTHER));
    runIdle(h, 100_000);
    expect(h.drain()).toEqual([]);
    expect(h.stats.suppressions).toBe(1);
    h.leave(200_000, s, IFACE, G);
    expect(h.drain()).toEqual([]);
  });

  it("the last reporter sends the Leave to 224.0.0.2", () => {
    const h = mkHost({ version: 2 });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    runIdle(h);
    h.drain();
    h.leave(50_000, s, IFACE, G);
    const out = h.drain();
    expect(brief(out)).toEqual([`leave ${G}`]);
    expect(decodeAll(out)[0]!.d.ipDst).toBe("224.0.0.2");
    expect(decodeAll(out)[0]!.d.macDst).toBe("01:00:5e:00:00:02");
  });

  it("a report heard during the unsolicited repetitions stops them", () => {
    const h = mkHost({ version: 2 });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    h.receive(1, IFACE, frameOf(v2Report(G), OTHER));
    runIdle(h, 1);
    expect(brief(h.drain())).toEqual([`v2-report ${G}`]);
  });

  it("a group-specific query only starts that group's timer", () => {
    const h = mkHost({ version: 2 });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    h.join(0, s, IFACE, "239.2.2.2");
    runIdle(h);
    h.drain();
    h.receive(100_000, IFACE, frameOf(v2Query({ group: "239.2.2.2", maxRespTime: 1 })));
    runIdle(h, 100_000);
    expect(brief(h.drain())).toEqual(["v2-report 239.2.2.2"]);
  });

  it("ignores its own reports looped back", () => {
    const h = mkHost({ version: 2 });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    h.receive(1, IFACE, frameOf(v2Report(G), HOST_IP));
    runIdle(h, 1);
    expect(h.drain()).toHaveLength(2);
  });
});

describe("v1 host (RFC 1112)", () => {
  it("v1 reports on join, answers every query within 10 s, never sends a leave", () => {
    const h = mkHost({ version: 1 });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    runIdle(h);
    expect(brief(h.drain())).toEqual([`v1-report ${G}`, `v1-report ${G}`]);
    h.receive(100_000, IFACE, frameOf(v2Query({ group: "239.9.9.9", maxRespTime: 1 })));
    runIdle(h, 100_000);
    const out = h.drain();
    expect(brief(out)).toEqual([`v1-report ${G}`]);
    expect(out[0]!.timeMs - 100_000).toBeLessThanOrEqual(10_000);
    h.leave(200_000, s, IFACE, G);
    expect(h.drain()).toEqual([]);
  });

  it("suppressed by another host's v1 report", () => {
    const h = mkHost({ version: 1 });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    runIdle(h);
    h.drain();
    h.receive(100_000, IFACE, frameOf(v1Query()));
    h.receive(100_000, IFACE, frameOf(v1Report(G), OTHER));
    runIdle(h, 100_000);
    expect(h.drain()).toEqual([]);
  });
});

describe("host compatibility mode (RFC 9776 §7.2.1)", () => {
  function v3Joined(profile: "rfc" | "linux" = "rfc"): ReturnType<typeof mkHost> {
    const h = mkHost({ profile });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    runIdle(h);
    h.drain();
    return h;
  }

  it("a v2 general query switches to v2 mode for the Older Version Querier Present Timeout (260 s)", () => {
    const h = v3Joined();
    h.receive(1_000_000, IFACE, frameOf(v2Query({ maxRespTime: 1 })));
    expect(h.compatibilityMode(IFACE, 1_000_000)).toBe(2);
    runIdle(h, 1_000_000);
    expect(brief(h.drain())).toEqual([`v2-report ${G}`]);
    const s2 = h.openSocket();
    h.join(1_000_100, s2, IFACE, "239.5.5.5");
    runIdle(h, 1_000_100);
    expect(brief(h.drain())).toEqual(["v2-report 239.5.5.5", "v2-report 239.5.5.5"]);
    expect(h.compatibilityMode(IFACE, 1_259_999)).toBe(2);
    expect(h.compatibilityMode(IFACE, 1_260_000)).toBe(3);
    runTo(h, 1_260_000);
    h.leave(1_260_000, s2, IFACE, "239.5.5.5");
    expect(brief(h.drain())).toEqual(["TO_IN 239.5.5.5 []"]);
  });

  it("the timeout is RV × QI + QRI with values learned from v3 queries", () => {
    const h = v3Joined();
    h.receive(1000, IFACE, frameOf(v3Query({ qrv: 3, qqi: 60, maxRespTime: 1 })));
    h.receive(2000, IFACE, frameOf(v2Query({ maxRespTime: 1 })));
    expect(h.compatibilityMode(IFACE, 2000 + 3 * 60_000 + 10_000 - 1)).toBe(2);
    expect(h.compatibilityMode(IFACE, 2000 + 3 * 60_000 + 10_000)).toBe(3);
  });

  it("v1 query: v1 mode, v1 reports, no leave; v1 wins over v2", () => {
    const h = v3Joined();
    h.receive(1000, IFACE, frameOf(v2Query({ maxRespTime: 1 })));
    h.receive(1000, IFACE, frameOf(v1Query()));
    expect(h.compatibilityMode(IFACE, 1000)).toBe(1);
    runIdle(h, 1000);
    expect(brief(h.drain())).toEqual([`v1-report ${G}`]);
  });

  it("a v2 group-specific query does not change the mode (rfc) and is answered with a v3 record", () => {
    const h = v3Joined();
    h.receive(1000, IFACE, frameOf(v2Query({ group: G, maxRespTime: 1 })));
    expect(h.compatibilityMode(IFACE, 1000)).toBe(3);
    runIdle(h, 1000);
    expect(brief(h.drain())).toEqual([`IS_EX ${G} []`]);
  });

  it("linux profile: a v2 group-specific query does set v2 mode, for a fixed 400 s", () => {
    const h = v3Joined("linux");
    h.receive(1000, IFACE, frameOf(v2Query({ group: G, maxRespTime: 1 })));
    expect(h.compatibilityMode(IFACE, 1000)).toBe(2);
    expect(h.compatibilityMode(IFACE, 400_999)).toBe(2);
    expect(h.compatibilityMode(IFACE, 401_000)).toBe(3);
  });

  it("switching to an older mode cancels pending v3 responses and retransmissions", () => {
    const h = mkHost();
    const s = h.openSocket();
    h.join(0, s, IFACE, G); // TO_EX sent, one retransmission pending
    h.receive(0, IFACE, frameOf(v3Query({ maxRespTime: 20 }))); // general response pending
    h.receive(1, IFACE, frameOf(v2Query({ maxRespTime: 20 })));
    runIdle(h, 1);
    expect(brief(h.drain())).toEqual([`TO_EX ${G} []`, `v2-report ${G}`]);
  });

  it("a v3 query in v2 mode is answered with a v2 report", () => {
    const h = v3Joined();
    h.receive(1000, IFACE, frameOf(v2Query({ maxRespTime: 1 })));
    runIdle(h, 1000);
    h.drain();
    h.receive(50_000, IFACE, frameOf(v3Query({ group: G, maxRespTime: 1 })));
    runIdle(h, 50_000);
    expect(brief(h.drain())).toEqual([`v2-report ${G}`]);
  });

  it("SSM groups: no v1/v2 reports in an older mode (RFC 4604); linux sends them", () => {
    for (const [profile, n] of [["rfc", 0], ["linux", 1]] as const) {
      const h = mkHost({ profile });
      const s = h.openSocket();
      h.joinSource(0, s, IFACE, "232.1.1.1", "10.0.0.1");
      runIdle(h);
      h.drain();
      h.receive(1000, IFACE, frameOf(v2Query({ maxRespTime: 1 })));
      runIdle(h, 1000);
      expect(h.drain()).toHaveLength(n);
    }
  });
});

describe("what the host hears", () => {
  it("bad checksums and bad lengths are counted and dropped; unknown types ignored", () => {
    const h = mkHost({ version: 2 });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    runIdle(h);
    h.drain();
    const bad = encodeIgmpFrame({ message: v2Query({ maxRespTime: 1 }), src: ROUTER_IP, macSrc: ROUTER_MAC, igmp: { checksum: "keep" } });
    // corrupt the IGMP checksum (Ethernet 14 + IPv4 24 + 2)
    bad[40] = bad[40]! ^ 0xff;
    h.receive(1000, IFACE, { data: bad, linkType: 1 });
    const short = encodeIgmpFrame({ message: v2Query({ maxRespTime: 1 }), src: ROUTER_IP, macSrc: ROUTER_MAC, pad: false }).subarray(0, 40);
    h.receive(1000, IFACE, { data: short, linkType: 1 });
    h.receive(1000, IFACE, frameOf({ kind: "unknown", type: 0x42, code: 0, body: "00000000" }));
    runIdle(h, 1000);
    expect(h.drain()).toEqual([]);
    expect(h.stats.badPackets).toBe(2);
    expect(h.stats.ignored).toBe(1);
    expect(h.stats.queriesHeard.v2General).toBe(0);
  });
});

describe("a report handed over as a value (the emulator's hosts on one LAN)", () => {
  it("hearReport does what receive does with the frame: in v1/v2 modes a suppression, in v3 mode an ignored report", () => {
    for (const version of [1, 2, 3] as const) {
      const byFrame = mkHost({ version, seed: 3 });
      const byValue = mkHost({ version, seed: 3 });
      for (const h of [byFrame, byValue]) {
        const s = h.openSocket();
        h.join(0, s, IFACE, G);
        runIdle(h);
        h.receive(100_000, IFACE, frameOf(version === 3 ? v3Query({ maxRespTime: 5 }) : v2Query({ maxRespTime: 5 })));
      }
      byFrame.receive(100_001, IFACE, frameOf(version === 1 ? v1Report(G) : v2Report(G), OTHER));
      byValue.hearReport(100_001, IFACE, G);
      runIdle(byFrame, 100_001);
      runIdle(byValue, 100_001);
      expect(byValue.drain(), `v${version}`).toEqual(byFrame.drain());
      expect(byValue.stats, `v${version}`).toEqual(byFrame.stats);
      expect(byValue.stats.suppressions, `v${version}`).toBe(version === 3 ? 0 : 1);
    }
  });
});
