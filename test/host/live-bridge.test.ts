/**
 * The emulator against the Linux bridge as IGMP querier and snooping switch (v3 and v2): what the bridge
 * learns (`bridge -j -d mdb show`) is exactly what the emulated hosts hold, leaves take it away within the
 * last-member-query time, and the memberships of a deaf or crashed host expire with the membership interval.
 */
import { expect, it } from "vitest";
import { Lab, describeLive, waitFor, type Bridge, type MdbEntry } from "../lab/index.js";
import { withEmulation } from "./live-helpers.js";

/** The bridge's (*,G) rows on port p1 as "group mode [sources]". */
async function table(br: Bridge, groups?: readonly string[]): Promise<string[]> {
  const rows = (await br.mdb()).filter((e: MdbEntry) => e.port === "p1" && !e.src && !e.grp.includes(":") && (groups === undefined || groups.includes(e.grp)));
  return rows
    .map((e) => `${e.grp} ${e.filter_mode ?? "-"} [${(e.source_list ?? []).map((s) => s.address).sort().join(",")}]`)
    .sort();
}

const same = (want: string[]) => async (br: Bridge, groups?: readonly string[]) => {
  const got = await table(br, groups);
  return JSON.stringify(got) === JSON.stringify([...want].sort()) ? got : undefined;
};

async function bridgeLab(lab: Lab, version: 2 | 3, extra: { membershipIntervalMs?: number; queryIntervalMs?: number } = {}) {
  const h = await lab.netns("h");
  const sw = await lab.netns("sw");
  const link = await lab.veth(h, sw, { nameA: "eth0", nameB: "p1" });
  const br = await lab.bridge(sw, {
    querier: true,
    igmpVersion: version,
    queryIntervalMs: extra.queryIntervalMs ?? 5000,
    queryResponseIntervalMs: 1000,
    startupQueryIntervalMs: 1000,
    startupQueryCount: 2,
    lastMemberIntervalMs: 200,
    lastMemberCount: 2,
    ...(extra.membershipIntervalMs !== undefined ? { membershipIntervalMs: extra.membershipIntervalMs } : {}),
    address: "198.18.0.1/24",
  });
  await br.addPort(link.b);
  return { h, br };
}

/** Last member query time of the bridges above: count 2 x interval 200 ms. */
const LMQT_MS = 400;
/** Headroom for a loaded CI machine (the bridge's own timers run in softirq with jiffy granularity). */
const SLACK_MS = 2000;

