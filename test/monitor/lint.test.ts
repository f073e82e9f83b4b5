import { describe, expect, it } from "vitest";
import { findingsToSarif, formatFindingsText } from "../../src/cli/lint-format.js";
import {
  hasFindingsAtOrAbove,
  Linter,
  lintFrames,
  LINT_RULES,
  type Finding,
} from "../../src/monitor/lint.js";
import { FIELD_RULES } from "../../src/monitor/field-checks.js";
import { leave, v2Query, v2Report, v3Query, v3Report } from "../../src/wire/index.js";
import { frameBytes, frames, timestampNs, type At } from "./helpers.js";

const Q = "198.18.0.1";
const Q2 = "198.18.0.5";
const H1 = "198.18.0.2";
const H2 = "198.18.0.3";
const G = "239.1.1.1";
const G2 = "239.1.1.2";
const S1 = "10.0.0.1";

function lint(list: At[]): Finding[] {
  return lintFrames(frames(list));
}

function rules(list: At[]): string[] {
  return [...new Set(lint(list).map((f) => f.rule))];
}

/** The rules found besides query-from-unspecified (the Linux bridge without an address queries from 0.0.0.0). */
function rulesBesidesUnspecified(list: At[]): string[] {
  return rules(list).filter((r) => r !== "query-from-unspecified");
}

