/**
 * Role host: the runner is the querier, the DUT an IGMP host whose socket operations the runner asks for
 * through the hook. Every case takes its own groups, joins what it needs, judges what the DUT sends, and
 * leaves again (the runner leaves every group a case joined, also when the case throws).
 */
import { decodeFloatCode, isIPv4 } from "../wire/index.js";
import { fromDut, isAnswer, isMembership, mentions, numbers, peer, sendQuery, sendReport, waitUntil, type Mention, type QueryInit } from "./lan.js";
import type { CaseContext, ConformCase, Verdict } from "./types.js";

/** Time for the DUT's unsolicited reports (first one and its repetitions) to be over. */
function settleMs(t: CaseContext): number {
  return t.settings.unsolicitedMs * t.settings.robustness + t.settings.slackMs;
}

async function joinAndSettle(t: CaseContext, group: string, opts: { source?: string; socket?: string } = {}): Promise<void> {
  if (opts.source !== undefined) await t.env.act({ op: "joinsrc", group, source: opts.source, ...(opts.socket ? { socket: opts.socket } : {}) });
  else await t.env.act({ op: "join", group, ...(opts.socket ? { socket: opts.socket } : {}) });
  await t.env.sleep(settleMs(t));
}

/** The DUT's answers (current-state records, or v1/v2 reports) about `group` after frame `since`. */
function answers(t: CaseContext, since: number, group: string): Mention[] {
  return mentions(t.env, since, group).filter((m) => isAnswer(m.kind));
}

function describe(ms: readonly Mention[]): string {
  if (ms.length === 0) return "nothing";
  return ms
    .map((m) => `${m.kind === "report" || m.kind === "leave" ? `v${m.version} ${m.kind}` : m.kind}${m.sources.length ? ` {${m.sources.join(",")}}` : ""} at ${Math.round(m.frame.timeMs)} ms (frame ${m.frame.number})`)
    .join("; ");
}

/** The version an answer must have in this run. */
function versionOk(t: CaseContext, m: Mention): boolean {
  return m.version === t.settings.version || (t.settings.version === 1 && m.version === 1);
}

/**
 * Live, a frame reaches `env.frames` a little after it was on the wire (the capture's delivery, slower on a
 * loaded machine). Answers are judged by their wire time, and past a deadline the runner waits this much
 * more for answers still on their way, so that its own lag is not taken for the DUT's.
 */
const DELIVERY_GRACE_MS = 300;

interface Answered {
  sent: number;
  sentAt: number;
  limitMs: number;
  /** Answers on the wire within the limit. */
  got: Mention[];
  /** Answers after it (seen while waiting for ones on their way). */
  late: Mention[];
}

/** Send a query of the run's version and wait for the answer about `group`: the common shape of several cases. */
async function queryAndWait(t: CaseContext, group: string, q: Omit<QueryInit, "version"> & { version?: QueryInit["version"] }): Promise<Answered> {
  const version = q.version ?? t.settings.version;
  const maxRespMs = version === 1 ? 10_000 : q.maxRespCode !== undefined ? decodeFloatCode(q.maxRespCode) * 100 : (q.maxRespMs ?? t.settings.maxRespMs);
  const f = await sendQuery(t, { ...q, version, maxRespMs });
  const limitMs = maxRespMs + t.settings.slackMs;
  const inTime = (m: Mention) => m.frame.timeMs - f.timeMs <= limitMs;
  const got = () => answers(t, f.number, group).filter(inTime);
  if (!(await waitUntil(t.env, limitMs, () => got().length > 0))) await waitUntil(t.env, DELIVERY_GRACE_MS, () => got().length > 0);
  const all = answers(t, f.number, group);
  return { sent: f.number, sentAt: f.timeMs, limitMs, got: all.filter(inTime), late: all.filter((m) => !inTime(m)) };
}

