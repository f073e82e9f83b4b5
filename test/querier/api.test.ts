// The README's querier example, run as written (kept in step by hand), and the real-time driver on a fake clock.
import { expect, test } from "vitest";
import { decodeFrame, encodeIgmpFrame, host, Querier, QuerierDriver, QuerierLan, v3Report } from "../../src/index.js";
import { encodeArpFrame, ArpOperation, parseArpFrame } from "../../src/host/arp.js";

test("README: the querier as a library", () => {
  const frame = { data: encodeIgmpFrame({ message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: "239.1.1.1" }]), src: "198.18.0.20", macSrc: host.macForIp("198.18.0.20") }), linkType: 1 };
  const q = new Querier({ address: "198.18.0.1", mac: host.macForIp("198.18.0.1"), queryInterval: 20, queryResponseInterval: 2 });
  q.start(0);
  q.receive(1000, frame);
  q.advance(5000);
  expect(q.drain().map((f) => [f.timeMs, f.kind])).toEqual([[0, "general"], [5000, "general"]]);
  expect(q.drainEvents().map((e) => e.type)).toContain("join");
  const f = q.query(6000, { group: "239.1.1.1", sources: ["198.18.5.5"], sFlag: true, maxRespCode: 0x8f, odd: { ttl: 2 } });
  expect(f.message).toMatchObject({ group: "239.1.1.1", sources: ["198.18.5.5"], sFlag: true, maxRespTime: 24.8 });
  expect(q.snapshot().state.groups.map((g) => g.group)).toEqual(["239.1.1.1"]);
  const json = { hosts: [{ firstIp: "198.18.0.10", count: 2 }], timeline: [{ at: 0, host: "*", op: "join", group: "239.1.1.1" }] };
  const lan = new QuerierLan({ querier: { address: "198.18.0.1", mac: "02:00:c6:12:00:01" }, hosts: host.parseScenario(json) });
  const out = lan.run(300_000);
  expect(out.filter((x) => x.origin === "querier").length).toBeGreaterThan(2);
  expect(lan.querier.snapshot().state.groups).toMatchObject([{ group: "239.1.1.1", reporters: ["198.18.0.10", "198.18.0.11"] }]);
});

test("QuerierDriver: queries on the clock's timers and a script's, ARP answered for its address only, stop sends nothing more", async () => {
  let now = 1_000_000;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let id = 0;
  const sent: Uint8Array[] = [];
  const q = new Querier({ address: "198.18.0.1", mac: host.macForIp("198.18.0.1"), queryInterval: 10, queryResponseInterval: 1, startupQueryCount: 1 });
  const d = new QuerierDriver(
    q,
    {
      now: () => now,
      setTimer: (ms, fn) => (timers.push({ at: now + ms, fn, id: ++id }), id),
      clearTimer: (h) => timers.splice(timers.findIndex((t) => t.id === h) >>> 0, 1),
      send: (b) => void sent.push(b),
    },
    { script: [{ atMs: 25_000, group: "239.1.1.1", odd: { ttl: 3 } }] },
  );
  const step = (to: number) => {
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (t === undefined || t.at > to) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = to;
  };
  d.start();
  expect(sent).toHaveLength(1);
  const t0 = now;
  step(now + 24_000);
  expect(sent).toHaveLength(3); // 0, 10, 20 s
  step(t0 + 25_000);
  expect(sent).toHaveLength(4); // the scripted query at 25 s
  expect(decodeFrame({ data: sent[3]!, linkType: 1 })).toMatchObject({ ttl: 3, igmp: { group: "239.1.1.1" } });
  sent.pop();
  const req = (target: string) => ({ data: encodeArpFrame({ operation: ArpOperation.request, senderMac: "02:00:c6:12:00:14", senderIp: "198.18.0.20", targetMac: "00:00:00:00:00:00", targetIp: target }), linkType: 1 });
  d.receive(req("198.18.0.1"));
  d.receive(req("198.18.0.2"));
  expect(sent).toHaveLength(4);
  expect(parseArpFrame({ data: sent[3]!, linkType: 1 })).toMatchObject({ operation: ArpOperation.reply, senderIp: "198.18.0.1", senderMac: host.macForIp("198.18.0.1"), targetIp: "198.18.0.20" });
  expect(d.counters).toMatchObject({ arpReplies: 1, framesHeard: 2 });
  await d.stop();
  step(now + 60_000);
  expect(sent).toHaveLength(4);
  expect(q.snapshot()).toMatchObject({ role: "querier", stopped: true });
});
