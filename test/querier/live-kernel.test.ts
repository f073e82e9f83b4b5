/**
 * igmpkit's querier against Linux kernel hosts forced to IGMPv1, v2 and v3 on one hub: each answers the
 * general, group-specific and group-and-source-specific queries within the Max Resp Time, with the records
 * its sockets imply: the v3 host with the records of the queried group and sources, the v2 host with a v2
 * report of the queried group (a v2 host knows no sources), the v1 host with v1 reports of every group it
 * holds within its fixed 10 s (RFC 1112 hosts read no group in a query: every query they hear is a general
 * one; a group-specific query goes to its group, so only the group's members hear it).
 */
import { expect, it } from "vitest";
import type { IgmpMessage } from "../../src/wire/index.js";
import { Lab, describeLive, waitFor } from "../lab/index.js";
import { sleep, withQuerier, type LiveQuerier } from "./live-helpers.js";

const G1 = "239.7.7.1";
const G2 = "232.7.7.2";
const G3 = "239.7.7.3";
const G4 = "239.7.7.4";
const S1 = "198.18.9.1";
const S2 = "198.18.9.2";
const S3 = "198.18.9.3";
/** Delivery through veth, the bridge and the capture agent, on a loaded machine. */
const SLACK_MS = 400;

type Answer = { t: number; src: string; what: string[] };

/** What each host sent after `since`: v1/v2 reports as "v1 G" / "v2 G", v3 records as "IS_EX G [sources]". */
function answers(q: LiveQuerier, since: number): Answer[] {
  return q.heard
    .filter((h) => h.t >= since && h.d.ipSrc !== null)
    .map((h) => ({ t: h.t, src: h.d.ipSrc!, what: describe(h.d.igmp!) }))
    .filter((a) => a.what.length > 0);
}

function describe(m: IgmpMessage): string[] {
  if (m.kind === "v1-report" || m.kind === "v2-report") return m.group.startsWith("239.") || m.group.startsWith("232.") ? [`${m.kind === "v1-report" ? "v1" : "v2"} ${m.group}`] : [];
  if (m.kind !== "v3-report") return [];
  return m.records.filter((r) => r.group.startsWith("239.") || r.group.startsWith("232.")).map((r) => `${r.kind} ${r.group} [${[...r.sources].sort().join(",")}]`);
}

