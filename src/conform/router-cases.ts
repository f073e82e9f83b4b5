/**
 * Role router: the runner plays the hosts (and, for election, another querier); the DUT is the querier of
 * the LAN. Cases judge the queries the DUT sends: their cadence and fields, the last-member queries after
 * a leave, TO_IN or BLOCK, the S flag, compatibility with v2 hosts, election, and what it must ignore.
 */
import { ipv4ToNumber, type IgmpMessage } from "../wire/index.js";
import { dutQueries, joinReport, leaveReport, numbers, peer, sendQuery, sendReport, waitUntil } from "./lan.js";
import type { CaseContext, ConformCase, LanFrame, Verdict } from "./types.js";

type Query = Extract<IgmpMessage, { kind: "query" }>;
interface SeenQuery {
  frame: LanFrame;
  q: Query;
}

const isGeneral = (x: SeenQuery) => x.q.group === "0.0.0.0";

/** The DUT's queries about `group` (group-specific or group-and-source-specific) after frame `since`. */
function specificQueries(t: CaseContext, since: number, group: string): SeenQuery[] {
  return dutQueries(t.env, since).filter((x) => x.q.group === group);
}

/** The first general query of the DUT after `since`, waiting at most `ms`. */
async function nextGeneral(t: CaseContext, since: number, ms: number): Promise<SeenQuery | undefined> {
  await waitUntil(t.env, ms, () => dutQueries(t.env, since).some(isGeneral), 100);
  return dutQueries(t.env, since).find(isGeneral);
}

/** The DUT's latest General Query seen so far in the run (its advertised QRV/QQI are the ones to echo). */
function latestGeneral(t: CaseContext): Query | undefined {
  const all = dutQueries(t.env, 0).filter(isGeneral);
  return all[all.length - 1]?.q;
}

/**
 * A General Query as another (lower-addressed) querier: with the DUT's own QRV and QQI, since a v3
 * non-querier adopts the querier's (RFC 9776 §4.1.6, §4.1.7) and its Other Querier Present Interval with them.
 */
function otherQuerierQuery(t: CaseContext, dutQuery: Query | undefined) {
  const v3 = dutQuery?.version === 3 ? dutQuery : undefined;
  return { version: t.settings.version, maxRespMs: 1000, ...(v3 ? { qrv: v3.qrv, qqi: v3.qqi } : {}) };
}

/** Election cases need the DUT's address, and igmpkit's own below it. */
function electionNotApplicable(t: CaseContext): Verdict | null {
  const dut = t.env.dut;
  if (dut === undefined) return t.notApplicable("needs the DUT's address (--dut)");
  if (ipv4ToNumber(t.env.self.ip) >= ipv4ToNumber(dut)) return t.notApplicable(`igmpkit's address ${t.env.self.ip} is not lower than the DUT's ${dut}`);
  return null;
}

/** Query Interval the DUT uses, ms: the QQI it advertises (v3), else the configured expectation. */
function queryIntervalOf(t: CaseContext, q: Query | undefined): number {
  if (q?.version === 3 && q.qqic !== 0) return q.qqi * 1000;
  return t.settings.queryIntervalMs;
}

function describeQueries(xs: readonly SeenQuery[], t0: number): string {
  if (xs.length === 0) return "no query";
  return xs
    .map((x) => `${x.q.group === "0.0.0.0" ? "general" : x.q.group}${x.q.version === 3 && x.q.sources.length ? ` {${x.q.sources.join(",")}}` : ""}${x.q.version === 3 && x.q.sFlag ? " S" : ""} at +${Math.round(x.frame.timeMs - t0)} ms`)
    .join("; ");
}

/** Wait the whole last-member window: count × interval plus a second. */
function lastMemberWindow(t: CaseContext): number {
  return t.settings.lastMemberCount * t.settings.lastMemberIntervalMs + 1000;
}

