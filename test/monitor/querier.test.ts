import { describe, expect, it } from "vitest";
import { formatTimeMs } from "../../src/monitor/message.js";
import { Querier, QuerierError, type QuerierEvent, type QuerierFrame, type QuerierOptions } from "../../src/monitor/querier.js";
import { decodeFrame, encodeIgmpFrame, leave, v1Report, v2Query, v2Report, v3Query, v3Report, type DecodedFrame, type IgmpMessageInit } from "../../src/wire/index.js";

const ME = "198.18.0.5";
const MY_MAC = "02:00:c6:12:00:05";
const LOW = "198.18.0.1";
const HIGH = "198.18.0.9";
const H1 = "198.18.0.20";
const H2 = "198.18.0.21";
const G = "239.1.2.3";
const S1 = "198.18.1.1";
const S2 = "198.18.1.2";

const s = (x: number) => x * 1000;
/** An event time (the one output form) at x seconds. */
const T = (x: number) => formatTimeMs(x * 1000);

function mk(o: Partial<QuerierOptions> = {}): Querier {
  return new Querier({ address: ME, mac: MY_MAC, queryInterval: 20, queryResponseInterval: 2, ...o });
}

function from(src: string, message: IgmpMessageInit): { data: Uint8Array; linkType: number } {
  const mac = `02:00:c6:12:00:${Number(src.split(".")[3]).toString(16).padStart(2, "0")}`;
  return { data: encodeIgmpFrame({ message, src, macSrc: mac }), linkType: 1 };
}

/** Run to `t` deadline by deadline; returns the frames sent, decoded, with their times. */
function runTo(q: Querier, t: number): { t: number; d: DecodedFrame; f: QuerierFrame }[] {
  q.advance(t);
  return q.drain().map((f) => ({ t: f.timeMs, d: decodeFrame({ data: f.data, linkType: 1 }), f }));
}

const sent = (list: { t: number; d: DecodedFrame }[]) =>
  list.map(({ t, d }) => {
    const m = d.igmp!;
    if (m.kind !== "query") throw new Error("not a query");
    return { t: t / 1000, group: m.group, ...(m.version === 3 ? { sources: m.sources, s: m.sFlag } : {}) };
  });

describe("Querier: general queries (RFC 9776 §6.1, §8.6, §8.7)", () => {
  it("sends Startup Query Count queries a Startup Query Interval apart, then one per Query Interval", () => {
    const q = mk();
    q.start(0);
    const out = runTo(q, s(70));
    expect(out.map((x) => x.t / 1000)).toEqual([0, 5, 25, 45, 65]);
    const m = out[0]!.d;
    expect(m).toMatchObject({ ipSrc: ME, ipDst: "224.0.0.1", macSrc: MY_MAC, macDst: "01:00:5e:00:00:01", ttl: 1, routerAlert: true });
    expect(m.igmp).toMatchObject({ kind: "query", version: 3, group: "0.0.0.0", maxRespCode: 20, qrv: 2, qqic: 20, sFlag: false, sources: [], checksumValid: true });
    const ev = q.drainEvents().filter((e) => e.type === "query-sent");
    expect(ev.map((e) => (e as { startup: boolean }).startup)).toEqual([true, true, false, false, false]);
  });

  it("advertises QRV and QQIC as configured and Max Resp Code over the whole float range", () => {
    const q = mk({ robustness: 5, queryInterval: 300, queryResponseInterval: 100, startupQueryCount: 1 });
    q.start(0);
    const m = runTo(q, 0)[0]!.d.igmp!;
    // 1000 tenths: exp 2, mant 15 -> 0x1f << 5 = 992 (rounded down); 300 s: exp 1, mant 2 -> 0x12 << 4 = 288
    expect(m).toMatchObject({ version: 3, maxRespCode: 0xaf, maxRespTime: 99.2, qrv: 5, qqic: 0x92, qqi: 288 });
    const big = mk({ robustness: 9, queryInterval: 40000, queryResponseInterval: 3174.4 });
    big.start(0);
    expect(runTo(big, 0)[0]!.d.igmp).toMatchObject({ maxRespCode: 0xff, maxRespTime: 3174.4, qrv: 0, qqic: 0xff });
  });

  it("v2 and v1 general queries", () => {
    const v2 = mk({ version: 2, queryResponseInterval: 2.5 });
    v2.start(0);
    expect(runTo(v2, 0)[0]!.d.igmp).toMatchObject({ version: 2, maxRespCode: 25, group: "0.0.0.0" });
    const v1 = mk({ version: 1 });
    v1.start(0);
    const f = runTo(v1, 0)[0]!;
    expect(f.d.igmp).toMatchObject({ version: 1, maxRespCode: 0 });
    expect(f.f.data.length).toBe(60);
  });

  it("refuses variables out of range with a typed error", () => {
    expect(() => mk({ queryResponseInterval: 20 })).toThrow(QuerierError);
    expect(() => mk({ version: 2, queryResponseInterval: 30, queryInterval: 60 })).toThrow(/25.5/);
    expect(() => mk({ robustness: 0 })).toThrow(/robustness/);
    expect(() => mk({ queryResponseInterval: 0.05 })).toThrow(/resolution/);
  });

  it("the same seed gives the same bytes; another seed another IP identification", () => {
    const bytes = (seed: number) => {
      const q = mk({ seed });
      q.start(0);
      return runTo(q, s(60)).map((x) => Buffer.from(x.f.data).toString("hex"));
    };
    expect(bytes(3)).toEqual(bytes(3));
    expect(bytes(3)).not.toEqual(bytes(4));
  });
});

