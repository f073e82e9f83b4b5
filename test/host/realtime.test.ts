import { describe, expect, it } from "vitest";
import { Emulator, parseScenario, RealtimeDriver, type RealtimeIo } from "../../src/host/index.js";
import { decodeFrame, v2Query, v3Query } from "../../src/wire/index.js";
import { frameOf } from "./helpers.js";

/** A fake clock and timer: `advanceTo` fires timers in order, as the event loop would. */
function fakeIo() {
  let now = 1000;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const sent: { t: number; data: Uint8Array }[] = [];
  const io: RealtimeIo = {
    now: () => now,
    setTimer: (ms, fn) => {
      const id = ++seq;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimer: (h) => void timers.delete(h as number),
    send: (data) => {
      sent.push({ t: now, data });
    },
  };
  const advanceTo = (t: number): void => {
    for (;;) {
      let best: [number, { at: number; fn: () => void }] | undefined;
      for (const e of timers) if (e[1].at <= t && (best === undefined || e[1].at < best[1].at)) best = e;
      if (best === undefined) break;
      timers.delete(best[0]);
      now = Math.max(now, best[1].at);
      best[1].fn();
    }
    now = t;
  };
  /** Like advanceTo, but a pending promise (stop) gets to run between timers. */
  const runAsync = async (p: Promise<void>, limit: number): Promise<void> => {
    let done = false;
    void p.then(() => (done = true));
    while (!done && now < limit) {
      await Promise.resolve();
      await new Promise((r) => setImmediate(r));
      const next = Math.min(...[...timers.values()].map((x) => x.at), limit);
      advanceTo(next);
    }
    await p;
  };
  return { io, sent, advanceTo, runAsync, timers, get now() { return now; } };
}

const kinds = (sent: { data: Uint8Array }[]) =>
  sent.map((s) => {
    const m = decodeFrame({ data: s.data, linkType: 1 }).igmp!;
    return m.kind === "v3-report" ? "v3-report " + m.records.map((r) => `${r.kind} ${r.group}`).join("+") : `${m.kind} ${"group" in m ? m.group : ""}`;
  });

describe("RealtimeDriver: the live loop on a fake clock", () => {
  it("runs the timeline at its times, answers queries within Max Resp Time, one armed timer", () => {
    const s = parseScenario({
      hosts: [{ firstIp: "198.18.0.10", count: 2 }],
      timeline: [
        { at: 0, host: 0, op: "join", group: "239.1.1.1" },
        { at: 2, host: 1, op: "join", group: "239.1.1.2" },
      ],
    });
    const f = fakeIo();
    const d = new RealtimeDriver(new Emulator(s.emulator), f.io, { timeline: s.timeline });
    d.start();
    expect(kinds(f.sent)).toEqual(["v3-report CHANGE_TO_EXCLUDE_MODE 239.1.1.1"]);
    expect(f.timers.size).toBe(1);
    f.advanceTo(1999 + 1000);
    expect(f.sent).toHaveLength(2); // the retransmission, within the 1 s Unsolicited Report Interval
    f.advanceTo(2000 + 1000);
    expect(f.sent.map((x) => x.t)).toContain(3000);
    f.advanceTo(10_000);
    const before = f.sent.length;
    expect(before).toBe(4);
    d.receive(frameOf(v3Query({ maxRespTime: 2 })));
    f.advanceTo(12_001);
    const answers = f.sent.slice(before);
    expect(kinds(answers).sort()).toEqual(["v3-report MODE_IS_EXCLUDE 239.1.1.1", "v3-report MODE_IS_EXCLUDE 239.1.1.2"]);
    for (const a of answers) expect(a.t).toBeLessThanOrEqual(12_000);
    expect(f.timers.size).toBeLessThanOrEqual(1);
    const ds = d.delayStats(0);
    expect(ds.answers).toBe(1);
    expect(ds.maxRatio).toBeLessThanOrEqual(1);
    expect(d.counters.sendLagMaxMs).toBe(0);
  });

  it("stop('leave') closes every socket: TO_IN {} and its retransmission, then nothing is heard", async () => {
    const f = fakeIo();
    const e = new Emulator({ hosts: 1 });
    const d = new RealtimeDriver(e, f.io);
    d.start();
    d.op(0, { op: "join", group: "239.1.1.1" });
    f.advanceTo(5000);
    d.receive(frameOf(v3Query({ maxRespTime: 1 })));
    f.advanceTo(8000);
    f.sent.length = 0;
    await f.runAsync(d.stop("leave"), 30_000);
    expect(kinds(f.sent)).toEqual(["v3-report CHANGE_TO_INCLUDE_MODE 239.1.1.1", "v3-report CHANGE_TO_INCLUDE_MODE 239.1.1.1"]);
    d.receive(frameOf(v3Query({ maxRespTime: 1 })));
    f.advanceTo(60_000);
    expect(f.sent).toHaveLength(2);
  });

  it("stop('no-leave') sends nothing more; v2 hosts leave with a Leave", async () => {
    const f = fakeIo();
    const d = new RealtimeDriver(new Emulator({ hosts: 1, version: 2 }), f.io, {
      timeline: parseScenario({ hosts: [{ ip: "198.18.0.10" }], timeline: [{ at: 0, host: 0, op: "join", group: "239.1.1.1" }] }).timeline,
    });
    d.start();
    f.advanceTo(30_000);
    f.sent.length = 0;
    await d.stop("no-leave");
    expect(f.sent).toEqual([]);
    const g = new RealtimeDriver(new Emulator({ hosts: 1, version: 2 }), fakeIo().io);
    const f2 = fakeIo();
    const d2 = new RealtimeDriver(new Emulator({ hosts: 1, version: 2 }), f2.io);
    d2.start();
    d2.op(0, { op: "join", group: "239.1.1.1" });
    f2.sent.length = 0;
    await f2.runAsync(d2.stop("leave"), 30_000);
    expect(kinds(f2.sent)).toEqual(["leave 239.1.1.1"]);
    expect(g.counters.framesSent).toBe(0);
  });

  it("a deaf host joins but never answers; a crashed host falls silent without leaving", () => {
    const s = parseScenario({
      version: 2,
      hosts: [{ ip: "198.18.0.10", deaf: true }, { ip: "198.18.0.11" }, { ip: "198.18.0.12" }],
      timeline: [
        { at: 0, host: "*", op: "join", group: "239.1.1.1", socket: "a" },
        { at: 0, host: 1, op: "join", group: "239.1.1.2", socket: "b" },
        { at: 20, host: 2, op: "crash" },
      ],
    });
    const f = fakeIo();
    const e = new Emulator(s.emulator);
    const d = new RealtimeDriver(e, f.io, { timeline: s.timeline });
    d.start();
    f.advanceTo(1000 + 15_000);
    const src = (x: { data: Uint8Array }) => decodeFrame({ data: x.data, linkType: 1 }).ipSrc;
    expect(f.sent.map(src).filter((a) => a === "198.18.0.10").length).toBeGreaterThan(0);
    f.sent.length = 0;
    f.advanceTo(1000 + 21_000);
    expect(e.isCrashed(2)).toBe(true);
    for (let k = 0; k < 3; k++) {
      d.receive(frameOf(v2Query({ maxRespTime: 1 })));
      f.advanceTo(f.now + 5000);
    }
    const from = new Set(f.sent.map(src));
    expect(from).toEqual(new Set(["198.18.0.11"]));
    expect(e.stats().hosts[0]!.stats.queriesHeard.v2General).toBe(0);
    // per-group statistics
    const g = e.stats().groups;
    expect(g.get("239.1.1.2")!.reportsSent.v2).toBeGreaterThanOrEqual(4);
  });
});

describe("RealtimeDriver: a frame taken when it was on the wire", () => {
  /** 20 hosts in 239.1.1.1, quiet from 10 s on (their unsolicited reports done), and the driver. */
  function quietLan() {
    const s = parseScenario({ hosts: [{ firstIp: "198.18.0.10", count: 20 }], timeline: [{ at: 0, host: "*", op: "join", group: "239.1.1.1" }], seed: 3 });
    const f = fakeIo();
    const d = new RealtimeDriver(new Emulator(s.emulator), f.io, { timeline: s.timeline });
    d.start();
    f.advanceTo(11_000); // (the driver's clock: 10,000 ms since start)
    return { f, d, before: f.sent.length };
  }

  it("a query delivered 1.5 s late: its answers count from its stamp (all by stamp + 2 s), those due go out at once", () => {
    const { f, d, before } = quietLan();
    d.receive(frameOf(v3Query({ maxRespTime: 2 })), 10_000 - 1500);
    f.advanceTo(14_000);
    const at = f.sent.slice(before).map((x) => x.t - 1000);
    expect(at).toHaveLength(20);
    // due before delivery (stamp + a delay under 1.5 s): sent on delivery, the lateness counted
    expect(at.filter((t) => t === 10_000).length).toBeGreaterThan(5);
    expect(Math.max(...at)).toBeLessThanOrEqual(10_500);
    expect(d.counters.sendLagMaxMs).toBeGreaterThan(0);
  });

  it("never before what the hosts already ran, never after now", () => {
    const { f, d, before } = quietLan();
    // a query for a group nobody joined: no answer, but the hosts ran to 10,000 ms
    d.receive(frameOf(v3Query({ maxRespTime: 2, group: "239.9.9.9" })), 10_000);
    f.advanceTo(11_300);
    expect(f.sent.length).toBe(before);
    // stamped 9,000 ms, delivered at 10,300: taken at 10,000 (not before what ran), so answers due up to
    // 12,000 (taken at 9,000, every one would be due by 10,950)
    d.receive(frameOf(v3Query({ maxRespTime: 2 })), 9_000);
    f.advanceTo(14_000);
    const at = f.sent.slice(before).map((x) => x.t - 1000);
    expect(at).toHaveLength(20);
    expect(Math.max(...at)).toBeGreaterThan(10_950);
    expect(Math.max(...at)).toBeLessThanOrEqual(12_000);
    // a stamp in the future (clocks apart) is taken as now: answers within the 2 s from delivery
    const f2 = quietLan();
    f2.d.receive(frameOf(v3Query({ maxRespTime: 2 })), 50_000);
    f2.f.advanceTo(14_000);
    const at2 = f2.f.sent.slice(f2.before).map((x) => x.t - 1000);
    expect(at2).toHaveLength(20);
    expect(Math.min(...at2)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...at2)).toBeLessThanOrEqual(12_000);
  });
});