describeLive("emulator vs Linux bridge querier (live)", ["cap", "bridge"], () => {
  it("IGMPv3: ASM and SSM groups, INCLUDE and EXCLUDE source lists are learned exactly; leaves clear them within LMQT", async () => {
    await Lab.with(async (lab) => {
      const { h, br } = await bridgeLab(lab, 3);
      await withEmulation(h.name, "eth0", { hosts: 4, firstIp: "198.18.0.10", seed: 11, hostOptions: { unsolicitedReportIntervalMs: 300 } }, async (em) => {
        const d = em.driver;
        d.op(0, { op: "join", group: "239.1.1.1" });
        d.op(1, { op: "join", group: "239.1.1.2" });
        d.op(1, { op: "blockSource", group: "239.1.1.2", source: "198.18.0.77" });
        d.op(2, { op: "joinSource", group: "232.1.1.1", source: "198.18.0.9" });
        d.op(3, { op: "setSourceFilter", group: "239.1.1.3", mode: "include", sources: ["198.18.0.5", "198.18.0.6"] });
        const want = ["239.1.1.1 exclude []", "239.1.1.2 exclude [198.18.0.77]", "232.1.1.1 include [198.18.0.9]", "239.1.1.3 include [198.18.0.5,198.18.0.6]"];
        await waitFor("the bridge to learn every membership", () => same(want)(br), { timeoutMs: 15_000 });
        // Still exact after general queries have been answered (current-state records, not just state changes).
        await waitFor("two general queries answered", () => em.emulator.stats().total.queriesHeard.v3General >= 2 || undefined, { timeoutMs: 20_000 });
        expect(await table(br)).toEqual([...want].sort());

        // A source change: 239.1.1.3 drops .5 and adds .7 (BLOCK + ALLOW).
        d.op(3, { op: "setSourceFilter", group: "239.1.1.3", mode: "include", sources: ["198.18.0.6", "198.18.0.7"] });
        await waitFor("the source change", () => same(["239.1.1.3 include [198.18.0.6,198.18.0.7]"])(br, ["239.1.1.3"]), { timeoutMs: 5000 });

        // Leaves: every host closes its socket; each group must go within the last member query time.
        const t0 = performance.now();
        for (let i = 0; i < 4; i++) d.op(i, { op: "closeSocket" });
        await waitFor("every entry to go", async () => ((await table(br)).length === 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
        expect(performance.now() - t0).toBeLessThan(LMQT_MS + SLACK_MS);
        await em.stop("leave");
      });
    });
  });

  it("IGMPv2: v2 hosts are learned; a leave from one of two members is answered by the other; the last leave clears the entry", async () => {
    await Lab.with(async (lab) => {
      const { h, br } = await bridgeLab(lab, 2);
      await withEmulation(h.name, "eth0", { hosts: 3, firstIp: "198.18.0.20", version: 2, seed: 5, hostOptions: { oldUnsolicitedReportIntervalMs: 500 } }, async (em) => {
        const d = em.driver;
        d.op(0, { op: "join", group: "239.2.2.1" });
        d.op(1, { op: "join", group: "239.2.2.1" });
        d.op(2, { op: "join", group: "239.2.2.2" });
        const grps = async () => [...new Set((await br.mdb()).filter((e) => e.port === "p1" && !e.grp.includes(":")).map((e) => e.grp))].sort();
        await waitFor("both groups", async () => (JSON.stringify(await grps()) === JSON.stringify(["239.2.2.1", "239.2.2.2"]) ? true : undefined), { timeoutMs: 15_000 });
        await waitFor("a general query answered", () => em.emulator.stats().total.queriesHeard.v2General >= 1 || undefined, { timeoutMs: 15_000 });
        // Host 0 leaves; whether it sends a Leave depends on who reported last. Either way host 1 keeps the group.
        d.op(0, { op: "leave", group: "239.2.2.1" });
        const specific = em.emulator.stats().total.queriesHeard.v2Group;
        await new Promise((r) => setTimeout(r, LMQT_MS + SLACK_MS));
        expect(await grps()).toEqual(["239.2.2.1", "239.2.2.2"]);
        if (em.emulator.stats().hosts[0]!.stats.reportsSent.leave > 0) expect(em.emulator.stats().hosts[1]!.stats.queriesHeard.v2Group).toBeGreaterThan(specific);
        // Now the last members leave: gone within the last member query time.
        const t0 = performance.now();
        d.op(1, { op: "leave", group: "239.2.2.1" });
        d.op(2, { op: "leave", group: "239.2.2.2" });
        await waitFor("both entries to go", async () => ((await grps()).length === 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
        expect(performance.now() - t0).toBeLessThan(LMQT_MS + SLACK_MS);
        expect(em.emulator.stats().total.reportsSent.leave).toBeGreaterThanOrEqual(2);
      });
    });
  });

  it("a deaf host's and a crashed host's memberships expire with the membership interval; a live host's stay", async () => {
    const membershipMs = 3000;
    await Lab.with(async (lab) => {
      const { h, br } = await bridgeLab(lab, 3, { membershipIntervalMs: membershipMs, queryIntervalMs: 1000 });
      const hosts = [{ ip: "198.18.0.30", deaf: true }, { ip: "198.18.0.31" }, { ip: "198.18.0.32" }];
      await withEmulation(h.name, "eth0", { hosts, seed: 3, hostOptions: { unsolicitedReportIntervalMs: 300 } }, async (em) => {
        const d = em.driver;
        d.op(0, { op: "join", group: "239.3.3.1" });
        d.op(1, { op: "join", group: "239.3.3.2" });
        d.op(2, { op: "join", group: "239.3.3.3" });
        await waitFor("three entries", () => same(["239.3.3.1 exclude []", "239.3.3.2 exclude []", "239.3.3.3 exclude []"])(br), { timeoutMs: 10_000 });
        const tJoin = performance.now();
        d.op(2, { op: "crash" });
        await waitFor("the deaf and crashed hosts' entries to expire", () => same(["239.3.3.2 exclude []"])(br), { timeoutMs: membershipMs + 10_000, intervalMs: 100 });
        const gone = performance.now() - tJoin;
        // Not before the membership interval (no leave was sent), not much after it.
        expect(gone).toBeGreaterThan(1000);
        expect(gone).toBeLessThan(membershipMs + SLACK_MS + 1000);
        expect(em.emulator.stats().hosts[0]!.stats.queriesHeard.v3General).toBe(0);
        expect(em.emulator.stats().hosts[1]!.stats.queriesHeard.v3General).toBeGreaterThan(0);
        expect(em.emulator.stats().hosts[2]!.stats.reportsSent.v3).toBeLessThanOrEqual(2); // the join and at most its one repetition: nothing after the crash
        // The live host keeps its membership for another membership interval and more.
        await new Promise((r) => setTimeout(r, membershipMs));
        expect(await table(br)).toEqual(["239.3.3.2 exclude []"]);
        await em.stop("leave");
      });
    });
  });
});