/** A capture of a well-behaved v3 LAN: join, answer, leave with last-member queries. */
const CLEAN: At[] = [
  { t: 0, src: Q, message: v3Query({ qrv: 2, qqi: 125, maxRespTime: 10 }) },
  { t: 1, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
  { t: 1.5, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
  { t: 125, src: Q, message: v3Query({ qrv: 2, qqi: 125, maxRespTime: 10 }) },
  { t: 130, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) },
  { t: 200, src: H1, message: v3Report([{ type: "CHANGE_TO_INCLUDE_MODE", group: G }]) },
  { t: 200.01, src: Q, message: v3Query({ group: G, maxRespTime: 1 }) },
  { t: 200.6, src: H1, message: v3Report([{ type: "CHANGE_TO_INCLUDE_MODE", group: G }]) },
  { t: 201.01, src: Q, message: v3Query({ group: G, maxRespTime: 1 }) },
  { t: 250, src: Q, message: v3Query({ qrv: 2, qqi: 125, maxRespTime: 10 }) },
];

describe("lint: a clean capture", () => {
  it("has no findings", () => {
    expect(lint(CLEAN)).toEqual([]);
  });
});

/** Each rule's crafted capture, which must trigger that rule and nothing else. */
const CASES: Record<string, { list: At[]; frames?: number[] }> = {
  "igmp-checksum": { list: [{ t: 0, src: H1, message: { ...v2Report(G), checksum: 0x1234 }, igmp: { checksum: "keep" } }], frames: [1] },
  "ip-checksum": { list: [{ t: 0, src: H1, message: v2Report(G), ip: { checksum: 0x1234 } }], frames: [1] },
  "ttl-not-1": { list: [{ t: 0, src: H1, message: v2Report(G), ip: { ttl: 64 } }], frames: [1] },
  "router-alert-missing": { list: [{ t: 0, src: H1, message: v2Report(G), ip: { optionsRaw: "" } }], frames: [1] },
  "tos-not-0xc0": { list: [{ t: 0, src: H1, message: v2Report(G), ip: { tos: 0 } }, { t: 1, src: H1, message: v2Report(G), ip: { tos: 0 } }], frames: [1, 2] },
  "wrong-destination": { list: [{ t: 0, src: H1, message: v2Report(G), dst: "224.0.0.2" }], frames: [1] },
  "query-destination": { list: [{ t: 0, src: Q, message: v2Query({ group: G, maxRespTime: 1 }), dst: "224.0.0.1" }], frames: [1] },
  "query-invalid-length": { list: [{ t: 0, src: Q, message: { ...v2Query(), extra: "0000" } }], frames: [1] },
  "general-query-with-sources": { list: [{ t: 0, src: Q, message: v3Query({ sources: [S1] }) }], frames: [1] },
  "report-all-systems": { list: [{ t: 0, src: H1, message: v2Report("224.0.0.1") }], frames: [1] },
  "late-report": {
    list: [
      { t: 0, src: Q, message: v3Query({ maxRespTime: 10 }) },
      { t: 12, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) },
    ],
    frames: [1, 2],
  },
  "state-change-not-repeated": {
    list: [
      { t: 0, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G2 }]) },
      { t: 5, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
      { t: 10, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G2 }]) },
    ],
    frames: [2],
  },
  "leave-not-last-reporter": {
    list: [
      { t: 0, src: H1, message: v2Report(G) },
      { t: 1, src: H2, message: v2Report(G) },
      { t: 2, src: H1, message: leave(G) },
      { t: 3, src: H1, message: v2Report(G2) },
      { t: 4, src: H2, message: v2Report(G2) },
      { t: 5, src: H1, message: leave(G2) },
    ],
    frames: [3, 6],
  },
  "record-aux-data": { list: [{ t: 0, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G, auxData: "00000000" }]) }], frames: [1] },
  "ssm-exclude-record": { list: [{ t: 0, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: "232.1.1.1" }]) }], frames: [1] },
  "querier-not-lowest": {
    list: [
      { t: 0, src: Q, message: v3Query() },
      { t: 5, src: Q2, message: v3Query() },
    ],
    frames: [1, 2],
  },
  "duplicate-querier": {
    list: [0, 125, 250, 375].flatMap((t) => [
      { t, src: Q, message: v3Query() },
      { t: t + 60, src: Q2, message: v3Query() },
    ]),
    frames: [1, 2, 4, 6, 8],
  },
  "querier-config-mismatch": {
    list: [
      { t: 0, src: Q2, message: v3Query({ qrv: 2 }) },
      { t: 10, src: Q, message: v3Query({ qrv: 3 }) },
    ],
    frames: [2],
  },
  "querier-version-mismatch": {
    list: [
      { t: 0, src: Q2, message: v3Query() },
      { t: 10, src: Q, message: v2Query() },
    ],
    frames: [2],
  },
  "malformed-message": {
    // a v3 report claiming 65,535 records (issue 15 item 12)
    list: [{ t: 0, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]), patch: (b, o) => b.set([0xff, 0xff], o.igmp + 6) }],
    frames: [1],
  },
  "timestamps-out-of-order": {
    list: [
      { t: 1, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) },
      { t: 0, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) },
    ],
    frames: [1, 2],
  },
  "old-version-report": {
    list: [
      { t: 0, src: Q, message: v3Query() },
      { t: 1, src: H1, message: v2Report(G) },
    ],
    frames: [2],
  },
};

describe("lint: each rule has a capture that triggers exactly it", () => {
  it("covers every rule (the field rules by their fixtures, in rules.test.ts)", () => {
    expect([...Object.keys(CASES), ...FIELD_RULES.map((r) => r.id)].sort()).toEqual(Object.values(LINT_RULES).map((r) => r.id).sort());
  });
  for (const [id, c] of Object.entries(CASES)) {
    it(id, () => {
      const found = lint(c.list);
      expect(found.map((f) => f.rule)).toEqual([id]);
      const f = found[0]!;
      const r = Object.values(LINT_RULES).find((x) => x.id === id)!;
      expect(f.severity).toBe(r.severity);
      expect(f.rfc).toBe(r.rfc);
      if (c.frames) expect(f.frames).toEqual(c.frames);
      expect(f.message).not.toMatch(/\n/);
    });
  }
});

