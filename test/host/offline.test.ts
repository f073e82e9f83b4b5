import { describe, expect, expectTypeOf, it } from "vitest";
import { isHostError, type CapturedFrame, OfflineReplay, parseScenario, parseScenarioText, replayFrames, type ReplayFrame } from "../../src/host/index.js";
import type { Frame } from "../../src/pcap/frame.js";
import { decodeFrame, encodeIgmpFrame, v2Query, v3Query, type IgmpMessageInit } from "../../src/wire/index.js";
import { ROUTER_IP, ROUTER_MAC } from "./helpers.js";

const T0 = 1_700_000_000_000_000_000n;
const frameAt = (sec: number, message: IgmpMessageInit): Frame => {
  const data = encodeIgmpFrame({ message, src: ROUTER_IP, macSrc: ROUTER_MAC });
  return { timestampNs: T0 + BigInt(Math.round(sec * 1e9)), wireLength: data.length, data, linkType: 1, interfaceId: 0 };
};

it("takes the frames every reader yields: CapturedFrame is the pcap layer's Frame", () => {
  expectTypeOf<CapturedFrame>().toEqualTypeOf<Frame>();
});

function problems(json: unknown): string[] {
  try {
    parseScenario(json);
  } catch (e) {
    if (isHostError(e) && e.code === "bad-scenario") return [...e.details];
    throw e;
  }
  return [];
}

describe("scenario validation", () => {
  it("accepts a full scenario and expands host blocks", () => {
    const s = parseScenario({
      seed: 5,
      profile: "linux",
      version: 2,
      hosts: [{ name: "a", ip: "198.18.0.10", version: 3 }, { firstIp: "198.18.0.20", count: 3 }],
      timeline: [
        { at: 2, host: "*", op: "join", group: "239.1.1.1" },
        { at: 1, host: ["a", 2], op: "joinSource", group: "232.1.1.1", source: "198.18.0.9", socket: "s2" },
        { at: 3, host: "198.18.0.21", op: "setSourceFilter", group: "239.1.1.1", mode: "exclude", sources: ["10.0.0.1"] },
        { at: 4, host: "a", op: "closeSocket", socket: "s2" },
      ],
    });
    expect(s.seed).toBe(5);
    expect(s.emulator.hosts.map((h) => [h.ip, h.version])).toEqual([
      ["198.18.0.10", 3],
      ["198.18.0.20", undefined],
      ["198.18.0.21", undefined],
      ["198.18.0.22", undefined],
    ]);
    expect(s.timeline.map((e) => [e.atMs, e.op.op, e.hosts])).toEqual([
      [1000, "joinSource", [0, 2]],
      [2000, "join", [0, 1, 2, 3]],
      [3000, "setSourceFilter", [2]],
      [4000, "closeSocket", [0]],
    ]);
  });

  it("reports every problem with its JSON path", () => {
    const p = problems({
      profile: "bsd",
      hosts: [{ ip: "239.0.0.1" }, { ip: "198.18.0.10", name: "x" }, { ip: "198.18.0.10" }],
      timeline: [
        { at: -1, host: "nobody", op: "join", group: "10.0.0.1" },
        { at: 1, host: 0, op: "dance" },
        { at: 1, host: 1, op: "joinSource", group: "232.1.1.1" },
        { at: 1, host: 1, op: "setSourceFilter", group: "239.1.1.1", mode: "both", sources: ["239.1.1.1"], extra: 1 },
      ],
      colour: "red",
    });
    expect(p).toEqual(
      expect.arrayContaining([
        '$.colour: unknown key',
        '$.profile: must be "rfc" or "linux", got "bsd"',
        "$.hosts[0].ip: 239.0.0.1 is not a unicast address",
        '$.hosts[2]: "198.18.0.10" is already used by $.hosts[1]',
        "$.timeline[0].at: must be a number of seconds >= 0, got -1",
        '$.timeline[0].host: no host named "nobody"',
        "$.timeline[0].group: 10.0.0.1 is not a multicast address",
        expect.stringMatching(/^\$\.timeline\[1\]\.op: must be one of join, leave/),
        '$.timeline[2].source: must be a dotted-quad IPv4 address, got nothing',
        '$.timeline[3].extra: unknown key',
        '$.timeline[3].mode: must be "include" or "exclude", got "both"',
        "$.timeline[3].sources[0]: 239.1.1.1 is not a unicast address",
      ]),
    );
    expect(() => parseScenarioText("{ nope")).toThrow(/not valid JSON/);
    expect(problems([])).toEqual(["$: not an object"]);
    expect(problems({ hosts: [] })).toEqual(["$.hosts: must be a non-empty list of hosts"]);
  });
});

