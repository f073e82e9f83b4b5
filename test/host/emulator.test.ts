import { describe, expect, it } from "vitest";
import { ArpOperation, Emulator, encodeArpFrame, macForIp, parseArpFrame, type EmulatorFrame } from "../../src/host/index.js";
import { decodeFrame, v2Query, v3Query } from "../../src/wire/index.js";
import { frameOf, ROUTER_IP, ROUTER_MAC } from "./helpers.js";

const G = "239.1.1.1";

function runIdle(e: Emulator, from = 0): number {
  let t = from;
  for (;;) {
    const d = e.nextDeadline();
    if (d === null) return t;
    t = Math.max(t, d);
    e.advance(t);
  }
}

const dec = (f: EmulatorFrame) => decodeFrame({ data: f.data, linkType: 1 });

describe("Emulator: many hosts on one link", () => {
  it("consecutive addresses from the first IP, MACs derived from them", () => {
    const e = new Emulator({ hosts: 3, firstIp: "198.18.0.254" });
    expect(e.configs.map((c) => c.ip)).toEqual(["198.18.0.254", "198.18.0.255", "198.18.1.0"]);
    expect(e.configs[0]!.mac).toBe("02:00:c6:12:00:fe");
    expect(macForIp("198.18.1.0")).toBe("02:00:c6:12:01:00");
    for (let i = 0; i < 3; i++) e.op(0, i, { op: "join", group: G });
    const out = e.drain();
    expect(out.map((f) => [dec(f).ipSrc, dec(f).macSrc])).toEqual([
      ["198.18.0.254", "02:00:c6:12:00:fe"],
      ["198.18.0.255", "02:00:c6:12:00:ff"],
      ["198.18.1.0", "02:00:c6:12:01:00"],
    ]);
  });

  it("v2 hosts suppress each other's reports as on a real LAN", () => {
    const e = new Emulator({ hosts: 10, version: 2, seed: 3 });
    for (let i = 0; i < 10; i++) e.op(0, i, { op: "join", group: G });
    runIdle(e);
    const joins = e.drain();
    // the first report suppresses the others' repetitions
    expect(joins.length).toBeLessThan(20);
    e.receive(100_000, frameOf(v2Query({ maxRespTime: 10 })));
    runIdle(e, 100_000);
    const answers = e.drain();
    expect(answers).toHaveLength(1);
    expect(e.stats().total.suppressions).toBeGreaterThanOrEqual(9);
    // only the last reporter sends the Leave
    const reporter = answers[0]!.host;
    for (let i = 0; i < 10; i++) e.op(200_000, i, { op: "leave", group: G });
    const leaves = e.drain();
    expect(leaves.map((f) => [f.host, dec(f).igmp!.kind])).toEqual([[reporter, "leave"]]);
  });

  it("v3 hosts do not suppress: every host answers a general query", () => {
    const e = new Emulator({ hosts: 20, seed: 5 });
    for (let i = 0; i < 20; i++) e.op(0, i, { op: "join", group: G });
    runIdle(e);
    e.drain();
    e.receive(100_000, frameOf(v3Query({ maxRespTime: 2 })));
    runIdle(e, 100_000);
    const out = e.drain();
    expect(new Set(out.map((f) => f.host)).size).toBe(20);
    const times = out.map((f) => f.timeMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(Math.max(...times)).toBeLessThanOrEqual(102_000);
  });

  it("a packets-per-second cap spreads a burst, keeping order", () => {
    const e = new Emulator({ hosts: 50, ppsLimit: 100 });
    for (let i = 0; i < 50; i++) e.op(0, i, { op: "join", group: G });
    runIdle(e);
    const out = e.drain();
    expect(out).toHaveLength(100);
    for (let k = 1; k < out.length; k++) expect(out[k]!.timeMs - out[k - 1]!.timeMs).toBeGreaterThanOrEqual(10 - 1e-9);
    expect(out.slice(0, 50).map((f) => f.host)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("answers ARP requests for emulated addresses only", () => {
    const e = new Emulator({ hosts: 2, firstIp: "198.18.0.10" });
    const req = (ip: string) => ({
      data: encodeArpFrame({ operation: ArpOperation.request, senderMac: ROUTER_MAC, senderIp: ROUTER_IP, targetMac: "00:00:00:00:00:00", targetIp: ip }),
      linkType: 1,
    });
    e.receive(5, req("198.18.0.11"));
    e.receive(6, req("198.18.0.99"));
    const out = e.drain();
    expect(out).toHaveLength(1);
    expect(out[0]!.kind).toBe("arp");
    expect(out[0]!.timeMs).toBe(5);
    const r = parseArpFrame({ data: out[0]!.data, linkType: 1 })!;
    expect(r).toEqual({ operation: 2, senderMac: "02:00:c6:12:00:0b", senderIp: "198.18.0.11", targetMac: ROUTER_MAC, targetIp: ROUTER_IP, vlan: [] });
    expect(decodeFrame({ data: out[0]!.data, linkType: 1 }).macDst).toBe(ROUTER_MAC);
  });

  it("is deterministic for a seed", () => {
    const run = (seed: number): string => {
      const e = new Emulator({ hosts: 30, version: 2, seed });
      for (let i = 0; i < 30; i++) e.op(i * 7, i, { op: "join", group: `239.1.1.${(i % 3) + 1}` });
      e.receive(50_000, frameOf(v2Query({ maxRespTime: 10 })));
      runIdle(e, 50_000);
      return e
        .drain()
        .map((f) => `${f.timeMs}:${Buffer.from(f.data).toString("hex")}`)
        .join("\n");
    };
    expect(run(9)).toBe(run(9));
    expect(run(9)).not.toBe(run(10));
  });

  it("ignores its own frames seen again by the capture", () => {
    const e = new Emulator({ hosts: 2, version: 2 });
    e.op(0, 0, { op: "join", group: G });
    e.op(0, 1, { op: "join", group: G });
    const own = e.drain()[0]!;
    e.receive(1, { data: own.data, linkType: 1 });
    expect(e.stats().total.suppressions).toBe(1); // host 1 heard host 0 once, when it was sent
  });
});