/**
 * Teach the host the default Query Interval and Robustness again (an earlier case may have taught 1 s and
 * 1), through a v3 query with a 1 s Max Resp Time, and let its answer pass. An older-version querier mode
 * then lasts 2 × 125 s + 1 s (RFC 9776 §7.2.1), longer than the answer to the older query may take: Linux
 * leaves that mode when the timeout ends, even with the answer still pending, and then answers in v3
 * (seen: with 1 s and 1 taught, the v2 mode lasted 2 s, and a v2 query's answer came as MODE_IS_EXCLUDE).
 */
async function teachDefaultTimers(t: CaseContext, group: string): Promise<void> {
  const teach = await queryAndWait(t, group, { version: 3, maxRespMs: 1000, qrv: 2, qqi: 125 });
  await t.env.sleep(Math.max(0, teach.sentAt + teach.limitMs - t.env.now()));
}

/** What a DUT that did not answer in time did: nothing, or answered late (when, in ms after the query). */
function silence(r: Answered): string {
  if (r.late.length === 0) return "no answer";
  return `no answer in time; ${describe(r.late)}, ${Math.round(r.late[0]!.frame.timeMs - r.sentAt)} ms after the query`;
}

/** The frames of a verdict on `r`: the query and any late answers. */
function shown(r: Answered): number[] {
  return [r.sent, ...numbers(r.late)];
}

/** A member is sent a query it must ignore: no answer within the whole Max Resp Time passes. */
async function mustIgnore(t: CaseContext, q: Omit<QueryInit, "maxRespMs">, what: string): Promise<Verdict> {
  const g = t.group();
  await joinAndSettle(t, g);
  const sent = await sendQuery(t, { ...q, maxRespMs: t.settings.maxRespMs });
  await t.env.sleep((q.version === 1 ? 10_000 : t.settings.maxRespMs) + t.settings.slackMs);
  const got = answers(t, sent.number, g);
  if (got.length > 0) return t.fail(`no answer to ${what}`, describe(got), [sent.number, ...numbers(got)]);
  return t.pass("no answer", [sent.number]);
}

const ALL = [1, 2, 3] as const;