/** Lint through the hot path: each frame's bytes through the checked view, decoding only what it cannot vouch for. */
function lintBytes(list: At[]): Finding[] {
  const l = new Linter();
  list.forEach((a, i) => {
    const bytes = frameBytes(a);
    const ns = timestampNs(a.t);
    // inside a larger buffer, at an offset, as the capture reader hands frames over
    const buf = new Uint8Array(bytes.length + 7);
    buf.set(bytes, 3);
    l.pushBytes(buf, 3, 3 + bytes.length, bytes.length, 1, i + 1, Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n));
  });
  return l.finish();
}

describe("lint: the bytes path (FrameView) finds exactly what the decoded path finds", () => {
  for (const [id, c] of Object.entries({ clean: { list: CLEAN }, ...CASES })) {
    it(id, () => {
      expect(lintBytes(c.list)).toEqual(lint(c.list));
    });
  }
  it("a trunk: VLAN tags read from the bytes", () => {
    const trunk = CASES["duplicate-querier"]!.list.map((a) => ({ ...a, vlan: a.src === Q ? [10] : [20, 30] }));
    const list = [...trunk, { t: 500, src: H1, message: v2Report(G), ip: { ttl: 2 }, vlan: [20, 30] }];
    expect(lintBytes(list)).toEqual(lint(list));
  });
});