describe("Querier: last member queries (RFC 9776 §6.4, §6.6.3)", () => {
  it("TO_IN({}) in EXCLUDE mode: LMQC group-specific queries LMQI apart, S clear, and the group expires at LMQT", () => {
    const q = mk({ startupQueryCount: 1 });
    q.start(0);
    q.receive(s(1), from(H1, v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }])));
    q.receive(s(3), from(H1, v3Report([{ type: "CHANGE_TO_INCLUDE_MODE", group: G }])));
    const out = runTo(q, s(10)).filter((x) => (x.d.igmp as { group: string }).group === G);
    expect(sent(out)).toEqual([
      { t: 3, group: G, sources: [], s: false },
      { t: 4, group: G, sources: [], s: false },
    ]);
    expect(out[0]!.d).toMatchObject({ ipDst: G, macDst: "01:00:5e:01:02:03" });
    expect(out[0]!.d.igmp).toMatchObject({ maxRespCode: 10 });
    const expiry = q.drainEvents().find((e) => e.type === "expiry");
    expect(expiry).toMatchObject({ group: G, time: T(5) });
  });

  it("a report between the queries keeps the group: the retransmission carries the S flag (§6.6.3.1)", () => {
    const q = mk({ startupQueryCount: 1 });
    q.start(0);
    q.receive(s(1), from(H1, v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }])));
    q.receive(s(1), from(H2, v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }])));
    q.receive(s(3), from(H1, v3Report([{ type: "CHANGE_TO_INCLUDE_MODE", group: G }])));
    q.receive(s(3.5), from(H2, v3Report([{ type: "MODE_IS_EXCLUDE", group: G }])));
    const out = runTo(q, s(10)).filter((x) => (x.d.igmp as { group: string }).group === G);
    expect(sent(out)).toEqual([
      { t: 3, group: G, sources: [], s: false },
      { t: 4, group: G, sources: [], s: true },
    ]);
    expect(q.snapshot().state.groups.map((g) => g.group)).toEqual([G]);
    expect(q.snapshot().state.groups[0]!.groupTimer).toBeCloseTo(3.5 + 42 - 10, 5); // IS_EX at 3.5 s set it to GMI = 2 x 20 + 2
  });

  it("BLOCK in INCLUDE mode: group-and-source queries split by the S flag, timers lowered to LMQT (§6.6.3.2)", () => {
    const q = mk({ startupQueryCount: 1, lastMemberQueryCount: 3 });
    q.start(0);
    q.receive(s(1), from(H1, v3Report([{ type: "ALLOW_NEW_SOURCES", group: G, sources: [S1, S2] }])));
    q.receive(s(2), from(H1, v3Report([{ type: "BLOCK_OLD_SOURCES", group: G, sources: [S1, S2] }])));
    q.receive(s(2.5), from(H2, v3Report([{ type: "MODE_IS_INCLUDE", group: G, sources: [S1] }])));
    const out = runTo(q, s(10)).filter((x) => (x.d.igmp as { group: string }).group === G);
    expect(sent(out)).toEqual([
      { t: 2, group: G, sources: [S1, S2], s: false },
      { t: 3, group: G, sources: [S1], s: true },
      { t: 3, group: G, sources: [S2], s: false },
      { t: 4, group: G, sources: [S1], s: true },
      { t: 4, group: G, sources: [S2], s: false },
    ]);
    const ev = q.drainEvents();
    const gs = ev.filter((e) => e.type === "query-sent" && e.kind === "group-source") as Extract<QuerierEvent, { type: "query-sent" }>[];
    expect(gs.map((e) => e.retransmission)).toEqual([false, true, true, true, true]);
    const removed = ev.filter((e) => e.type === "source-removed");
    expect(removed).toMatchObject([{ source: S2, reason: "timer", time: T(5) }]);
    expect(q.snapshot().state.groups[0]!.sources.map((x) => x.source)).toEqual([S1]);
  });

  it("IGMPv2 (RFC 2236 §3, §7): a leave brings v2 group-specific queries; a report stops them", () => {
    const q = mk({ version: 2, startupQueryCount: 1, lastMemberQueryCount: 3 });
    q.start(0);
    q.receive(s(1), from(H1, v2Report(G)));
    q.receive(s(2), from(H1, leave(G)));
    q.receive(s(2.5), from(H2, v2Report(G)));
    const out = runTo(q, s(10)).filter((x) => (x.d.igmp as { group: string }).group === G);
    expect(out.map((x) => [x.t / 1000, (x.d.igmp as { version: number }).version, (x.d.igmp as { maxRespCode: number }).maxRespCode])).toEqual([[2, 2, 10]]);
    expect(q.snapshot().state.groups.map((g) => g.group)).toEqual([G]);
    // Without the second report the group goes after LMQT (3 x 1 s).
    q.receive(s(11), from(H2, leave(G)));
    runTo(q, s(20));
    expect(q.drainEvents().find((e) => e.type === "expiry")).toMatchObject({ group: G, time: T(14) });
  });

  it("a v2 querier does not take IGMPv3 reports; a v1 querier takes v1 reports only and sends no specific query", () => {
    const v2 = mk({ version: 2 });
    v2.start(0);
    v2.receive(s(1), from(H1, v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }])));
    expect(v2.snapshot().state.groups).toEqual([]);
    expect(v2.counters.ignored).toBe(1);
    const v1 = mk({ version: 1, startupQueryCount: 1 });
    v1.start(0);
    v1.drain();
    v1.receive(s(1), from(H1, v2Report(G)));
    v1.receive(s(1), from(H1, v1Report(G)));
    v1.receive(s(2), from(H1, leave(G)));
    expect(runTo(v1, s(15)).length).toBe(0);
    expect(v1.snapshot().state.groups).toMatchObject([{ group: G, compatMode: 1 }]);
  });

  it("older hosts present: a v2 report puts the group in v2 compatibility, where BLOCK is ignored (§7.3.2)", () => {
    const q = mk({ startupQueryCount: 1 });
    q.start(0);
    q.drain();
    q.receive(s(1), from(H1, v2Report(G)));
    q.receive(s(2), from(H2, v3Report([{ type: "BLOCK_OLD_SOURCES", group: G, sources: [S1] }])));
    expect(runTo(q, s(3))).toEqual([]);
    const ev = q.drainEvents();
    expect(ev.find((e) => e.type === "compat-change")).toMatchObject({ from: 3, to: 2 });
    // the v2 Host Present timer runs Older Host Present Interval: RV x QI + QRI = 42 s
    runTo(q, s(50));
    expect(q.drainEvents().filter((e) => e.type === "compat-change" || e.type === "expiry")).toMatchObject([{ type: "compat-change", from: 2, to: 3, time: T(43) }, { type: "expiry", time: T(43) }]);
  });
});