describe("scenario: deaf hosts and crash", () => {
  it("validates deaf and crash", () => {
    expect(() => parseScenario({ hosts: [{ ip: "198.18.0.10", deaf: "yes" }] })).toThrow(/\$\.hosts\[0\]\.deaf: must be true or false/);
    expect(() => parseScenario({ hosts: [{ ip: "198.18.0.10" }], timeline: [{ at: 1, host: 0, op: "crash", group: "239.1.1.1" }] })).toThrow(/not used by crash/);
    const s = parseScenario({ hosts: [{ firstIp: "198.18.0.10", count: 2, deaf: true }], timeline: [{ at: 1, host: "*", op: "crash" }] });
    expect(s.emulator.hosts.map((h) => h.deaf)).toEqual([true, true]);
    expect(s.timeline[0]!.op).toEqual({ op: "crash" });
  });
});

describe("liveFilter", () => {
  it("IGMP and ARP requests for the emulated addresses, nested under VLAN tags", async () => {
    const { liveFilter } = await import("../../src/host/index.js");
    const f = liveFilter(["198.18.0.10", "198.18.0.11"]);
    expect(f).toBe(
      "igmp or (arp and arp[6:2] = 1 and (arp[24:4] = 0xc612000a or arp[24:4] = 0xc612000b)) or (vlan and (igmp or (arp and arp[6:2] = 1 and (arp[24:4] = 0xc612000a or arp[24:4] = 0xc612000b)) or (vlan and (igmp or (arp and arp[6:2] = 1 and (arp[24:4] = 0xc612000a or arp[24:4] = 0xc612000b))))))",
    );
    const many = liveFilter(Array.from({ length: 40 }, (_, i) => `198.18.1.${100 - i}`));
    expect(many).toContain("arp[24:4] >= 0xc612013d and arp[24:4] <= 0xc6120164");
  });
});