describe("lint: querier contention is judged over the history, in every timing (issue 9)", () => {
  /** Both routers send a general query every 125 s for `rounds` rounds; Q2 (higher) `offset` s after Q (lower). */
  function both(offset: number, rounds = 4, higherFirstInFile = false): At[] {
    const list: At[] = [];
    for (let i = 0; i < rounds; i++) {
      const lo: At = { t: 1000 + i * 125, src: Q, message: v3Query() };
      const hi: At = { t: 1000 + i * 125 + offset, src: Q2, message: v3Query() };
      list.push(...(higherFirstInFile || offset < 0 ? [hi, lo] : [lo, hi]));
    }
    return list;
  }
  const cases: [string, number, boolean][] = [
    ["at the same instant, lower first in the file", 0, false],
    ["at the same instant, higher first in the file", 0, true],
    ["higher within the grace after the lower (0.5 s)", 0.5, false],
    ["higher one second after the lower", 1, false],
    ["higher first, the lower 0.5 s later", -0.5, false],
    ["higher first, the lower 60 s later", -60, false],
  ];
  for (const [name, offset, higherFirst] of cases) {
    it(`${name}: duplicate-querier, naming the higher router`, () => {
      const found = lint(both(offset, 4, higherFirst));
      expect(found.map((f) => f.rule)).toEqual(["duplicate-querier"]);
      expect(found[0]!.source).toBe(Q2);
    });
  }
  it("a long capture (a day of queries): one finding, its frames bounded", () => {
    const found = lint(both(0, 24 * 3600 / 125));
    expect(found.map((f) => f.rule)).toEqual(["duplicate-querier"]);
    expect(found[0]!.message).toMatch(/both sent general queries for 8637\d s|both sent general queries for 86\d\d\d s/);
  });
  it("a higher router that stops within the grace of first hearing the lower one: no finding", () => {
    expect(
      rules([
        { t: 0, src: Q2, message: v3Query() },
        { t: 125, src: Q2, message: v3Query() },
        { t: 200, src: Q, message: v3Query() },
        { t: 200.5, src: Q2, message: v3Query() }, // in flight when Q's first query arrived
        { t: 325, src: Q, message: v3Query() },
      ]),
    ).toEqual([]);
  });
  it("many queriers at once: every pair's findings, a changed config its own finding, frames counted past the cap", () => {
    // Six routers query in turn every 10 ms for 12 s (a pile-up; the bench's mixed capture has 64): 0-2 run
    // v3 with QRV 2, 3-4 v3 with QRV 3, 5 v2. Router 0 switches to QRV 3 and back half-way.
    const R = [1, 2, 3, 4, 5, 6].map((i) => `198.18.1.${i}`);
    const list: At[] = [];
    const rounds = 200;
    for (let k = 0; k < rounds; k++)
      for (let i = 0; i < R.length; i++) {
        const qrv = i >= 3 || (i === 0 && k >= 100 && k < 150) ? 3 : 2;
        list.push({ t: (k * R.length + i) * 0.01, src: R[i]!, message: i === 5 ? v2Query() : v3Query({ qrv }) });
      }
    const found = lint(list);
    const version = found.filter((f) => f.rule === "querier-version-mismatch");
    // the v2 router against each v3 one: one finding per pair, whichever of the two sent the query
    expect(version.map((f) => f.message).sort()).toEqual(R.slice(0, 5).map((r) => `queriers ${r} and ${R[5]} run different IGMP versions`).sort());
    // every general query but the first few (before the pair had both queried) is in it: 2 per round
    for (const f of version) expect(f.frames.length).toBeGreaterThan(2 * rounds - 4);
    const config = found.filter((f) => f.rule === "querier-config-mismatch");
    // router 0 advertised QRV 2 and QRV 3: a finding for each value it was compared on
    const from0 = config.filter((f) => f.source === R[0]).map((f) => f.message);
    expect(from0).toContain(`querier ${R[0]} advertises QRV 2, QQI 125 s; ${R[3]} advertised QRV 3, QQI 125 s`);
    expect(from0).toContain(`querier ${R[0]} advertises QRV 3, QQI 125 s; ${R[1]} advertised QRV 2, QQI 125 s`);
    // ... and the frames of its QRV 2 finding against router 3 are its QRV 2 rounds only, before and after
    const twoVsThree = config.find((f) => f.message === `querier ${R[0]} advertises QRV 2, QQI 125 s; ${R[3]} advertised QRV 3, QQI 125 s`)!;
    const rounds0 = twoVsThree.frames.map((n) => Math.floor((n - 1) / R.length));
    expect(rounds0.some((k) => k < 100) && rounds0.some((k) => k >= 150) && rounds0.every((k) => k < 100 || k >= 150)).toBe(true);
    // a long pile-up: past 1,000 frames a merged finding counts the rest
    const long: At[] = [];
    for (let k = 0; k < 700; k++) for (let i = 0; i < 2; i++) long.push({ t: (2 * k + i) * 0.01, src: R[i + 4]!, message: i === 1 ? v2Query() : v3Query() });
    const capped = lint(long).find((f) => f.rule === "querier-version-mismatch")!;
    expect(capped.frames).toHaveLength(1000);
    expect(capped.frameCount).toBe(1399);
  });
  it("the lower router gone for longer than the other-querier-present interval: the higher one may query", () => {
    expect(
      rules([
        { t: 0, src: Q, message: v3Query() },
        { t: 300, src: Q2, message: v3Query() },
        { t: 425, src: Q2, message: v3Query() },
      ]),
    ).toEqual([]);
  });
});

describe("lint: time going backwards", () => {
  it("a frame stamped earlier is judged at the latest time: no negative delay, no timer backwards; one finding lists the frames", () => {
    const list: At[] = [
      { t: 100, src: Q, message: v3Query({ maxRespTime: 10 }) },
      { t: 99.5, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) }, // merged from another port, 0.5 s behind
      { t: 105, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) },
      { t: 104.995, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G2 }]) }, // 5 ms: within the tolerance
    ];
    const found = lint(list);
    expect(found.map((f) => f.rule)).toEqual(["timestamps-out-of-order"]);
    expect(found[0]!.frames).toEqual([1, 2]);
    expect(found[0]!.message).toMatch(/^1 frame is stamped earlier .* \(up to 0\.5 s back\)/);
  });
});

