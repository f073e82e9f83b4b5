/**
 * Role router: the runner plays the hosts (and, for election, another querier); the DUT is the querier of
 * the LAN. Cases judge the queries the DUT sends: its startup queries, their cadence and fields, the
 * last-member queries after a leave, TO_IN or BLOCK, the S flag, compatibility with v2 hosts, election
 * (also while last-member queries run), and what it must ignore. What a router keeps to itself (whether a
 * group or source has expired, whether it still is the querier) is read from what a leave brings.
 */
import { ipv4ToNumber, type IgmpMessage } from "../wire/index.js";
import { dutQueries, joinReport, leaveReport, numbers, peer, sendQuery, sendReport, waitUntil, type FrameDamage, type ReportInit } from "./lan.js";
import type { OddQuery } from "../monitor/querier.js";
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
  return lastGeneralSeen(t)?.q;
}

/** The DUT's latest General Query seen so far in the run, with its frame. */
function lastGeneralSeen(t: CaseContext): SeenQuery | undefined {
  return dutQueries(t.env, 0).filter(isGeneral).pop();
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

/**
 * Long enough to be sure no query answers a leave: a querier sends the first at once (RFC 9776 §6.6.3.1:
 * "immediately"; RFC 2236 §3), so one Last Member Query Interval and half a second.
 */
function noAnswerWindow(t: CaseContext): number {
  return t.settings.lastMemberIntervalMs + 500;
}

/**
 * What is wrong with the form of a query of the DUT: destination, TTL 1 (RFC 9776 §4, RFC 2236 §2), a
 * valid length for its version (RFC 9776 §7.1) and the checksum; a host drops or mistakes such a query.
 */
function formProblems(x: SeenQuery, wantDst: string): string[] {
  const d = x.frame.decoded;
  const problems: string[] = [];
  if (d.ipDst !== wantDst) problems.push(`sent to ${d.ipDst}`);
  if (d.ttl !== 1) problems.push(`TTL ${d.ttl}`);
  if (x.q.version === null) problems.push("an invalid length");
  if (x.q.checksumValid !== true) problems.push("bad checksum");
  return problems;
}

/** Judge a train of last-member queries (form, count and spacing). */
function judgeTrain(t: CaseContext, got: SeenQuery[], t0: number, what: string, frames: number[]): Verdict {
  const want = t.settings.lastMemberCount;
  const lmqi = t.settings.lastMemberIntervalMs;
  if (got.length === 0) return t.fail(`${want} ${what}, ${lmqi} ms apart`, "no query", frames);
  const all = [...frames, ...numbers(got)];
  for (const x of got) {
    const problems = formProblems(x, x.q.group);
    if (problems.length > 0) return t.fail(`${what} sent to ${x.q.group} with TTL 1, a valid length and checksum`, `${problems.join(", ")} (frame ${x.frame.number})`, all);
  }
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

/** What a probe for membership saw: the report, the leave after it, and the DUT's queries about the group. */
interface Probe {
  report: LanFrame;
  leave: LanFrame;
  got: SeenQuery[];
}

/**
 * Send `report` for `g` (damaged as asked) as one host, then its leave half a second later, and collect the
 * DUT's queries about `g`: the DUT has a member to query for exactly when it took the report (RFC 2236 §3:
 * a querier ignores leaves for groups without members; RFC 9776 §6.4.2: TO_IN {} on INCLUDE {} sends nothing).
 */
async function probeMember(t: CaseContext, g: string, report: ReportInit, damage: FrameDamage, o: { leave?: ReportInit; leaveDamage?: FrameDamage; untilFirst?: boolean } = {}): Promise<Probe> {
  const h = peer(t, 1);
  const rep = await sendReport(t.env, h, report, damage);
  await t.env.sleep(500);
  const leave = await sendReport(t.env, h, o.leave ?? leaveReport(t.settings.version, g), o.leaveDamage ?? {});
  if (o.untilFirst) await waitUntil(t.env, lastMemberWindow(t), () => specificQueries(t, leave.number, g).length > 0);
  else await t.env.sleep(noAnswerWindow(t));
  return { report: rep, leave, got: specificQueries(t, leave.number, g) };
}

/** The DUT took the probe's report: a query followed the leave. */
function tookReport(t: CaseContext, g: string, p: Probe, what: string): Verdict {
  if (p.got.length === 0) return t.fail(`a group-specific query for ${g} after the leave (${what} made it a member)`, "no query", [p.report.number, p.leave.number]);
  return t.pass(describeQueries(p.got.slice(0, 1), p.leave.timeMs), [p.report.number, p.leave.number, p.got[0]!.frame.number]);
}

/** The DUT ignored what the probe damaged: no query followed the leave. */
function ignored(t: CaseContext, g: string, p: Probe, why: string): Verdict {
  if (p.got.length > 0) return t.fail(`no query for ${g}: ${why}`, describeQueries(p.got, p.leave.timeMs), [p.report.number, p.leave.number, ...numbers(p.got)]);
  return t.pass("no query", [p.report.number, p.leave.number]);
}

/**
 * The DUT's own Robustness Variable, Query Interval and Query Response Interval (ms): QRV from its General
 * Query (v3), the Query Interval it is configured with when the user says (else the QQI it advertises),
 * the Max Resp Time of its General Query (null when the query is not of the run's version: an invalid length,
 * or a v2 query with code 0, which reads as v1).
 */
function timersOf(t: CaseContext, q: Query): { rv: number; qi: number; qri: number | null } {
  const qri = q.version === t.settings.version && q.maxRespTime !== null ? q.maxRespTime * 1000 : null;
  return { rv: q.version === 3 && q.qrv > 0 ? q.qrv : t.settings.robustness, qi: t.settings.expectedQueryIntervalMs ?? queryIntervalOf(t, q), qri };
}

/** Sleep until `at` (ms since the run started). */
async function sleepUntil(t: CaseContext, at: number): Promise<void> {
  const left = at - t.env.now();
  if (left > 0) await t.env.sleep(left);
}

/** The MAC of the DUT, from the last query it sent. */
function dutMac(t: CaseContext): string | null {
  const q = dutQueries(t.env, 0);
  return q[q.length - 1]?.frame.decoded.macSrc ?? null;
}

const V23 = [2, 3] as const;

export const routerCases: ConformCase[] = [
  {
    id: "router.startup-queries",
    title: "On start, Startup Query Count General Queries, Startup Query Interval apart",
    rfc: "RFC 2236 §3, §8.6, §8.7; RFC 9776 §8.6, §8.7",
    level: "SHOULD",
    role: "router",
    versions: [1, 2, 3],
    needsHook: false,
    async run(t) {
      if (!t.settings.dutStarts) return t.notApplicable("the runner must see the DUT start: start the run, then the DUT (--dut-starts)");
      const general = () => dutQueries(t.env, 0).filter(isGeneral);
      const limit = t.settings.maxWaitMs;
      await waitUntil(t.env, limit - t.env.now(), () => general().length > 0, 100);
      const first = general()[0];
      if (first === undefined) return t.fail(`a General Query within ${limit} ms of the run's start`, "none", []);
      // Startup Query Count defaults to the Robustness Variable (§8.7), the interval to a quarter of QI (§8.6).
      const { rv: count, qi } = timersOf(t, first.q);
      const sqi = t.settings.startupIntervalMs ?? qi / 4;
      const tol = Math.max(200, sqi * 0.2);
      // One more Startup Query Interval shows a query too many, unless the regular one would come as soon.
      const seeExtra = qi - sqi > 2 * tol;
      const trainEnd = first.frame.timeMs + (count - 1) * sqi + tol;
      const watchEnd = trainEnd + (seeExtra ? sqi : 0);
      if (watchEnd - t.env.now() > limit) return t.inconclusive(`watching ${count} startup queries ${sqi} ms apart is beyond --max-wait ${limit / 1000} s`, [first.frame.number]);
      await sleepUntil(t, watchEnd);
      const train = general().filter((x) => x.frame.timeMs <= trainEnd);
      const extra = general().filter((x) => x.frame.timeMs > trainEnd && x.frame.timeMs <= watchEnd);
      const frames = numbers([...train, ...extra]);
      const shown = describeQueries([...train, ...extra], first.frame.timeMs);
      if (train.length !== count || extra.length > 0) return t.fail(`${count} General Queries ${sqi} ms apart on start`, shown, frames);
      for (let i = 1; i < train.length; i++) {
        const gap = train[i]!.frame.timeMs - train[i - 1]!.frame.timeMs;
        if (Math.abs(gap - sqi) > tol) return t.fail(`startup queries ${sqi} ms apart (±${Math.round(tol)})`, shown, frames);
      }
      const gaps = train.slice(1).map((x, i) => x.frame.timeMs - train[i]!.frame.timeMs);
      return t.pass(shown, frames, { startupQueries: train.length, ...(gaps.length ? { intervalMs: Math.round(gaps.reduce((a, b) => a + b, 0) / gaps.length) } : {}) });
    },
  },
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
      // The latest General Query seen (e.g. a startup query), else wait up to --max-wait: a DUT just
      // started (or between startup queries) may take a while.
      const limit = t.settings.maxWaitMs;
      const g = lastGeneralSeen(t) ?? (await nextGeneral(t, mark, limit));
      if (g === undefined) return t.fail(`a General Query within ${limit} ms`, "none", []);
      const q = g.q;
      const d = g.frame.decoded;
      const problems = formProblems(g, "224.0.0.1");
      if (q.version !== null && q.version !== t.settings.version) problems.push(`IGMPv${q.version}`);
      if (q.version !== 1 && q.maxRespCode === 0) problems.push("Max Resp Code 0");
      if (q.version === 3 && q.sources.length > 0) problems.push(`${q.sources.length} sources in a General Query`);
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
      const first = lastGeneralSeen(t) ?? (await nextGeneral(t, mark, limit));
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
      if (first.q.version !== 3) return t.inconclusive(`the DUT's group-specific query (frame ${first.frame.number}) is no IGMPv3 query: it has no S flag`, [leave.number, first.frame.number]);
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
    id: "router.membership-expiry",
    title: "A group (v3: and a source) no report refreshes is forgotten after the Group Membership Interval",
    rfc: "RFC 2236 §3, §8.4; RFC 9776 §6.2.2, §6.2.3, §6.5, §8.4",
    level: "MUST",
    role: "router",
    versions: V23,
    needsHook: false,
    async run(t) {
      // The wire shows a router's memory through what a leave brings: a leave (v3: a BLOCK of a listened
      // source) just before GMI brings queries, the same just after GMI none (RFC 2236 §3: no members, the
      // leave is ignored; RFC 9776 §6.4.2: TO_IN {} or BLOCK on INCLUDE {} asks nothing).
      const known = latestGeneral(t) ?? (await nextGeneral(t, t.env.frames.length, t.settings.maxWaitMs))?.q;
      if (known === undefined) return t.inconclusive("no General Query from the DUT to learn its timers from");
      const { rv, qi, qri } = timersOf(t, known);
      if (qri === null) return t.inconclusive(`the DUT's General Query (frame ${lastGeneralSeen(t)?.frame.number}) is no IGMPv${t.settings.version} query: its Query Response Interval is unknown`);
      const gmi = rv * qi + qri;
      const margin = Math.max(1000, gmi * 0.1);
      // Before GMI the timers must still be above the Last Member Query Time: a querier queries only
      // sources whose timer is above it (RFC 9776 §6.6.3.2).
      const lmqt = t.settings.lastMemberCount * t.settings.lastMemberIntervalMs;
      const early = Math.max(margin, lmqt + 1000);
      if (gmi + margin + lastMemberWindow(t) > t.settings.maxWaitMs) return t.inconclusive(`the Group Membership Interval (${Math.round(gmi / 1000)} s) is beyond --max-wait ${t.settings.maxWaitMs / 1000} s`);
      const v = t.settings.version;
      const [s1] = t.settings.sources;
      const [before, after, srcBefore, srcAfter] = [t.group(0), t.group(1), t.group(2), t.group(3)];
      const h = peer(t, 1);
      const joins = v === 3
        ? [await sendReport(t.env, h, { version: 3, records: [{ type: "MODE_IS_EXCLUDE", group: before }, { type: "MODE_IS_EXCLUDE", group: after }, { type: "MODE_IS_INCLUDE", group: srcBefore, sources: [s1] }, { type: "MODE_IS_INCLUDE", group: srcAfter, sources: [s1] }] })]
        : [await sendReport(t.env, h, joinReport(v, before)), await sendReport(t.env, h, joinReport(v, after))];
      const t0 = joins[joins.length - 1]!.timeMs;
      const block = (g: string): ReportInit => ({ version: 3, records: [{ type: "BLOCK_OLD_SOURCES", group: g, sources: [s1] }] });
      const probe = async (g: string, src: string) => [await sendReport(t.env, h, leaveReport(v, g)), ...(v === 3 ? [await sendReport(t.env, h, block(src))] : [])];
      await sleepUntil(t, t0 + gmi - early);
      const kept = await probe(before, srcBefore);
      await sleepUntil(t, t0 + gmi + margin);
      const gone = await probe(after, srcAfter);
      await t.env.sleep(noAnswerWindow(t));
      const frames = numbers([...joins, ...kept, ...gone]);
      const at = (f: LanFrame) => `+${Math.round(f.timeMs - t0)} ms`;
      const checks: [string, LanFrame | undefined, SeenQuery[], boolean][] = [
        [`group ${before}`, kept[0], specificQueries(t, kept[0]!.number, before), true],
        [`group ${after}`, gone[0], specificQueries(t, gone[0]!.number, after), false],
        [`source ${s1} of ${srcBefore}`, kept[1], kept[1] ? specificQueries(t, kept[1].number, srcBefore).filter((x) => x.q.version === 3 && x.q.sources.includes(s1)) : [], true],
        [`source ${s1} of ${srcAfter}`, gone[1], gone[1] ? specificQueries(t, gone[1].number, srcAfter).filter((x) => x.q.version === 3 && x.q.sources.includes(s1)) : [], false],
      ];
      for (const [what, probeFrame, got, kept] of checks) {
        if (probeFrame === undefined) continue;
        if (kept && got.length === 0) return t.fail(`${what} still known at ${at(probeFrame)} (GMI ${gmi} ms): a query after the ${v === 3 && what.startsWith("source") ? "BLOCK" : "leave"}`, "no query", frames);
        if (!kept && got.length > 0) return t.fail(`${what} forgotten after GMI ${gmi} ms: no query after the ${v === 3 && what.startsWith("source") ? "BLOCK" : "leave"} at ${at(probeFrame)}`, describeQueries(got, probeFrame.timeMs), [...frames, ...numbers(got)]);
      }
      return t.pass(`known at ${at(kept[0]!)}, forgotten at ${at(gone[0]!)}${v === 3 ? " (group and source)" : ""}`, frames, { groupMembershipIntervalMs: gmi });
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
    id: "router.compat-v1-host",
    title: "After a v1 report, a group's Leave is ignored (IGMPv1 group compatibility mode)",
    rfc: "RFC 2236 §4; RFC 9776 §7.3.2",
    level: "MUST",
    role: "router",
    versions: V23,
    needsHook: false,
    async run(t) {
      const control = t.group(0);
      const g = t.group(1);
      const h1 = peer(t, 1);
      const h2 = peer(t, 2);
      // Control: the same Leave after v2 reports only brings group-specific queries.
      await sendReport(t.env, h2, { version: 2, group: control });
      await sendReport(t.env, h1, { version: 1, group: g });
      await sendReport(t.env, h2, { version: 2, group: g });
      await t.env.sleep(500);
      const leaveControl = await sendReport(t.env, h2, { leave: control });
      const leave = await sendReport(t.env, h2, { leave: g });
      await t.env.sleep(lastMemberWindow(t));
      const ctl = specificQueries(t, leaveControl.number, control);
      if (ctl.length === 0) return t.inconclusive(`the DUT sends no group-specific query after a Leave even without a v1 host (control group ${control})`, [leaveControl.number]);
      const got = specificQueries(t, leave.number, g);
      if (got.length > 0) return t.fail(`no group-specific query for ${g} (with a v1 host present the Leave is ignored)`, describeQueries(got, leave.timeMs), [leave.number, ...numbers(got)]);
      return t.pass("Leave ignored", [leaveControl.number, leave.number, ...numbers(ctl)]);
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
      const p = await probeMember(t, g, { version: 2, group: g }, { igmpLength: 12 }, { leave: { leave: g }, untilFirst: true });
      return tookReport(t, g, p, "the 12-byte report");
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
      return ignored(t, g, await probeMember(t, g, joinReport(t.settings.version, g), { badChecksum: true }), "the only report for it had a bad checksum");
    },
  },
  {
    id: "router.ignore-bad-ttl",
    title: "A report with an IP TTL other than 1 is ignored (a later leave finds no member to query for)",
    rfc: "RFC 9776 §4; RFC 2236 §2",
    level: "NEGATIVE",
    role: "router",
    versions: V23,
    needsHook: false,
    async run(t) {
      const g = t.group();
      return ignored(t, g, await probeMember(t, g, joinReport(t.settings.version, g), { ttl: 2 }), "the only report for it had TTL 2");
    },
  },
  {
    id: "router.accept-any-tos",
    title: "A report with TOS 0 (not Internetwork Control, 0xc0) is accepted",
    rfc: "RFC 9776 §4; RFC 2236 §2",
    // RFC 9776 §4 asks senders for Internetwork Control ("e.g., Type of Service 0xc0") and says nothing of
    // receivers; RFC 2236 names no TOS at all. Accepting any TOS is the robust reading (FRR pimd since 8.2).
    level: "SHOULD",
    role: "router",
    versions: V23,
    needsHook: false,
    async run(t) {
      const g = t.group();
      return tookReport(t, g, await probeMember(t, g, joinReport(t.settings.version, g), { tos: 0 }, { untilFirst: true }), "the TOS 0 report");
    },
  },
  {
    id: "router.ignore-unicast-leave",
    title: "A Leave sent to the DUT's unicast address is ignored (no group-specific query; one sent to 224.0.0.2 after it brings one)",
    rfc: "RFC 2236 §3, §9",
    level: "NEGATIVE",
    role: "router",
    versions: [2],
    needsHook: false,
    async run(t) {
      const dut = t.env.dut;
      if (dut === undefined) return t.notApplicable("needs the DUT's address (--dut)");
      const mac = dutMac(t) ?? (await nextGeneral(t, t.env.frames.length, t.settings.maxWaitMs))?.frame.decoded.macSrc ?? null;
      if (mac === null) return t.inconclusive("no frame from the DUT to learn its MAC address from");
      const g = t.group();
      const p = await probeMember(t, g, joinReport(2, g), {}, { leave: { leave: g }, leaveDamage: { dst: dut, macDst: mac } });
      const verdict = ignored(t, g, p, `its only Leave went to ${dut}`);
      if (verdict.status !== "pass") return verdict;
      // Control: the member is still there, and a Leave to 224.0.0.2 brings the queries.
      const leave = await sendReport(t.env, peer(t, 1), { leave: g });
      await waitUntil(t.env, lastMemberWindow(t), () => specificQueries(t, leave.number, g).length > 0);
      const after = specificQueries(t, leave.number, g);
      if (after.length === 0) return t.inconclusive(`no query after a Leave to 224.0.0.2 either (see router.last-member-queries)`, [p.report.number, p.leave.number, leave.number]);
      return t.pass(`no query after the unicast Leave; ${describeQueries(after.slice(0, 1), leave.timeMs)} after the one to 224.0.0.2`, [p.report.number, p.leave.number, leave.number, after[0]!.frame.number]);
    },
  },
  {
    id: "router.ignore-query-bad-ttl",
    title: "A query with an IP TTL other than 1 from a lower address is ignored (the DUT stays the querier: a leave still brings its queries)",
    rfc: "RFC 9776 §4, §6.6.2; RFC 2236 §2, §3",
    level: "NEGATIVE",
    role: "router",
    versions: [2, 3],
    needsHook: false,
    late: true,
    async run(t) {
      const na = electionNotApplicable(t);
      if (na) return na;
      // A DUT that took the query is a non-querier for the Other Querier Present Interval, and a non-querier
      // sends no last-member queries (RFC 2236 §3: it ignores leaves; RFC 9776 §6.6.3): a leave right after
      // shows which, without waiting for a Query Interval.
      // A member of a group, a query from the runner's lower address, and the member's leave: the DUT's
      // queries about the group after it.
      const probe = async (g: string, odd: OddQuery) => {
        const h = peer(t, 1);
        await sendReport(t.env, h, joinReport(t.settings.version, g));
        const query = await sendQuery(t, { ...otherQuerierQuery(t, latestGeneral(t)), odd });
        await t.env.sleep(500);
        const leave = await sendReport(t.env, h, leaveReport(t.settings.version, g));
        await waitUntil(t.env, noAnswerWindow(t), () => specificQueries(t, leave.number, g).length > 0);
        return { frames: [query.number, leave.number], leave, got: specificQueries(t, leave.number, g) };
      };
      const bad = await probe(t.group(0), { ttl: 2 });
      if (bad.got.length === 0) return t.fail(`a group-specific query for ${t.group(0)} after the leave: the lower querier's query had TTL 2`, "no query: the DUT took the query and yielded (or sends none: see router.last-member-queries)", bad.frames);
      // Control: the same with a well-formed query must silence it, else its queries after a leave show nothing.
      // Once the train is over: a querier may ignore a lower query while one runs (RFC 2236 §3; FRR pimd does).
      await sleepUntil(t, bad.leave.timeMs + lastMemberWindow(t));
      const good = await probe(t.group(1), {});
      const frames = [...bad.frames, bad.got[0]!.frame.number, ...good.frames, ...numbers(good.got)];
      if (good.got.length > 0) return t.inconclusive(`the DUT answers a leave after a well-formed query from a lower address too (${describeQueries(good.got.slice(0, 1), good.leave.timeMs)}): as a non-querier it should ignore leaves (RFC 2236 §3), so its queries tell nothing`, frames);
      return t.pass(`still the querier: ${describeQueries(bad.got.slice(0, 1), bad.leave.timeMs)}; silent after a well-formed lower query`, frames);
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
      if (known !== undefined && timersOf(t, known).qri === null) return t.inconclusive(`the DUT's General Query is no IGMPv${t.settings.version} query: its Query Response Interval is unknown`);
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
  {
    id: "router.election-during-lmq",
    title: "A lower-addressed querier appearing while last-member queries run does not cut them short",
    // RFC 2236 §3: "Any Querier to non-Querier transition is ignored during this time; the same router keeps
    // sending the Group-Specific Queries" (IxANVL IGMPv2 3.10; FRR pimd fixed it in 2022). RFC 9776 has no
    // such sentence (§6.6.2: a querier hearing a lower address "ceases to send queries"), so v2 only.
    rfc: "RFC 2236 §3",
    level: "MUST",
    role: "router",
    versions: [2],
    needsHook: false,
    late: true,
    async run(t) {
      const na = electionNotApplicable(t);
      if (na) return na;
      if (t.settings.lastMemberCount < 2) return t.notApplicable("Last Member Query Count is 1: nothing runs after the first query");
      const g = t.group();
      const h = peer(t, 1);
      const join = await sendReport(t.env, h, joinReport(t.settings.version, g));
      await t.env.sleep(500);
      const leave = await sendReport(t.env, h, leaveReport(t.settings.version, g));
      await waitUntil(t.env, t.settings.lastMemberIntervalMs + 500, () => specificQueries(t, leave.number, g).length > 0, 10);
      const first = specificQueries(t, leave.number, g)[0];
      if (first === undefined) return t.inconclusive("no group-specific query after the leave (see router.last-member-queries)", [join.number, leave.number]);
      const ours = await sendQuery(t, otherQuerierQuery(t, latestGeneral(t)));
      await t.env.sleep(lastMemberWindow(t));
      const got = specificQueries(t, leave.number, g);
      const want = t.settings.lastMemberCount;
      const frames = [join.number, leave.number, ours.number, ...numbers(got)];
      if (got.length < want) return t.fail(`${want} group-specific queries for ${g}, the lower querier's General Query at +${Math.round(ours.timeMs - leave.timeMs)} ms notwithstanding`, `${got.length}: ${describeQueries(got, leave.timeMs)}`, frames);
      return t.pass(`${describeQueries(got, leave.timeMs)}; lower querier at +${Math.round(ours.timeMs - leave.timeMs)} ms`, frames);
    },
  },
];
