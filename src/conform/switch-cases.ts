/**
 * Role switch (RFC 4541): the runner plays hosts on two or more ports and a multicast source on another,
 * and watches where the switch forwards the traffic and the reports. Join and leave delay are measured
 * as RFC 3918 §6 defines them: from the report (or leave) to the first (or last) datagram on the port.
 */
import { macForIp } from "../host/emulator.js";
import { ipv4ToNumber, isMulticast, numberToIPv4, type RecordInit } from "../wire/index.js";
import { joinReport, leaveReport, peer, sendReport, udpFrame, udpSeq, type ReportInit } from "./lan.js";
import type { CaseContext, ConformCase, ConformEnv, LanFrame, SwitchPorts } from "./types.js";

const STREAM_MS = 10;

function ports(env: ConformEnv): SwitchPorts {
  if (env.ports === undefined || env.sendOn === undefined || env.stream === undefined || env.ports.hosts.length < 2) {
    throw new Error("role switch needs two host ports and a source port (--port twice, --source-port)");
  }
  return env.ports;
}

/** Datagrams for `group` seen on `port` after frame `since` (the runner's own sends excluded). */
function datagrams(t: CaseContext, port: string, group: string, since: number): LanFrame[] {
  const out: LanFrame[] = [];
  for (let i = since; i < t.env.frames.length; i++) {
    const f = t.env.frames[i]!;
    if (!f.sent && f.port === port && f.decoded.ipDst === group && udpSeq(f) !== null) out.push(f);
  }
  return out;
}

/** A host the runner plays on a port: sends its frames there. */
async function hostSend(t: CaseContext, port: string, r: ReportInit) {
  const env = t.env;
  const onPort: ConformEnv = { ...env, send: (f: Uint8Array) => env.sendOn!(port, f) } as ConformEnv;
  return sendReport(onPort, peer(t, 1), r);
}

/** The host the runner plays on `port` joins `group` (a state-change report in v3). */
const hostJoin = (t: CaseContext, port: string, group: string) => hostSend(t, port, joinReport(t.settings.version, group, { change: true }));
/** ... and leaves it. */
const hostLeave = (t: CaseContext, port: string, group: string) => hostSend(t, port, leaveReport(t.settings.version, group));

const round = (x: number) => Math.round(x * 10) / 10;

/** The multicast source sending as `ip` (its own MAC), for source-filtering cases. */
const sourceAt = (ip: string) => ({ ip, mac: macForIp(ip) });

/**
 * The member on host port `a` reports `filter` for `g` while the source port streams from both sources;
 * returns how many datagrams from each reached `a` once the switch had 200 ms to act on the report.
 */
async function filteredStreams(t: CaseContext, g: string, filter: RecordInit, undo: RecordInit): Promise<{ s1: LanFrame[]; s2: LanFrame[]; report: LanFrame }> {
  const p = ports(t.env);
  const a = p.hosts[0]!;
  const [s1, s2] = t.settings.sources;
  const stops = [s1, s2].map((s) => t.env.stream!(p.source, (i) => udpFrame(sourceAt(s), g, i), STREAM_MS));
  try {
    await t.env.sleep(200);
    const report = await hostSend(t, a, { version: 3, records: [filter] });
    await t.env.sleep(800);
    const got = datagrams(t, a, g, report.number).filter((f) => f.timeMs > report.timeMs + 200);
    await hostSend(t, a, { version: 3, records: [undo] });
    return { s1: got.filter((f) => f.decoded.ipSrc === s1), s2: got.filter((f) => f.decoded.ipSrc === s2), report };
  } finally {
    for (const stop of stops) stop();
  }
}

/** The capacity case's groups start this far past the first group, clear of the other cases' 8 each. */
export const CAPACITY_GROUP_OFFSET = 4096;

/** The group counts the capacity case tries: 16, 32, 64, ... below `max`, then `max`. */
export function capacitySteps(max: number): number[] {
  const out: number[] = [];
  for (let n = 16; n < max; n *= 2) out.push(n);
  out.push(max);
  return out;
}