describe("lint: rule details", () => {
  it("a v1 message without Router Alert is fine (RFC 1112 predates the option)", () => {
    expect(rules([{ t: 0, src: Q, message: { kind: "query", type: 0x11, version: 1, group: "0.0.0.0", maxRespCode: 0, maxRespTime: 10, extra: "" }, ip: { optionsRaw: "" } }])).toEqual([]);
  });

  it("a report in time is fine, a group-specific query is judged by its own Max Resp Time", () => {
    expect(
      rules([
        { t: 0, src: Q, message: v3Query({ maxRespTime: 10 }) },
        { t: 9.9, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) },
        { t: 20, src: Q, message: v3Query({ group: G, maxRespTime: 1 }) },
        { t: 22, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) },
      ]),
    ).toEqual(["late-report"]);
  });

  it("a v2 join is not taken for an answer; a known member's late v2 report is", () => {
    const list: At[] = [
      { t: 0, src: Q, message: v2Query({ maxRespTime: 10 }) },
      { t: 30, src: H1, message: v2Report(G) },
    ];
    expect(rules(list)).toEqual([]);
    expect(rules([...list, { t: 125, src: Q, message: v2Query({ maxRespTime: 10 }) }, { t: 140, src: H1, message: v2Report(G) }])).toEqual(["late-report"]);
  });

  it("each VLAN of a trunk is its own LAN: a querier per VLAN is no rival, and findings name their VLAN", () => {
    const twoQueriers = CASES["duplicate-querier"]!.list;
    expect(rules(twoQueriers)).toContain("duplicate-querier");
    const trunk = twoQueriers.map((a) => ({ ...a, vlan: a.src === Q ? [10] : [20, 30] }));
    expect(rules(trunk)).toEqual([]);
    const found = lint([...trunk, { t: 500, src: H1, message: v2Report(G), ip: { ttl: 2 }, vlan: [20, 30] }]);
    // (the v2 report is also old-version-report against VLAN 20.30's own v3 querier, 198.18.0.5)
    expect(found.find((f) => f.rule === "old-version-report")!.message).toContain("querier 198.18.0.5 runs IGMPv3");
    expect(found.filter((f) => f.rule === "ttl-not-1")).toEqual([expect.objectContaining({ rule: "ttl-not-1", frames: [9], vlan: [20, 30], message: "198.18.0.2 sends v2-report with TTL 2 on VLAN 20.30" })]);
    // untagged frames stay a LAN of their own, without a vlan field
    const plain = lint([{ t: 0, src: H1, message: v2Report(G), ip: { ttl: 2 } }]);
    expect(plain[0]).not.toHaveProperty("vlan");
    expect(plain[0]!.message).toBe("198.18.0.2 sends v2-report with TTL 2");
  });

  it("the repeated unsolicited report of a host that joined after a query is not a late answer to it", () => {
    // As captured live: the bridge's first general query, then a v2 kernel host joining 1.2 s later and
    // repeating its report 0.24 s after that (igmpv2_unsolicited_report_interval 200 ms).
    const list: At[] = [
      { t: 0, src: "0.0.0.0", message: v2Query({ maxRespTime: 1 }) },
      { t: 1.2, src: H1, message: v2Report(G) },
      { t: 1.444, src: H1, message: v2Report(G) },
    ];
    expect(rulesBesidesUnspecified(list)).toEqual([]);
    // A member from before the query that answers after its Max Resp Time is still late.
    expect(rulesBesidesUnspecified([{ t: -1, src: H1, message: v2Report(G) }, ...list.slice(0, 1), { t: 1.444, src: H1, message: v2Report(G) }])).toEqual(["late-report"]);
  });

  it("answers for link-local groups are not judged: the Linux bridge's own stack answers queries no port shows", () => {
    // As captured live on a bridge port (v2 querier from 0.0.0.0, the bridge's own host 198.18.0.1
    // reporting the all-snoopers group 224.0.0.106 about 1.2-1.4 s after each general query on the port).
    const B = "198.18.0.1";
    const v2 = (group: string): At[] => [
      { t: 0, src: "0.0.0.0", message: v2Query({ maxRespTime: 1 }) },
      { t: 0.3, src: B, message: v2Report(group) },
      { t: 2, src: "0.0.0.0", message: v2Query({ maxRespTime: 1 }) },
      { t: 3.188, src: B, message: v2Report(group) },
    ];
    expect(rulesBesidesUnspecified(v2("224.0.0.106"))).toEqual([]);
    expect(rulesBesidesUnspecified(v2(G))).toEqual(["late-report"]);
    const v3 = (groups: string[]): At[] => [
      { t: 0, src: Q, message: v3Query({ maxRespTime: 1 }) },
      { t: 1.5, src: B, message: v3Report(groups.map((group) => ({ type: "MODE_IS_EXCLUDE" as const, group }))) },
    ];
    expect(rulesBesidesUnspecified(v3(["224.0.0.106"]))).toEqual([]);
    expect(rulesBesidesUnspecified(v3(["224.0.0.106", G]))).toEqual(["late-report"]);
  });

  it("a state change near the start of the capture, or from 0.0.0.0, is not judged", () => {
    expect(rules(CASES["state-change-not-repeated"]!.list.slice(1))).toEqual([]);
    const list = CASES["state-change-not-repeated"]!.list.map((a, i) => (i === 1 ? { ...a, src: "0.0.0.0" } : a));
    expect(rules(list)).toEqual([]);
  });

  it("a state change superseded by another before its retransmissions ended is not judged", () => {
    expect(
      rules([
        { t: 0, src: H1, message: v3Report([{ type: "ALLOW_NEW_SOURCES", group: G, sources: [S1] }]) },
        { t: 0.2, src: H1, message: v3Report([{ type: "BLOCK_OLD_SOURCES", group: G, sources: [S1] }]) },
        { t: 0.7, src: H1, message: v3Report([{ type: "BLOCK_OLD_SOURCES", group: G, sources: [S1] }]) },
        { t: 5, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G2 }]) },
      ].map((a) => ({ ...a, t: a.t + 10 }))),
    ).toEqual([]);
  });

  it("a retransmission is the same record type and source set, in any order; other sources are a new change", () => {
    const S2 = "10.0.0.2";
    const allow = (t: number, sources: string[]): At => ({ t: t + 10, src: H1, message: v3Report([{ type: "ALLOW_NEW_SOURCES", group: G, sources }]) });
    // a frame well before, so that the changes are not taken for retransmissions of something before the capture
    const start: At = { t: 0, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G2 }]) };
    const end: At = { t: 30, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G2 }]) };
    // the same two sources listed in the other order: a retransmission, the change was sent twice
    expect(rules([start, allow(0, [S1, S2]), allow(0.5, [S2, S1]), end])).toEqual([]);
    // ... and ten sources (compared another way than a few)
    const ten = Array.from({ length: 10 }, (_, i) => `10.0.1.${i + 1}`);
    expect(rules([start, allow(0, ten), allow(0.5, [...ten].reverse()), end])).toEqual([]);
    expect(rules([start, allow(0, ten), allow(0.5, [...ten.slice(1), ten[1]!]), end])).toEqual(["state-change-not-repeated"]);
    // one source of the two, or the first one twice: a different change that supersedes the first (sent once)
    for (const other of [[S1], [S1, S1]]) {
      const f = lint([start, allow(0, [S1, S2]), allow(0.5, other), end]);
      expect(f.map((x) => x.rule)).toEqual(["state-change-not-repeated"]);
      expect(f[0]!.frames).toEqual([3]);
    }
    // another host's identical record is that host's change, not a retransmission of the first
    const two = lint([start, allow(0, [S1]), { ...allow(0.5, [S1]), src: H2 }, end]);
    expect(two.map((x) => [x.rule, x.source])).toEqual([["state-change-not-repeated", H1], ["state-change-not-repeated", H2]]);
  });

  it("the Robustness Variable comes from the querier's QRV", () => {
    const list: At[] = [
      { t: 0, src: Q, message: v3Query({ qrv: 3 }) },
      { t: 5, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
      { t: 5.5, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
      { t: 9, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G2 }]) },
    ];
    const f = lint(list);
    expect(f.map((x) => x.rule)).toEqual(["state-change-not-repeated"]);
    expect(f[0]!.message).toMatch(/sent 2 times, Robustness Variable is 3/);
    // the record named from the wire's record-type table
    expect(f[0]!.message).toMatch(/^CHANGE_TO_EXCLUDE_MODE\(\{\}\) for /);
  });

  it("a lower-address router taking over is an election, not a finding", () => {
    expect(rules([{ t: 0, src: Q2, message: v3Query() }, { t: 5, src: Q, message: v3Query() }, { t: 130, src: Q, message: v3Query() }])).toEqual([]);
  });

  it("one leave for a group another host reported last is allowed", () => {
    expect(rules(CASES["leave-not-last-reporter"]!.list.slice(0, 3))).toEqual([]);
  });

  it("merges the same finding over many frames", () => {
    const f = lint([0, 1, 2].map((t) => ({ t, src: H1, message: v2Report(G), ip: { ttl: 2 } })));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ rule: "ttl-not-1", frames: [1, 2, 3], source: H1 });
  });
});