/** Judge a train of last-member queries (count and spacing). */
function judgeTrain(t: CaseContext, got: SeenQuery[], t0: number, what: string, frames: number[]): Verdict {
  const want = t.settings.lastMemberCount;
  const lmqi = t.settings.lastMemberIntervalMs;
  if (got.length === 0) return t.fail(`${want} ${what}, ${lmqi} ms apart`, "no query", frames);
  const all = [...frames, ...numbers(got)];
  // The first is sent when the report is heard (RFC 2236 §3, RFC 9776 §6.6.3): one starting an interval
  // late is a train shifted by LMQI, whose last query then races the timer it was to protect. Half an
  // interval leaves room for a loaded sender, and still tells "at once" from "one interval late".
  const first = got[0]!.frame.timeMs - t0;
  if (first > lmqi / 2) return t.fail(`the first of the ${what} at once (within ${Math.round(lmqi / 2)} ms)`, describeQueries(got, t0), all);
  if (got.length !== want) return t.fail(`${want} ${what}`, `${got.length}: ${describeQueries(got, t0)}`, all);
  const tol = Math.max(100, lmqi * 0.2);
  for (let i = 1; i < got.length; i++) {
    const gap = got[i]!.frame.timeMs - got[i - 1]!.frame.timeMs;
    if (Math.abs(gap - lmqi) > tol) return t.fail(`${what} ${lmqi} ms apart (±${Math.round(tol)})`, `${Math.round(gap)} ms between the ${i}th and the next: ${describeQueries(got, t0)}`, all);
  }
  return t.pass(describeQueries(got, t0), all, { queries: got.length, firstMs: Math.round(got[0]!.frame.timeMs - t0) });
}

const V23 = [2, 3] as const;