describe("response margin", () => {
  it("delays are drawn from [0, MRT - margin], the margin at most a tenth of MRT; 0 keeps the RFC range", async () => {
    const { Host } = await import("../../src/host/index.js");
    const { HOST_IP, HOST_MAC } = await import("./helpers.js");
    const delays = (margin: number | undefined, mrt: number) => {
      const h = new Host({ interfaces: [{ name: "eth0", ip: HOST_IP, mac: HOST_MAC }], seed: 3, ...(margin !== undefined ? { responseMarginMs: margin } : {}) });
      h.join(0, h.openSocket(), "eth0", "239.1.1.1");
      for (let k = 0; k < 400; k++) h.receive(100_000 * (k + 1), "eth0", frameOf(v3Query({ maxRespTime: mrt })));
      return h.stats.responseDelays.map((d) => d.delayMs);
    };
    expect(Math.max(...delays(300, 1))).toBeLessThanOrEqual(900);
    expect(Math.max(...delays(300, 1))).toBeGreaterThan(850);
    expect(Math.max(...delays(50, 10))).toBeLessThanOrEqual(9950);
    expect(Math.max(...delays(undefined, 1))).toBeGreaterThan(990);
    expect(() => new Host({ interfaces: [], responseMarginMs: -1 })).toThrow(/responseMarginMs/);
  });
});