describe("lint: output", () => {
  const found = lintFrames(frames([...CASES["ttl-not-1"]!.list, { t: 1, src: H1, message: v2Report(G), ip: { tos: 0 } }]));

  it("text is grouped by rule, most severe first, with a summary", () => {
    const text = formatFindingsText(found.map((f) => ({ ...f, file: "x.pcap" })));
    expect(text.split("\n")).toEqual([
      "error ttl-not-1 (RFC 2236 §2, RFC 9776 §4): IGMP messages are sent with IP TTL 1.",
      "  x.pcap: frame 1: 198.18.0.2 sends v2-report with TTL 64",
      "info tos-not-0xc0 (RFC 9776 §4): IGMP messages are sent with IP precedence Internetwork Control (TOS 0xc0).",
      "  x.pcap: frame 2: 198.18.0.2 sends v2-report with TOS 0x00",
      "1 errors, 0 warnings, 1 info",
      "",
    ]);
    expect(formatFindingsText([])).toBe("no findings\n");
  });

  it("SARIF 2.1.0 with every rule and one result per finding", () => {
    const s = findingsToSarif(found, "1.2.3") as {
      version: string;
      runs: { tool: { driver: { rules: { id: string }[]; version: string } }; results: { ruleId: string; level: string; ruleIndex: number; properties: { frames: number[] } }[] }[];
    };
    expect(s.version).toBe("2.1.0");
    const run = s.runs[0]!;
    expect(run.tool.driver.rules.map((r) => r.id)).toContain("ttl-not-1");
    expect(run.results.map((r) => [r.ruleId, r.level])).toEqual([
      ["ttl-not-1", "error"],
      ["tos-not-0xc0", "note"],
    ]);
    expect(run.tool.driver.rules[run.results[0]!.ruleIndex]!.id).toBe("ttl-not-1");
    expect(run.results[1]!.properties.frames).toEqual([2]);
    expect(run.results[1]!.properties).not.toHaveProperty("vlan");
    const tagged = findingsToSarif([{ ...found[0]!, vlan: [20, 30] }]) as { runs: { results: { properties: { vlan: number[] } }[] }[] };
    expect(tagged.runs[0]!.results[0]!.properties.vlan).toEqual([20, 30]);
  });

  it("--fail-on thresholds", () => {
    expect(hasFindingsAtOrAbove(found, "error")).toBe(true);
    const infoOnly = found.filter((f) => f.severity === "info");
    expect(hasFindingsAtOrAbove(infoOnly, "warning")).toBe(false);
    expect(hasFindingsAtOrAbove(infoOnly, "info")).toBe(true);
    expect(hasFindingsAtOrAbove([], "info")).toBe(false);
  });
});