/** Per port, the groups of `groups` that the runner's datagrams reached after frame `since`. */
function reached(t: CaseContext, since: number, groups: ReadonlySet<string>): Map<string, Map<string, LanFrame>> {
  const out = new Map<string, Map<string, LanFrame>>();
  for (let i = since; i < t.env.frames.length; i++) {
    const f = t.env.frames[i]!;
    const g = f.decoded.ipDst;
    if (f.sent || f.port === undefined || g === null || !groups.has(g) || udpSeq(f) === null) continue;
    let m = out.get(f.port);
    if (m === undefined) out.set(f.port, (m = new Map()));
    if (!m.has(g)) m.set(g, f);
  }
  return out;
}

export const switchCases: ConformCase[] = [
  {
    id: "switch.forward-to-members",
    title: "Traffic for a group goes to member ports only, once a member reports (join delay measured)",
    rfc: "RFC 4541 §2.1.2; RFC 3918 §6.1",
    level: "MUST",
    role: "switch",
    versions: [2, 3],
    needsHook: false,
    async run(t) {
      const p = ports(t.env);
      const [a, b] = [p.hosts[0]!, p.hosts[1]!];
      const delays: number[] = [];
      const frames: number[] = [];
      for (let k = 0; k < 3; k++) {
        const g = t.group(k);
        const stop = t.env.stream!(p.source, (i) => udpFrame(t.env.self, g, i), STREAM_MS);
        try {
          await t.env.sleep(300);
          const join = await hostJoin(t, a, g);
          await t.env.sleep(1000);
          const atA = datagrams(t, a, g, join.number);
          const atB = datagrams(t, b, g, join.number).filter((f) => f.timeMs > join.timeMs + 200);
          frames.push(join.number);
          if (atA.length === 0) return t.fail(`${g} forwarded to ${a} after its member reported`, "nothing on the member port", frames);
          if (atB.length > 0) return t.fail(`${g} not forwarded to ${b} (no member, not a router port)`, `${atB.length} datagrams on ${b}`, [...frames, atB[0]!.number]);
          // Two captures' clocks: a datagram stamped a hair before the report counts as 0.
          delays.push(Math.max(0, atA[0]!.timeMs - join.timeMs));
          await hostLeave(t, a, g);
        } finally {
          stop();
        }
      }
      const m = { joinDelayMinMs: round(Math.min(...delays)), joinDelayMeanMs: round(delays.reduce((x, y) => x + y, 0) / delays.length), joinDelayMaxMs: round(Math.max(...delays)) };
      return t.pass(`join delay ${m.joinDelayMinMs}/${m.joinDelayMeanMs}/${m.joinDelayMaxMs} ms (min/mean/max over 3 joins)`, frames, m);
    },
  },
  {
    id: "switch.leave-prunes",
    title: "After the last member leaves, traffic to its port stops within the last member query time (leave delay measured)",
    rfc: "RFC 4541 §2.1.1; RFC 3918 §6.2; RFC 9776 §6.4",
    level: "MUST",
    role: "switch",
    versions: [2, 3],
    needsHook: false,
    async run(t) {
      const p = ports(t.env);
      const a = p.hosts[0]!;
      const g = t.group();
      const stop = t.env.stream!(p.source, (i) => udpFrame(t.env.self, g, i), STREAM_MS);
      try {
        await hostJoin(t, a, g);
        await t.env.sleep(500);
        const leave = await hostLeave(t, a, g);
        const lmqt = t.settings.lastMemberCount * t.settings.lastMemberIntervalMs;
        await t.env.sleep(lmqt + 1500);
        const after = datagrams(t, a, g, leave.number);
        const last = after[after.length - 1];
        // Two captures' clocks, as for the join delay: a last datagram stamped a hair before the leave counts as 0.
        const delay = last === undefined ? 0 : Math.max(0, last.timeMs - leave.timeMs);
        const quiet = after.length === 0 || t.env.now() - last!.timeMs > 500;
        if (!quiet) return t.fail(`no traffic for ${g} on ${a} after the last member query time (${lmqt} ms)`, `still forwarded ${Math.round(delay)} ms after the leave`, [leave.number, last!.number]);
        if (delay > lmqt + 500) return t.fail(`traffic stopped within ${lmqt} ms (+500) of the leave`, `stopped after ${Math.round(delay)} ms`, [leave.number, last!.number]);
        return t.pass(`leave delay ${Math.round(delay)} ms (last member query time ${lmqt} ms)`, [leave.number, ...(last ? [last.number] : [])], { leaveDelayMs: round(delay) });
      } finally {
        stop();
      }
    },
  },
  {
    id: "switch.reports-not-forwarded",
    title: "A host's report is not forwarded to the other hosts' ports",
    rfc: "RFC 4541 §2.1.1",
    level: "SHOULD",
    role: "switch",
    versions: [2, 3],
    needsHook: false,
    async run(t) {
      const p = ports(t.env);
      const [a, b] = [p.hosts[0]!, p.hosts[1]!];
      const g = t.group();
      const rep = await hostJoin(t, a, g);
      await t.env.sleep(500);
      const seen = t.env.frames.slice(rep.number).filter((f) => !f.sent && f.port === b && f.decoded.igmp !== null && f.decoded.ipSrc === rep.decoded.ipSrc);
      await hostLeave(t, a, g);
      if (seen.length > 0) return t.fail(`the report from ${a} not seen on ${b}`, `forwarded to ${b}`, [rep.number, seen[0]!.number]);
      return t.pass("not forwarded", [rep.number]);
    },
  },
  {
    id: "switch.source-filtering",
    title: "IGMPv3 source filtering: an INCLUDE {S1} member gets S1's traffic and not S2's; an EXCLUDE {S2} member gets S1's, not S2's",
    rfc: "RFC 4541 §2.1.2; RFC 9776 §6.3",
    level: "SHOULD",
    role: "switch",
    versions: [3],
    needsHook: false,
    async run(t) {
      const [s1, s2] = t.settings.sources;
      const [gi, ge] = [t.group(0), t.group(1)];
      const inc = await filteredStreams(t, gi, { type: "ALLOW_NEW_SOURCES", group: gi, sources: [s1] }, { type: "BLOCK_OLD_SOURCES", group: gi, sources: [s1] });
      const exc = await filteredStreams(t, ge, { type: "CHANGE_TO_EXCLUDE_MODE", group: ge, sources: [s2] }, { type: "CHANGE_TO_INCLUDE_MODE", group: ge, sources: [] });
      const m = { includeS1: inc.s1.length, includeS2: inc.s2.length, excludeS1: exc.s1.length, excludeS2: exc.s2.length };
      const frames = [inc.report.number, exc.report.number];
      const wrong: string[] = [];
      const shown: number[] = [];
      for (const [what, got, want] of [
        [`INCLUDE {${s1}}: ${s1}`, inc.s1, true],
        [`INCLUDE {${s1}}: ${s2}`, inc.s2, false],
        [`EXCLUDE {${s2}}: ${s1}`, exc.s1, true],
        [`EXCLUDE {${s2}}: ${s2}`, exc.s2, false],
      ] as const) {
        if ((got.length > 0) !== want) {
          wrong.push(`${what} ${want ? "not forwarded" : `forwarded (${got.length} datagrams)`}`);
          if (got[0]) shown.push(got[0].number);
        }
      }
      const counts = `datagrams on the member port: INCLUDE {${s1}} ${m.includeS1} from ${s1}, ${m.includeS2} from ${s2}; EXCLUDE {${s2}} ${m.excludeS1} from ${s1}, ${m.excludeS2} from ${s2}`;
      if (wrong.length > 0) return { ...t.fail(`${s1}'s traffic forwarded to the member, ${s2}'s not, in both filter modes`, `${wrong.join("; ")} (${counts})`, [...frames, ...shown]), measurements: m };
      return t.pass(counts, frames, m);
    },
  },
  {
    id: "switch.link-local-flooded",
    title: "Traffic to 224.0.0.x is flooded to every port, members or not",
    rfc: "RFC 4541 §2.1.2 (2)",
    level: "MUST",
    role: "switch",
    versions: [2, 3],
    needsHook: false,
    async run(t) {
      const p = ports(t.env);
      const g = "224.0.0.251";
      const first = t.env.frames.length;
      for (let i = 0; i < 5; i++) {
        await t.env.sendOn!(p.source, udpFrame(t.env.self, g, i));
        await t.env.sleep(20);
      }
      await t.env.sleep(300);
      const missing = p.hosts.filter((port) => datagrams(t, port, g, first).length === 0);
      if (missing.length > 0) return t.fail(`${g} on every port`, `nothing on ${missing.join(", ")}`, []);
      return t.pass(`on ${p.hosts.join(", ")}`, [datagrams(t, p.hosts[0]!, g, first)[0]!.number]);
    },
  },
  {
    id: "switch.group-capacity",
    title: "Group capacity: how many groups joined on one port are forwarded to it and to no other port (up to --max-groups)",
    rfc: "RFC 3918 §7.1",
    level: "MAY",
    role: "switch",
    versions: [2, 3],
    needsHook: false,
    // A full table may leave the switch degraded for good (the Linux bridge turns snooping off): run it last.
    late: true,
    async run(t) {
      const p = ports(t.env);
      const [a, ...others] = p.hosts as [string, ...string[]];
      const max = t.settings.maxGroups;
      const base = ipv4ToNumber(t.settings.firstGroup) + CAPACITY_GROUP_OFFSET;
      if (base + max - 1 > 0xefffffff || !isMulticast(numberToIPv4(base))) {
        return t.inconclusive(`no room for ${max} groups from ${t.settings.firstGroup} + ${CAPACITY_GROUP_OFFSET} on (give a lower --first-group or --max-groups)`);
      }
      const groups = Array.from({ length: max }, (_, i) => numberToIPv4(base + i));
      const steps = capacitySteps(max);
      let capacity = 0;
      let joined = 0;
      let failure: { n: number; missing: string[]; leaked: LanFrame[] } | null = null;
      const frames: number[] = [];
      try {
        for (const n of steps) {
          // Every group up to n is reported again, so none times out while the steps run.
          for (let i = 0; i < n; i++) {
            const r = await hostSend(t, a, joinReport(t.settings.version, groups[i]!));
            if (i === joined) frames.push(r.number);
          }
          joined = n;
          await t.env.sleep(200);
          const since = t.env.frames.length;
          for (let round = 0; round < 3; round++) {
            for (let i = 0; i < n; i++) await t.env.sendOn!(p.source, udpFrame(t.env.self, groups[i]!, round));
            await t.env.sleep(STREAM_MS);
          }
          await t.env.sleep(300);
          const seen = reached(t, since, new Set(groups.slice(0, n)));
          const missing = groups.slice(0, n).filter((g) => !seen.get(a)?.has(g));
          const leaked = others.flatMap((o) => [...(seen.get(o)?.values() ?? [])]);
          if (missing.length > 0 || leaked.length > 0) {
            failure = { n, missing, leaked };
            break;
          }
          capacity = n;
        }
      } finally {
        for (let i = 0; i < joined; i++) await hostSend(t, a, leaveReport(t.settings.version, groups[i]!));
      }
      const range = `${groups[0]}..${groups[max - 1]}`;
      if (failure === null) return t.pass(`all ${max} groups (${range}) forwarded to the member port only (tried ${steps.join(", ")})`, frames, { groupCapacity: capacity });
      const { n, missing, leaked } = failure;
      const leakedGroups = new Set(leaked.map((f) => f.decoded.ipDst)).size;
      const observed = `largest fully correct: ${capacity === 0 ? `none (fewer than ${n})` : `${capacity} groups`}; at ${n} groups ${missing.length} not forwarded to the member port ${a}, ${leakedGroups} forwarded to a port without members`;
      return {
        ...t.fail(`each of ${max} groups (--max-groups) forwarded to its member port and no other`, observed, [...frames, ...leaked.slice(0, 1).map((f) => f.number)]),
        measurements: { groupCapacity: capacity, firstFailedGroups: n, missingGroups: missing.length, leakedGroups },
      };
    },
  },
];