export const hostCases: ConformCase[] = [
  {
    id: "host.join-report",
    title: "Joining a group sends an unsolicited report at once, of the right version and to the right address",
    rfc: "RFC 9776 §5.1, §4.2.14; RFC 2236 §3, §9; RFC 1112 App. I",
    level: "MUST",
    role: "host",
    versions: ALL,
    async run(t) {
      const g = t.group();
      const mark = t.env.frames.length;
      const start = t.env.now();
      await t.env.act({ op: "join", group: g });
      const limit = 1000 + t.settings.slackMs;
      await waitUntil(t.env, limit, () => mentions(t.env, mark, g).some((m) => isMembership(m.kind)));
      const got = mentions(t.env, mark, g).filter((m) => isMembership(m.kind));
      if (got.length === 0) return t.fail(`a report for ${g} within ${limit} ms of the join`, "no report", []);
      const first = got[0]!;
      if (!versionOk(t, first)) return t.fail(`an IGMPv${t.settings.version} report`, describe([first]), [first.frame.number]);
      if (first.version === 3 && first.kind !== "CHANGE_TO_EXCLUDE_MODE") return t.fail("a CHANGE_TO_EXCLUDE_MODE record for an any-source join", describe([first]), [first.frame.number]);
      const dst = first.frame.decoded.ipDst;
      const want = first.version === 3 ? "224.0.0.22" : g;
      if (dst !== want) return t.fail(`the report sent to ${want}`, `sent to ${dst}`, [first.frame.number]);
      return t.pass(describe([first]), [first.frame.number], { delayMs: Math.round(first.frame.timeMs - start) });
    },
  },
  {
    id: "host.join-repeat",
    title: "The unsolicited report of a join is repeated (Robustness Variable times in all)",
    rfc: "RFC 9776 §5.1; RFC 2236 §3",
    level: "SHOULD",
    role: "host",
    versions: ALL,
    async run(t) {
      const g = t.group();
      const mark = t.env.frames.length;
      await t.env.act({ op: "join", group: g });
      const want = t.settings.version === 3 ? t.settings.robustness : 2;
      await waitUntil(t.env, settleMs(t), () => mentions(t.env, mark, g).filter((m) => isMembership(m.kind)).length >= want);
      const got = mentions(t.env, mark, g).filter((m) => isMembership(m.kind));
      if (got.length < want) return t.fail(`${want} reports for ${g} within ${settleMs(t)} ms`, `${got.length}: ${describe(got)}`, numbers(got));
      return t.pass(describe(got), numbers(got), { reports: got.length });
    },
  },
  {
    id: "host.general-query",
    title: "A member answers a General Query within Max Resp Time",
    rfc: "RFC 9776 §5.2; RFC 2236 §3; RFC 1112 App. I",
    level: "MUST",
    role: "host",
    versions: ALL,
    async run(t) {
      const g = t.group();
      await joinAndSettle(t, g);
      const r = await queryAndWait(t, g, {});
      if (r.got.length === 0) return t.fail(`an answer for ${g} within ${r.limitMs} ms`, silence(r), shown(r));
      const a = r.got[0]!;
      if (!versionOk(t, a)) return t.fail(`an IGMPv${t.settings.version} answer`, describe([a]), [r.sent, a.frame.number]);
      if (a.version === 3 && a.kind !== "MODE_IS_EXCLUDE") return t.fail("MODE_IS_EXCLUDE {} for an any-source member", describe([a]), [r.sent, a.frame.number]);
      return t.pass(describe([a]), [r.sent, a.frame.number], { delayMs: Math.round(a.frame.timeMs - r.sentAt) });
    },
  },
  {
    id: "host.group-query",
    title: "A Group-Specific Query is answered for that group only, within Max Resp Time",
    rfc: "RFC 9776 §5.2; RFC 2236 §3",
    level: "MUST",
    role: "host",
    versions: [2, 3],
    async run(t) {
      const g = t.group(0);
      const other = t.group(1);
      await t.env.act({ op: "join", group: other });
      await joinAndSettle(t, g);
      const r = await queryAndWait(t, g, { group: g });
      await t.env.sleep(Math.max(0, r.sentAt + r.limitMs - t.env.now()));
      const wrong = answers(t, r.sent, other);
      if (r.got.length === 0) return t.fail(`an answer for ${g} within ${r.limitMs} ms`, silence(r), shown(r));
      if (wrong.length > 0) return t.fail(`no answer for ${other}, which was not queried`, describe(wrong), [r.sent, ...numbers(wrong)]);
      const a = r.got[0]!;
      if (!versionOk(t, a)) return t.fail(`an IGMPv${t.settings.version} answer`, describe([a]), [r.sent, a.frame.number]);
      return t.pass(describe([a]), [r.sent, a.frame.number], { delayMs: Math.round(a.frame.timeMs - r.sentAt) });
    },
  },
  {
    id: "host.group-source-query",
    title: "A Group-and-Source-Specific Query is answered with IS_IN of the queried sources the host listens to",
    rfc: "RFC 9776 §5.2",
    level: "MUST",
    role: "host",
    versions: [3],
    async run(t) {
      const g = t.group();
      const [s1, s2] = t.settings.sources;
      await joinAndSettle(t, g, { source: s1 });
      const r = await queryAndWait(t, g, { group: g, sources: [s1, s2] });
      if (r.got.length === 0) return t.fail(`MODE_IS_INCLUDE {${s1}} for ${g} within ${r.limitMs} ms`, silence(r), shown(r));
      const a = r.got[0]!;
      if (a.kind !== "MODE_IS_INCLUDE" || a.sources.length !== 1 || a.sources[0] !== s1) {
        return t.fail(`MODE_IS_INCLUDE {${s1}}`, describe([a]), [r.sent, a.frame.number]);
      }
      return t.pass(describe([a]), [r.sent, a.frame.number], { delayMs: Math.round(a.frame.timeMs - r.sentAt) });
    },
  },
  {
    id: "host.response-spread",
    title: "Answers are delayed by a random time spread over Max Resp Time",
    rfc: "RFC 9776 §5.2; RFC 2236 §3",
    level: "SHOULD",
    role: "host",
    versions: [2, 3],
    async run(t) {
      const g = t.group();
      await joinAndSettle(t, g);
      const delays: number[] = [];
      const frames: number[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await queryAndWait(t, g, {});
        // Let the whole Max Resp Time pass, so the next query finds no pending answer.
        await t.env.sleep(Math.max(0, r.sentAt + r.limitMs - t.env.now()));
        const a = r.got[0];
        if (a === undefined) continue;
        delays.push(a.frame.timeMs - r.sentAt);
        frames.push(r.sent, a.frame.number);
      }
      if (delays.length < 3) return t.inconclusive(`only ${delays.length} of 4 queries were answered`, frames);
      const max = Math.max(...delays);
      const min = Math.min(...delays);
      const m = { minDelayMs: Math.round(min), maxDelayMs: Math.round(max), meanDelayMs: Math.round(delays.reduce((a, b) => a + b, 0) / delays.length) };
      if (max > t.settings.maxRespMs + t.settings.slackMs) return t.fail(`every answer within ${t.settings.maxRespMs} ms`, `an answer after ${Math.round(max)} ms`, frames);
      if (max - min < t.settings.maxRespMs * 0.1) return t.fail("delays spread over Max Resp Time", `delays ${delays.map(Math.round).join(", ")} ms`, frames);
      return t.pass(`delays ${delays.map(Math.round).join(", ")} ms`, frames, m);
    },
  },
  {
    id: "host.pending-general-query",
    title: "A second General Query while an answer is pending does not bring a second answer",
    rfc: "RFC 9776 §5.2 (rules 1 and 2)",
    level: "MUST",
    role: "host",
    versions: [3],
    async run(t) {
      const g = t.group();
      await joinAndSettle(t, g);
      const first = await sendQuery(t, { version: 3, maxRespMs: t.settings.maxRespMs });
      await t.env.sleep(20);
      await sendQuery(t, { version: 3, maxRespMs: t.settings.maxRespMs });
      await t.env.sleep(t.settings.maxRespMs + t.settings.slackMs);
      const got = answers(t, first.number, g);
      if (got.length === 0) return t.fail(`one answer for ${g}`, "no answer", [first.number]);
      if (got.length > 1) return t.fail(`one answer for ${g} to two General Queries 20 ms apart`, describe(got), numbers(got));
      return t.pass(describe(got), [first.number, ...numbers(got)]);
    },
  },
  {
    id: "host.pending-group-then-group-query",
    title: "A Group-Specific Query while a source-specific answer is pending makes the answer the full state",
    rfc: "RFC 9776 §5.2 (rule 4)",
    level: "MUST",
    role: "host",
    versions: [3],
    async run(t) {
      const g = t.group();
      const [s1, s2] = t.settings.sources;
      await t.env.act({ op: "joinsrc", group: g, source: s2 });
      await joinAndSettle(t, g, { source: s1 });
      const first = await sendQuery(t, { version: 3, group: g, sources: [s1], maxRespMs: t.settings.maxRespMs });
      await t.env.sleep(20);
      await sendQuery(t, { version: 3, group: g, maxRespMs: t.settings.maxRespMs });
      await t.env.sleep(t.settings.maxRespMs + t.settings.slackMs);
      const got = answers(t, first.number, g);
      const want = [s1, s2].sort().join(",");
      if (got.length === 0) return t.fail(`MODE_IS_INCLUDE {${want}}`, "no answer", [first.number]);
      const full = got.find((m) => m.kind === "MODE_IS_INCLUDE" && [...m.sources].sort().join(",") === want);
      if (full === undefined) return t.fail(`MODE_IS_INCLUDE {${want}} (the group's whole state)`, describe(got), [first.number, ...numbers(got)]);
      return t.pass(describe(got), [first.number, ...numbers(got)]);
    },
  },
  {
    id: "host.pending-source-queries-merge",
    title: "Two Group-and-Source-Specific Queries for one group are answered with the union of their sources",
    rfc: "RFC 9776 §5.2 (rule 5)",
    level: "MUST",
    role: "host",
    versions: [3],
    async run(t) {
      const g = t.group();
      const [s1, s2] = t.settings.sources;
      await t.env.act({ op: "joinsrc", group: g, source: s2 });
      await joinAndSettle(t, g, { source: s1 });
      const first = await sendQuery(t, { version: 3, group: g, sources: [s1], maxRespMs: t.settings.maxRespMs });
      await t.env.sleep(20);
      await sendQuery(t, { version: 3, group: g, sources: [s2], maxRespMs: t.settings.maxRespMs });
      await t.env.sleep(t.settings.maxRespMs + t.settings.slackMs);
      const got = answers(t, first.number, g);
      const heard = new Set(got.flatMap((m) => m.sources));
      if (!heard.has(s1) || !heard.has(s2)) return t.fail(`MODE_IS_INCLUDE covering {${s1},${s2}}`, describe(got), [first.number, ...numbers(got)]);
      return t.pass(describe(got), [first.number, ...numbers(got)]);
    },
  },
  {
    id: "host.v2-suppression",
    title: "A pending report is cancelled when another host's report for the group is heard",
    rfc: "RFC 2236 §3; RFC 1112 App. I",
    level: "MUST",
    role: "host",
    versions: [1, 2],
    async run(t) {
      const g = t.group();
      await joinAndSettle(t, g);
      const q = await sendQuery(t, { version: t.settings.version, maxRespMs: t.settings.maxRespMs });
      await t.env.sleep(10);
      const early = answers(t, q.number, g);
      const other = await sendReport(t.env, peer(t, 1), { version: t.settings.version === 1 ? 1 : 2, group: g });
      if (early.length > 0) return t.inconclusive("the DUT answered within 10 ms, before the other host's report", [q.number, ...numbers(early)]);
      const limit = (t.settings.version === 1 ? 10_000 : t.settings.maxRespMs) + t.settings.slackMs;
      await t.env.sleep(limit);
      const got = answers(t, other.number, g);
      if (got.length > 0) return t.fail(`no report for ${g} after another host's report`, describe(got), [q.number, other.number, ...numbers(got)]);
      return t.pass("no report", [q.number, other.number]);
    },
  },
  {
    id: "host.second-socket-keeps-group",
    title: "A group stays joined (nothing sent) while a second socket still holds it",
    rfc: "RFC 9776 §3.2, §5.1; RFC 1112 §7.2",
    level: "MUST",
    role: "host",
    versions: ALL,
    async run(t) {
      const g = t.group();
      await t.env.act({ op: "join", group: g, socket: "a" });
      await t.env.act({ op: "join", group: g, socket: "b" });
      await t.env.sleep(settleMs(t));
      const mark = t.env.frames.length;
      await t.env.act({ op: "leave", group: g, socket: "b" });
      await t.env.sleep(1000 + t.settings.slackMs);
      const got = mentions(t.env, mark, g).filter((m) => !isMembership(m.kind) || m.kind === "report");
      const bad = got.filter((m) => m.kind !== "report");
      if (bad.length > 0) return t.fail(`no leave or state change while socket a holds ${g}`, describe(bad), numbers(bad));
      return t.pass("nothing sent", []);
    },
  },
  {
    id: "host.leave-v3",
    title: "Leaving the last socket of a group sends TO_IN {} (a state-change record), repeated",
    rfc: "RFC 9776 §5.1",
    level: "MUST",
    role: "host",
    versions: [3],
    async run(t) {
      const g = t.group();
      await joinAndSettle(t, g);
      const mark = t.env.frames.length;
      await t.env.act({ op: "leave", group: g });
      const limit = 1000 + t.settings.slackMs;
      await waitUntil(t.env, limit, () => mentions(t.env, mark, g).some((m) => m.kind === "CHANGE_TO_INCLUDE_MODE"));
      const got = mentions(t.env, mark, g);
      const toIn = got.find((m) => m.kind === "CHANGE_TO_INCLUDE_MODE");
      if (toIn === undefined) return t.fail(`CHANGE_TO_INCLUDE_MODE {} for ${g} within ${limit} ms`, describe(got), numbers(got));
      if (toIn.sources.length !== 0) return t.fail("CHANGE_TO_INCLUDE_MODE {}", describe([toIn]), [toIn.frame.number]);
      if (toIn.frame.decoded.ipDst !== "224.0.0.22") return t.fail("sent to 224.0.0.22", `sent to ${toIn.frame.decoded.ipDst}`, [toIn.frame.number]);
      return t.pass(describe([toIn]), [toIn.frame.number]);
    },
  },
  {
    id: "host.leave-v2",
    title: "Leaving a group sends a Leave Group message to 224.0.0.2",
    rfc: "RFC 2236 §3",
    level: "SHOULD",
    role: "host",
    versions: [2],
    async run(t) {
      const g = t.group();
      await joinAndSettle(t, g);
      const mark = t.env.frames.length;
      await t.env.act({ op: "leave", group: g });
      const limit = 1000 + t.settings.slackMs;
      await waitUntil(t.env, limit, () => mentions(t.env, mark, g).some((m) => m.kind === "leave"));
      const got = mentions(t.env, mark, g).filter((m) => m.kind === "leave");
      if (got.length === 0) return t.fail(`a Leave for ${g} within ${limit} ms`, "nothing", []);
      const l = got[0]!;
      if (l.frame.decoded.ipDst !== "224.0.0.2") return t.fail("the Leave sent to 224.0.0.2", `sent to ${l.frame.decoded.ipDst}`, [l.frame.number]);
      return t.pass(describe([l]), [l.frame.number]);
    },
  },
  {
    id: "host.unicast-query",
    title: "A query sent to the host's own unicast address is accepted and answered",
    rfc: "RFC 9776 §4.1.12",
    level: "MUST",
    role: "host",
    versions: [3],
    async run(t) {
      const g = t.group();
      const mark = t.env.frames.length;
      await joinAndSettle(t, g);
      const dut = t.env.dut;
      const mac = fromDut(t.env, mark)[0]?.decoded.macSrc ?? null;
      if (dut === undefined || !isIPv4(dut) || mac === null) return t.inconclusive("the DUT's unicast address or MAC is not known (give --dut; the DUT must report on join)");
      const r = await queryAndWait(t, g, { odd: { unicast: { ip: dut, mac } } });
      if (r.got.length === 0) return t.fail(`an answer for ${g} to a General Query sent to ${dut}`, silence(r), shown(r));
      return t.pass(describe([r.got[0]!]), [r.sent, r.got[0]!.frame.number]);
    },
  },
  {
    id: "host.max-resp-code-float",
    title: "A Max Resp Code of 128 or more is read as a floating-point time (0x80 = 12.8 s) and answered within it",
    rfc: "RFC 9776 §4.1.1",
    level: "MUST",
    role: "host",
    versions: [3],
    async run(t) {
      const g = t.group();
      await joinAndSettle(t, g);
      const r = await queryAndWait(t, g, { maxRespCode: 0x80 });
      if (r.got.length === 0) return t.fail(`an answer for ${g} within 12.8 s`, silence(r), shown(r));
      return t.pass(describe([r.got[0]!]), [r.sent, r.got[0]!.frame.number], { delayMs: Math.round(r.got[0]!.frame.timeMs - r.sentAt) });
    },
  },
  {
    id: "host.ignore-bad-checksum",
    title: "A General Query with a bad checksum is ignored",
    rfc: "RFC 9776 §4.1.2; RFC 2236 §2.3",
    level: "NEGATIVE",
    role: "host",
    versions: ALL,
    run: (t) => mustIgnore(t, { version: t.settings.version, odd: { badChecksum: true } }, "a query with a bad checksum"),
  },
  {
    id: "host.ignore-invalid-length-query",
    title: "A 10-byte query (neither v1/v2 nor v3) is ignored",
    rfc: "RFC 9776 §7.1",
    level: "NEGATIVE",
    role: "host",
    versions: [3],
    late: true,
    run: (t) => mustIgnore(t, { version: 2, odd: { length: 10 } }, "a 10-byte query"),
  },
  {
    id: "host.compat-v2-timeout",
    title: "IGMPv2 compatibility mode ends after the Older Version Querier Present Timeout",
    rfc: "RFC 9776 §7.2.1, §8.12",
    level: "MUST",
    role: "host",
    versions: [3],
    late: true,
    async run(t) {
      const g = t.group();
      await joinAndSettle(t, g);
      // Teach a Query Interval of 1 s and Robustness 1: the timeout is then 1 s plus one Query Response
      // Interval (the v2 query's 1 s as Linux takes it, or the host's configured QRI, 10 s by default).
      const v3 = await sendQuery(t, { version: 3, maxRespMs: 1000, qrv: 1, qqi: 1 });
      await t.env.sleep(1000 + t.settings.slackMs);
      const v2 = await queryAndWait(t, g, { version: 2, maxRespMs: 1000 });
      if (v2.got.length === 0 || v2.got[0]!.version !== 2) return t.inconclusive(`the DUT did not enter IGMPv2 mode (${describe(v2.got)})`, [v3.number, v2.sent]);
      const boundMs = 1000 + 10_000 + 1500;
      const frames = [v3.number, v2.sent, v2.got[0]!.frame.number];
      // Probe with v3 General Queries (they do not restart the v2 timer) until a v3 answer comes.
      while (t.env.now() - v2.sentAt < boundMs) {
        await t.env.sleep(Math.max(0, 1000 - (t.env.now() - v2.sentAt) % 1000));
        const p = await queryAndWait(t, g, { version: 3, maxRespMs: 500, qrv: 1, qqi: 1 });
        const a = p.got[0];
        if (a?.version === 3) {
          frames.push(p.sent, a.frame.number);
          return t.pass(describe([a]), frames, { compatTimeoutMs: Math.round(p.sentAt - v2.sentAt) });
        }
        await t.env.sleep(Math.max(0, p.sentAt + p.limitMs - t.env.now()));
      }
      return t.fail(`IGMPv3 answers again within ${boundMs} ms of the last v2 query`, "still IGMPv2", frames);
    },
  },
  {
    id: "host.compat-v2",
    title: "A v2 General Query is answered with a v2 report (IGMPv2 compatibility mode)",
    rfc: "RFC 9776 §7.2.1",
    level: "MUST",
    role: "host",
    versions: [3],
    late: true,
    async run(t) {
      const g = t.group();
      await joinAndSettle(t, g);
      await teachDefaultTimers(t, g);
      const r = await queryAndWait(t, g, { version: 2 });
      if (r.got.length === 0) return t.fail(`a v2 report for ${g}`, silence(r), shown(r));
      const a = r.got[0]!;
      if (a.version !== 2) return t.fail(`a v2 report for ${g}`, describe([a]), [r.sent, a.frame.number]);
      return t.pass(describe([a]), [r.sent, a.frame.number]);
    },
  },
  {
    id: "host.compat-v1",
    title: "A v1 query is answered with a v1 report (IGMPv1 compatibility mode)",
    rfc: "RFC 9776 §7.2.1; RFC 2236 §4",
    level: "MUST",
    role: "host",
    versions: [2, 3],
    late: true,
    async run(t) {
      const g = t.group();
      await joinAndSettle(t, g);
      if (t.settings.version === 3) await teachDefaultTimers(t, g);
      const r = await queryAndWait(t, g, { version: 1 });
      if (r.got.length === 0) return t.fail(`a v1 report for ${g} within 10 s`, silence(r), shown(r));
      const a = r.got[0]!;
      if (a.version !== 1) return t.fail(`a v1 report for ${g}`, describe([a]), [r.sent, a.frame.number]);
      return t.pass(describe([a]), [r.sent, a.frame.number]);
    },
  },
];