describe("offline replay", () => {
  const scenario = parseScenario({
    seed: 11,
    hosts: [{ firstIp: "198.18.0.10", count: 3 }],
    timeline: [
      { at: 0.5, host: "*", op: "join", group: "239.1.1.1" },
      { at: 20, host: 1, op: "leave", group: "239.1.1.1" },
    ],
  });
  const input = [frameAt(0, v3Query({ maxRespTime: 0.1 })), frameAt(10, v3Query({ maxRespTime: 5 })), frameAt(30, v3Query({ maxRespTime: 1 }))];

  async function run(seed?: number): Promise<ReplayFrame[]> {
    const out: ReplayFrame[] = [];
    for await (const f of replayFrames(input, scenario, seed === undefined ? {} : { seed })) out.push(f);
    return out;
  }

  it("merges the hosts' frames with the input in time order, on the capture's clock", async () => {
    const out = await run();
    const ts = out.map((f) => f.timestampNs);
    expect([...ts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ts);
    expect(out.filter((f) => f.origin === "input")).toHaveLength(3);
    const hostFrames = out.filter((f) => f.origin === "host").map((f) => ({ t: Number(f.timestampNs - T0) / 1e9, h: f.host, d: decodeFrame(f) }));
    // joins at 0.5 s: TO_EX from each host at once, then a repeat within 1 s
    const joins = hostFrames.filter((f) => f.t >= 0.5 && f.t <= 1.5);
    expect(joins.map((f) => (f.d.igmp as { records: { kind: string }[] }).records[0]!.kind)).toEqual(Array(6).fill("CHANGE_TO_EXCLUDE_MODE"));
    // general query at 10 s, Max Resp 5 s: one IS_EX per host between 10 and 15 s
    const answers = hostFrames.filter((f) => f.t >= 10 && f.t <= 15);
    expect(answers.map((f) => f.h).sort()).toEqual([0, 1, 2]);
    // leave at 20 s from host 1: TO_IN{}
    const leaves = hostFrames.filter((f) => f.t >= 20 && f.t < 30);
    expect(leaves.every((f) => f.h === 1)).toBe(true);
    expect(leaves.map((f) => (f.d.igmp as { records: { kind: string }[] }).records[0]!.kind)).toEqual(["CHANGE_TO_INCLUDE_MODE", "CHANGE_TO_INCLUDE_MODE"]);
    // after the query at 30 s only hosts 0 and 2 answer
    expect(hostFrames.filter((f) => f.t >= 30).map((f) => f.h).sort()).toEqual([0, 2]);
  });

  it("is deterministic with a seed, and the seed changes the timing", async () => {
    const a = (await run(3)).map((f) => `${f.timestampNs}`).join();
    expect((await run(3)).map((f) => `${f.timestampNs}`).join()).toBe(a);
    expect((await run(4)).map((f) => `${f.timestampNs}`).join()).not.toBe(a);
  });

  it("v2 hosts in a replay suppress each other after a v2 query", () => {
    const s = parseScenario({ version: 2, hosts: [{ firstIp: "198.18.0.10", count: 5 }], timeline: [{ at: 0, host: "*", op: "join", group: "239.1.1.1" }] });
    const r = new OfflineReplay(s, { startNs: T0 });
    const out = [...r.push(frameAt(60, v2Query({ maxRespTime: 10 }))), ...r.finish()];
    const after = out.filter((f) => f.origin === "host" && f.timestampNs > T0 + 60_000_000_000n);
    expect(after).toHaveLength(1);
  });

  it("names the timeline entry when an operation is a misuse", () => {
    const s = parseScenario({ hosts: [{ ip: "198.18.0.10" }], timeline: [{ at: 1, host: 0, op: "leave", group: "239.1.1.1" }] });
    const r = new OfflineReplay(s);
    expect(() => r.finish()).toThrow(/\$\.timeline\[0\] \(leave on host 198\.18\.0\.10 at 1 s\): .*has not joined/);
  });
});