describe("Querier: election (RFC 9776 §6.6.2, RFC 2236 §7)", () => {
  it("stops querying on hearing a lower address and takes over after the Other Querier Present Interval", () => {
    const q = mk({ startupQueryCount: 1 });
    q.start(0);
    runTo(q, s(1));
    q.receive(s(1), from(LOW, v3Query({ maxRespTime: 2, qqi: 20 })));
    const ev = q.drainEvents();
    expect(ev.find((e) => e.type === "election-lost")).toMatchObject({ querier: LOW, time: T(1) });
    expect(q.isQuerier()).toBe(false);
    // no general query while the other querier is present; OQPI = 2 x 20 + 2 / 2 = 41 s
    expect(runTo(q, s(41.9))).toEqual([]);
    const out = runTo(q, s(50));
    expect(out.map((x) => x.t)).toEqual([s(42)]);
    expect(q.drainEvents().find((e) => e.type === "election-won")).toMatchObject({ reason: "other-querier-expired", previous: LOW, time: T(42) });
    expect(q.isQuerier()).toBe(true);
  });

  it("a higher address does not take the role; its clear-S specific queries still lower our timers (§6.6.1)", () => {
    const q = mk({ startupQueryCount: 1 });
    q.start(0);
    q.receive(s(1), from(HIGH, v3Query({ maxRespTime: 2, qqi: 20 })));
    expect(q.isQuerier()).toBe(true);
    expect(runTo(q, s(20)).map((x) => x.t)).toEqual([s(0), s(20)]);
    q.receive(s(21), from(H1, v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }])));
    q.receive(s(22), from(HIGH, v3Query({ group: G, maxRespTime: 1 })));
    expect(q.snapshot().state.groups[0]!.groupTimer).toBeCloseTo(2, 5);
  });

  it("as a non-querier it sends no last member queries but keeps the state from the querier's", () => {
    const q = mk({ startupQueryCount: 1 });
    q.start(0);
    q.receive(s(1), from(LOW, v3Query({ maxRespTime: 2, qqi: 20 })));
    q.receive(s(2), from(H1, v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }])));
    q.receive(s(3), from(H1, v3Report([{ type: "CHANGE_TO_INCLUDE_MODE", group: G }])));
    q.drain();
    expect(runTo(q, s(10))).toEqual([]);
    q.receive(s(10), from(LOW, v3Query({ group: G, maxRespTime: 1 })));
    runTo(q, s(13));
    expect(q.drainEvents().find((e) => e.type === "expiry")).toMatchObject({ group: G, time: T(12) });
  });
});

