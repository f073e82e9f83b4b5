/**
 * Role switch (RFC 4541): the runner plays hosts on two or more ports and a multicast source on another,
 * and watches where the switch forwards the traffic and the reports. Join and leave delay are measured
 * as RFC 3918 §6 defines them: from the report (or leave) to the first (or last) datagram on the port.
 */
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
        const delay = last === undefined ? 0 : last.timeMs - leave.timeMs;
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
];