describeLive("querier vs Linux kernel hosts v1, v2, v3 (live)", ["cap", "python3", "sysctl", "bridge"], () => {
  it("general, group-specific and group-and-source-specific queries answered within Max Resp Time with the sockets' records", async () => {
    await Lab.with(async (lab) => {
      const sw = await lab.netns("sw");
      const br = await lab.bridge(sw, { snooping: false });
      const qn = await lab.netns("q");
      const ql = await lab.veth(qn, sw, { nameA: "eth0", nameB: "pq" });
      await br.addPort(ql.b);
      const hosts: Record<1 | 2 | 3, { ip: string; k: Awaited<ReturnType<Lab["kernelHost"]>> }> = {} as never;
      for (const v of [1, 2, 3] as const) {
        const ns = await lab.netns(`k${v}`);
        const ip = `198.18.0.1${v}`;
        const l = await lab.veth(ns, sw, { nameA: "eth0", nameB: `p${v}`, addrA: `${ip}/24` });
        await br.addPort(l.b);
        hosts[v] = { ip, k: await lab.kernelHost(ns, "eth0", { version: v, unsolicitedReportIntervalMs: 100 }) };
      }
      await hosts[3].k.join(G1);
      await hosts[3].k.joinSource(G2, S1);
      await hosts[3].k.joinSource(G2, S2);
      await hosts[2].k.join(G3);
      await hosts[1].k.join(G4);
      await sleep(1000); // the unsolicited reports are out
      await withQuerier(qn.name, "eth0", { address: "198.18.0.5", queryInterval: 60, queryResponseInterval: 2, lastMemberQueryInterval: 1, startupQueryCount: 1 }, async (q) => {
        // The general query (startup): every host answers with its whole state, v1 within 10 s (RFC 1112), the others within 2 s.
        const g = q.sent[0]!;
        expect(g.d.igmp).toMatchObject({ kind: "query", version: 3, group: "0.0.0.0", maxRespTime: 2 });
        await waitFor("every host to answer the general query", () => {
          const a = answers(q, g.t);
          return [1, 2, 3].every((v) => a.some((x) => x.src === hosts[v as 1 | 2 | 3].ip)) || undefined;
        }, { timeoutMs: 12_000, intervalMs: 100 });
        const ga = answers(q, g.t);
        const by = (v: 1 | 2 | 3) => ga.filter((a) => a.src === hosts[v].ip);
        expect(by(3)[0]!.what.sort()).toEqual([`MODE_IS_EXCLUDE ${G1} []`, `MODE_IS_INCLUDE ${G2} [${S1},${S2}]`]);
        expect(by(3)[0]!.t - g.t).toBeLessThan(2000 + SLACK_MS);
        expect(by(2)[0]!.what).toEqual([`v2 ${G3}`]);
        expect(by(2)[0]!.t - g.t).toBeLessThan(2000 + SLACK_MS);
        expect(by(1)[0]!.what).toEqual([`v1 ${G4}`]);
        expect(by(1)[0]!.t - g.t).toBeLessThan(10_000 + SLACK_MS);
        await sleep(2500);

        // Group-specific queries (each goes to its group: only its members hear it): the v3 host answers for
        // G1 only, the v2 host for G3, within LMQI (1 s); the v1 host, for whom every query is general, for
        // G4 within its 10 s (checked at the end).
        const t1 = performance.now();
        q.driver.query({ group: G1 });
        q.driver.query({ group: G3 });
        q.driver.query({ group: G4 });
        await waitFor("the group-specific answers", () => {
          const a = answers(q, t1);
          return (a.some((x) => x.src === hosts[3].ip) && a.some((x) => x.src === hosts[2].ip)) || undefined;
        }, { timeoutMs: 3000, intervalMs: 50 });
        const sa = answers(q, t1);
        const v3a = sa.filter((a) => a.src === hosts[3].ip);
        expect(v3a.flatMap((a) => a.what)).toEqual([`MODE_IS_EXCLUDE ${G1} []`]);
        expect(v3a[0]!.t - t1).toBeLessThan(1000 + SLACK_MS);
        const v2a = sa.filter((a) => a.src === hosts[2].ip);
        expect(v2a[0]!.what).toEqual([`v2 ${G3}`]);
        expect(v2a[0]!.t - t1).toBeLessThan(1000 + SLACK_MS);
        await sleep(1500);

        // Group-and-source-specific queries: for G2 with S1 and S3, the v3 host listens to S1 only; for G3
        // with S1, the v2 host answers as to a group-specific query.
        const t2 = performance.now();
        q.driver.query({ group: G2, sources: [S1, S3] });
        q.driver.query({ group: G3, sources: [S1] });
        await waitFor("the group-and-source answers", () => {
          const a = answers(q, t2);
          return (a.some((x) => x.src === hosts[3].ip) && a.some((x) => x.src === hosts[2].ip)) || undefined;
        }, { timeoutMs: 3000, intervalMs: 50 });
        const gs = answers(q, t2).filter((a) => a.src === hosts[3].ip);
        expect(gs[0]!.what).toEqual([`MODE_IS_INCLUDE ${G2} [${S1}]`]);
        expect(gs[0]!.t - t2).toBeLessThan(1000 + SLACK_MS);
        const gs2 = answers(q, t2).filter((a) => a.src === hosts[2].ip);
        expect(gs2[0]!.what).toEqual([`v2 ${G3}`]);
        expect(gs2[0]!.t - t2).toBeLessThan(1000 + SLACK_MS);
        // The v1 host's answer to the group-specific queries at t1 (its timer, once running, is kept by later queries).
        await waitFor("the v1 host's answer", () => answers(q, t1).find((x) => x.src === hosts[1].ip), { timeoutMs: Math.max(0, t1 + 10_000 + SLACK_MS - performance.now()) + 100, intervalMs: 100 });
        const v1a = answers(q, t1).filter((a) => a.src === hosts[1].ip);
        expect(v1a[0]!.what).toEqual([`v1 ${G4}`]);
        expect(v1a[0]!.t - t1).toBeLessThan(10_000 + SLACK_MS);
        // The querier's own state holds what the sockets imply.
        const st = q.querier.snapshot().state.groups.filter((x) => x.group !== "224.0.0.1");
        expect(st.map((x) => [x.group, x.filterMode, x.sources.map((s) => s.source).sort(), x.compatMode])).toEqual([
          [G2, "include", [S1, S2], 3],
          [G1, "exclude", [], 3],
          [G3, "exclude", [], 2],
          [G4, "exclude", [], 1],
        ]);
      });
      for (const v of [1, 2, 3] as const) await hosts[v].k.close();
    });
  });
});