describe("Querier: what it does not take (RFC 2236 §2, §3; RFC 9776 §4)", () => {
  const frame = (src: string, message: IgmpMessageInit, o: { ttl?: number; dst?: string } = {}) => {
    const dst = o.dst ? { dst: o.dst, ...(o.dst === ME ? { macDst: MY_MAC } : {}) } : {};
    return { linkType: 1, data: encodeIgmpFrame({ message, src, macSrc: "02:00:c6:12:00:14", ...dst, ...(o.ttl !== undefined ? { ip: { ttl: o.ttl } } : {}) }) };
  };

  it("a report or query with TTL other than 1 is ignored", () => {
    const q = mk({ startupQueryCount: 1 });
    q.start(0);
    q.receive(s(1), frame(H1, v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]), { ttl: 2 }));
    q.receive(s(1), frame(LOW, v3Query({ maxRespTime: 2, qqi: 20 }), { ttl: 64 }));
    expect(q.snapshot().state.groups).toEqual([]);
    expect(q.isQuerier()).toBe(true);
    expect(q.counters.ignored).toBe(2);
  });

  it("a Leave to a unicast address is ignored; one to 224.0.0.2 or to the group is taken", () => {
    const q = mk({ version: 2, startupQueryCount: 1 });
    q.start(0);
    runTo(q, 0);
    q.receive(s(1), from(H1, v2Report(G)));
    q.receive(s(2), frame(H1, leave(G), { dst: ME }));
    expect(runTo(q, s(3))).toEqual([]);
    q.receive(s(3), frame(H1, leave(G), { dst: G }));
    expect(sent(runTo(q, s(4)))).toEqual([{ t: 3, group: G }, { t: 4, group: G }]);
  });

  it("IGMPv2: a lower querier appearing during last-member queries does not cut them short (§3); IGMPv3 stops", () => {
    for (const version of [2, 3] as const) {
      const q = mk({ version, startupQueryCount: 1 });
      q.start(0);
      runTo(q, 0);
      q.receive(s(1), from(H1, version === 2 ? v2Report(G) : v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }])));
      q.receive(s(2), from(H1, version === 2 ? leave(G) : v3Report([{ type: "CHANGE_TO_INCLUDE_MODE", group: G }])));
      q.receive(s(2.5), from(LOW, version === 2 ? v2Query({ maxRespTime: 2 }) : v3Query({ maxRespTime: 2, qqi: 20 })));
      expect(q.isQuerier()).toBe(false);
      expect(sent(runTo(q, s(10))).map((x) => x.t)).toEqual(version === 2 ? [2, 3] : [2]);
    }
  });
});