export const routerCases: ConformCase[] = [
  {
    id: "router.general-query-fields",
    title: "General queries go to 224.0.0.1 with TTL 1, group 0, the run's version and a non-zero Max Resp Time",
    rfc: "RFC 9776 §4.1, §4.1.12; RFC 2236 §2, §3",
    level: "MUST",
    role: "router",
    versions: [1, 2, 3],
    needsHook: false,
    async run(t) {
      const mark = t.env.frames.length;
      // Wait up to --max-wait: a DUT just started (or between startup queries) may take a while.
      const limit = t.settings.maxWaitMs;
      const g = await nextGeneral(t, mark, limit);
      if (g === undefined) return t.fail(`a General Query within ${limit} ms`, "none", []);
      const q = g.q;
      const d = g.frame.decoded;
      const problems: string[] = [];
      if (d.ipDst !== "224.0.0.1") problems.push(`destination ${d.ipDst}`);
      if (d.ttl !== 1) problems.push(`TTL ${d.ttl}`);
      if (q.version !== t.settings.version) problems.push(`IGMPv${q.version ?? "?"} (length ${q.version === null ? "invalid" : "ok"})`);
      if (q.version !== 1 && q.maxRespCode === 0) problems.push("Max Resp Code 0");
      if (q.version === 3 && q.sources.length > 0) problems.push(`${q.sources.length} sources in a General Query`);
      if (q.checksumValid !== true) problems.push("bad checksum");
      if (problems.length) return t.fail("a well-formed General Query", problems.join(", "), [g.frame.number]);
      const m: Record<string, number> = { maxRespMs: Math.round((q.maxRespTime ?? 10) * 1000) };
      if (q.version === 3) Object.assign(m, { qrv: q.qrv, qqiS: q.qqi });
      return t.pass(`from ${d.ipSrc}${d.routerAlert ? ", Router Alert" : ", no Router Alert"}${q.version === 3 && q.sFlag ? ", S flag set" : ""}`, [g.frame.number], m);
    },
  },
  {
    id: "router.query-interval",
    title: "General queries come every Query Interval (the QQI it advertises, or the configured one for v1/v2)",
    rfc: "RFC 9776 §8.2, §4.1.7; RFC 2236 §8.2",
    level: "MUST",
    role: "router",
    versions: [1, 2, 3],
    needsHook: false,
    async run(t) {
      const mark = t.env.frames.length;
      const limit = t.settings.maxWaitMs;
      const first = latestGeneral(t) !== undefined ? dutQueries(t.env, 0).filter(isGeneral).pop() : await nextGeneral(t, mark, limit);
      if (first === undefined) return t.fail(`a General Query within ${limit} ms`, "none", []);
      const qi = queryIntervalOf(t, first.q);
      const want = t.settings.expectedQueryIntervalMs;
      if (want !== null && first.q.version === 3 && Math.abs(qi - want) > 500) {
        return t.fail(`QQI ${want / 1000} s advertised (the configured Query Interval)`, `QQI ${qi / 1000} s (QQIC ${first.q.qqic})`, [first.frame.number]);
      }
      if (qi * 1.1 + 1500 > t.settings.maxWaitMs) return t.inconclusive(`the next General Query is due ${qi / 1000} s later, beyond --max-wait ${t.settings.maxWaitMs / 1000} s`, [first.frame.number]);
      const second = await nextGeneral(t, first.frame.number, qi * 1.1 + 1500);
      if (second === undefined) return t.fail(`the next General Query ${qi} ms later (QQI ${qi / 1000} s)`, `none within ${Math.round(qi * 1.1 + 1500)} ms`, [first.frame.number]);
      const gap = second.frame.timeMs - first.frame.timeMs;
      const tol = Math.max(500, qi * 0.1);
      if (Math.abs(gap - qi) > tol) return t.fail(`General Queries ${qi} ms apart (±${Math.round(tol)})`, `${Math.round(gap)} ms`, [first.frame.number, second.frame.number]);
      if (first.q.version === 3 && second.q.version === 3 && (first.q.qrv !== second.q.qrv || first.q.qqic !== second.q.qqic)) {
        return t.fail("the same QRV and QQIC in every query", `QRV ${first.q.qrv}/${second.q.qrv}, QQIC ${first.q.qqic}/${second.q.qqic}`, [first.frame.number, second.frame.number]);
      }
      return t.pass(`${Math.round(gap)} ms apart`, [first.frame.number, second.frame.number], { intervalMs: Math.round(gap), advertisedMs: qi });
    },
  },
  {
    id: "router.last-member-queries",
    title: "A leave (v2 Leave, v3 TO_IN {}) brings Last Member Query Count group-specific queries, LMQI apart",
    rfc: "RFC 2236 §3, §7; RFC 9776 §6.4.2, §6.6.3.1",
    level: "MUST",
    role: "router",
    versions: V23,
    needsHook: false,
    async run(t) {
      const g = t.group();
      const h = peer(t, 1);
      const join = await sendReport(t.env, h, joinReport(t.settings.version, g));
      await t.env.sleep(500);
      const leave = await sendReport(t.env, h, leaveReport(t.settings.version, g));
      await t.env.sleep(lastMemberWindow(t));
      const got = specificQueries(t, leave.number, g).filter((x) => x.q.version !== 3 || x.q.sources.length === 0);
      const bad = got.find((x) => x.frame.decoded.ipDst !== g);
      if (bad) return t.fail(`group-specific queries sent to ${g}`, `sent to ${bad.frame.decoded.ipDst}`, [leave.number, bad.frame.number]);
      return judgeTrain(t, got, leave.timeMs, `group-specific queries for ${g}`, [join.number, leave.number]);
    },
  },
  {
    id: "router.group-source-queries",
    title: "A BLOCK of listened sources brings Last Member Query Count group-and-source-specific queries for them",
    rfc: "RFC 9776 §6.4.2, §6.6.3.2",
    level: "MUST",
    role: "router",
    versions: [3],
    needsHook: false,
    async run(t) {
      const g = t.group();
      const [s1, s2] = t.settings.sources;
      const h = peer(t, 1);
      const join = await sendReport(t.env, h, joinReport(t.settings.version, g, { sources: [s1, s2] }));
      await t.env.sleep(500);
      const block = await sendReport(t.env, h, { version: 3, records: [{ type: "BLOCK_OLD_SOURCES", group: g, sources: [s1] }] });
      await t.env.sleep(lastMemberWindow(t));
      const got = specificQueries(t, block.number, g).filter((x) => x.q.version === 3 && x.q.sources.length > 0);
      const wrong = got.find((x) => x.q.version === 3 && (x.q.sources.length !== 1 || x.q.sources[0] !== s1));
      if (wrong) return t.fail(`queries for ${g} {${s1}}`, describeQueries([wrong], block.timeMs), [block.number, wrong.frame.number]);
      return judgeTrain(t, got, block.timeMs, `group-and-source-specific queries for ${g} {${s1}}`, [join.number, block.number]);
    },
  },
  {
    id: "router.s-flag",
    title: "Once a member answers a last-member query, the retransmissions carry the S flag",
    rfc: "RFC 9776 §6.6.3.1",
    level: "MUST",
    role: "router",
    versions: [3],
    needsHook: false,
    async run(t) {
      if (t.settings.lastMemberCount < 2) return t.notApplicable("Last Member Query Count is 1: there is no retransmission");
      const g = t.group();
      const a = peer(t, 1);
      const b = peer(t, 2);
      await sendReport(t.env, a, joinReport(t.settings.version, g));
      await sendReport(t.env, b, joinReport(t.settings.version, g));
      await t.env.sleep(500);
      const leave = await sendReport(t.env, a, leaveReport(t.settings.version, g));
      await waitUntil(t.env, t.settings.lastMemberIntervalMs + 500, () => specificQueries(t, leave.number, g).length > 0);
      const first = specificQueries(t, leave.number, g)[0];
      if (first === undefined) return t.inconclusive("no group-specific query after the leave (see router.last-member-queries)", [leave.number]);
      const answer = await sendReport(t.env, b, joinReport(t.settings.version, g));
      await t.env.sleep(lastMemberWindow(t));
      const later = specificQueries(t, answer.number, g);
      const frames = [leave.number, first.frame.number, answer.number, ...numbers(later)];
      if (first.q.version === 3 && first.q.sFlag) return t.fail("S clear on the first query (the group timer was lowered to LMQT)", "S set", frames);
      if (later.length === 0) return t.pass("no retransmission after the answer (allowed: the group timer is above LMQT)", frames);
      const clear = later.find((x) => x.q.version === 3 && !x.q.sFlag);
      if (clear) return t.fail("S set on every retransmission after a member answered", describeQueries(later, leave.timeMs), frames);
      return t.pass(describeQueries([first, ...later], leave.timeMs), frames);
    },
  },
  {
    id: "router.compat-v2-host",
    title: "After a v2 report, a group's v3 BLOCK is ignored (IGMPv2 group compatibility mode)",
    rfc: "RFC 9776 §7.3.2",
    level: "MUST",
    role: "router",
    versions: [3],
    needsHook: false,
    async run(t) {
      const [s1] = t.settings.sources;
      const control = t.group(0);
      const g = t.group(1);
      const h3 = peer(t, 1);
      const h2 = peer(t, 2);
      // Control: without a v2 host, the same BLOCK brings a group-and-source-specific query.
      await sendReport(t.env, h3, { version: 3, records: [{ type: "ALLOW_NEW_SOURCES", group: control, sources: [s1] }] });
      await sendReport(t.env, h2, { version: 2, group: g });
      await sendReport(t.env, h3, { version: 3, records: [{ type: "ALLOW_NEW_SOURCES", group: g, sources: [s1] }] });
      await t.env.sleep(500);
      const blockControl = await sendReport(t.env, h3, { version: 3, records: [{ type: "BLOCK_OLD_SOURCES", group: control, sources: [s1] }] });
      const block = await sendReport(t.env, h3, { version: 3, records: [{ type: "BLOCK_OLD_SOURCES", group: g, sources: [s1] }] });
      await t.env.sleep(lastMemberWindow(t));
      const ctl = specificQueries(t, blockControl.number, control).filter((x) => x.q.version === 3 && x.q.sources.length > 0);
      if (ctl.length === 0) return t.inconclusive(`the DUT sends no group-and-source-specific query even without a v2 host (control group ${control})`, [blockControl.number]);
      const got = specificQueries(t, block.number, g).filter((x) => x.q.version === 3 && x.q.sources.length > 0);
      if (got.length > 0) return t.fail(`no group-and-source-specific query for ${g} (in IGMPv2 mode BLOCK is ignored)`, describeQueries(got, block.timeMs), [block.number, ...numbers(got)]);
      return t.pass("BLOCK ignored", [blockControl.number, block.number, ...numbers(ctl)]);
    },
  },
  {
    id: "router.accept-long-v2-report",
    title: "A v2 report longer than 8 bytes is accepted (its extra bytes ignored)",
    rfc: "RFC 2236 §2.5",
    level: "MUST",
    role: "router",
    versions: V23,
    needsHook: false,
    async run(t) {
      const g = t.group();
      const h = peer(t, 1);
      const rep = await sendReport(t.env, h, { version: 2, group: g }, { igmpLength: 12 });
      await t.env.sleep(500);
      const leave = await sendReport(t.env, h, { leave: g });
      await waitUntil(t.env, lastMemberWindow(t), () => specificQueries(t, leave.number, g).length > 0);
      const got = specificQueries(t, leave.number, g);
      if (got.length === 0) return t.fail(`a group-specific query for ${g} after the Leave (the 12-byte report made it a member)`, "no query", [rep.number, leave.number]);
      return t.pass(describeQueries(got.slice(0, 1), leave.timeMs), [rep.number, leave.number, got[0]!.frame.number]);
    },
  },
  {
    id: "router.ignore-bad-checksum",
    title: "A report with a bad checksum is ignored (a later Leave finds no member to query for)",
    rfc: "RFC 2236 §2.3; RFC 9776 §4.2.2",
    level: "NEGATIVE",
    role: "router",
    versions: V23,
    needsHook: false,
    async run(t) {
      const g = t.group();
      const h = peer(t, 1);
      const rep = await sendReport(t.env, h, joinReport(t.settings.version, g), { badChecksum: true });
      await t.env.sleep(500);
      const leave = await sendReport(t.env, h, leaveReport(t.settings.version, g));
      await t.env.sleep(lastMemberWindow(t));
      const got = specificQueries(t, leave.number, g);
      if (got.length > 0) return t.fail(`no query for ${g}: the only report for it had a bad checksum`, describeQueries(got, leave.timeMs), [rep.number, leave.number, ...numbers(got)]);
      return t.pass("no query", [rep.number, leave.number]);
    },
  },
  {
    id: "router.election-yields",
    title: "Hearing a querier with a lower address, the DUT stops sending General Queries",
    rfc: "RFC 9776 §6.1; RFC 2236 §3",
    level: "MUST",
    role: "router",
    versions: [2, 3],
    needsHook: false,
    late: true,
    async run(t) {
      const na = electionNotApplicable(t);
      if (na) return na;
      const mark = t.env.frames.length;
      const known = latestGeneral(t) ?? (await nextGeneral(t, mark, Math.min(t.settings.queryIntervalMs + 1000, t.settings.maxWaitMs)))?.q;
      const qi = queryIntervalOf(t, known);
      if (qi * 1.5 + 1000 > t.settings.maxWaitMs) return t.inconclusive(`watching 1.5 Query Intervals (${qi / 1000} s) is beyond --max-wait ${t.settings.maxWaitMs / 1000} s`);
      // Query as a lower-addressed querier for 1.5 Query Intervals, once a second.
      const start = t.env.now();
      const ours = await sendQuery(t, otherQuerierQuery(t, known));
      while (t.env.now() - start < qi * 1.5 + 1000) {
        await t.env.sleep(1000);
        await sendQuery(t, otherQuerierQuery(t, known));
      }
      const after = dutQueries(t.env, ours.number).filter(isGeneral).filter((x) => x.frame.timeMs > ours.timeMs + 500);
      if (after.length > 0) return t.fail("no General Query from the DUT while a lower address queries", describeQueries(after, ours.timeMs), [ours.number, ...numbers(after)]);
      return t.pass(`silent for ${Math.round(t.env.now() - ours.timeMs)} ms`, [ours.number]);
    },
  },
  {
    id: "router.election-resumes",
    title: "When the lower querier falls silent, the DUT queries again after the Other Querier Present Interval",
    rfc: "RFC 9776 §6.1, §8.5; RFC 2236 §3, §8.5",
    level: "MUST",
    role: "router",
    versions: [2, 3],
    needsHook: false,
    late: true,
    async run(t) {
      const na = electionNotApplicable(t);
      if (na) return na;
      const known = latestGeneral(t);
      const qi = queryIntervalOf(t, known);
      const rv = known?.version === 3 && known.qrv > 0 ? known.qrv : t.settings.robustness;
      const qriMs = (known?.maxRespTime ?? 10) * 1000;
      const oqpi = rv * qi + qriMs / 2;
      if (oqpi + qi + 2000 > t.settings.maxWaitMs) return t.inconclusive(`the Other Querier Present Interval (${Math.round(oqpi / 1000)} s) is beyond --max-wait ${t.settings.maxWaitMs / 1000} s`);
      const last = await sendQuery(t, otherQuerierQuery(t, known));
      const resumed = await nextGeneral(t, last.number, oqpi + qi + 2000);
      if (resumed === undefined) return t.fail(`a General Query from the DUT within ${Math.round(oqpi + qi + 2000)} ms of the other querier's last`, "none", [last.number]);
      const after = resumed.frame.timeMs - last.timeMs;
      if (after < oqpi - 1000) return t.fail(`silence for the Other Querier Present Interval (${Math.round(oqpi)} ms)`, `queried again after ${Math.round(after)} ms`, [last.number, resumed.frame.number]);
      return t.pass(`queried again after ${Math.round(after)} ms`, [last.number, resumed.frame.number], { resumedAfterMs: Math.round(after), otherQuerierPresentMs: Math.round(oqpi) });
    },
  },
];