describe("Querier: odd queries on purpose", () => {
  const one = (odd: QuerierOptions["odd"], o: Partial<QuerierOptions> = {}) => {
    const q = mk({ odd, ...o });
    q.start(0);
    return runTo(q, 0)[0]!;
  };
  it("bad checksum, 9-11 bytes, TTL, no Router Alert, source 0.0.0.0, unicast destination", () => {
    expect(one({ badChecksum: true }).d.igmp).toMatchObject({ checksumValid: false });
    for (const n of [9, 10, 11] as const) {
      const x = one({ length: n });
      expect(x.d.igmp).toMatchObject({ version: null, extra: "00".repeat(n - 8), checksumValid: true });
      expect(x.f.message.version).toBeNull();
    }
    expect(one({ ttl: 64 }).d.ttl).toBe(64);
    expect(one({ routerAlert: false }).d.routerAlert).toBe(false);
    expect(one({ source: "0.0.0.0" }).d.ipSrc).toBe("0.0.0.0");
    expect(one({ unicast: { ip: H1, mac: "02:00:c6:12:00:14" } }).d).toMatchObject({ ipDst: H1, macDst: "02:00:c6:12:00:14" });
  });

  it("Max Resp Code >= 128, sources and the S flag in a general query, QRV 0 and QQIC 0", () => {
    expect(one({ maxRespCode: 200 }).d.igmp).toMatchObject({ maxRespCode: 200, maxRespTime: 307.2 } /* 0xc8: (0x18 << 7) tenths */);
    expect(one({ generalSources: [S1], generalSFlag: true }).d.igmp).toMatchObject({ group: "0.0.0.0", sources: [S1], sFlag: true });
    expect(one({ qrv: 0, qqic: 0 }).d.igmp).toMatchObject({ qrv: 0, qrvDefault: true, qqic: 0, qqiDefault: true });
    expect(one({ maxRespCode: 0x80 }, { version: 2 }).d.igmp).toMatchObject({ version: 2, maxRespCode: 0x80 });
  });

  it("odd queries stay ours in the election; the state is fed the intended query", () => {
    const q = mk({ odd: { source: "0.0.0.0" } });
    q.start(0);
    expect(q.isQuerier()).toBe(true);
    expect(q.state.querierAddress()).toBe(ME);
    const ev = q.drainEvents().find((e) => e.type === "query-sent") as Extract<QuerierEvent, { type: "query-sent" }>;
    expect(ev.odd).toEqual(["source-0.0.0.0"]);
    // a querier whose every query is damaged still knows it is the querier, and yields to a lower address
    for (const odd of [{ badChecksum: true }, { length: 10 as const }]) {
      const d = mk({ odd, startupQueryCount: 1 });
      d.start(0);
      expect(d.state.querierAddress()).toBe(ME);
      d.receive(s(1), from(LOW, v3Query({ maxRespTime: 2, qqi: 20 })));
      expect(d.isQuerier()).toBe(false);
    }
  });

  it("scripted queries: any group, sources, S flag and version, sent whether querier or not", () => {
    const q = mk();
    q.start(0);
    q.drain();
    const f = q.query(s(1), { group: G, sources: [S1], sFlag: true, maxRespCode: 0x8f });
    expect(decodeFrame({ data: f.data, linkType: 1 }).igmp).toMatchObject({ group: G, sources: [S1], sFlag: true, maxRespTime: 24.8 });
    expect(q.query(s(2), { version: 2, maxRespTime: 5 }).message).toMatchObject({ version: 2, maxRespCode: 50 });
    expect(() => q.query(s(3), { group: H1 })).toThrow(QuerierError);
    // a scripted v2 query keeps the querier's own version for its state
    expect(q.drainEvents().filter((e) => e.type === "query-sent" && (e as { scripted: boolean }).scripted)).toHaveLength(2);
  });
});
