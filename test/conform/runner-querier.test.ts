/**
 * The runner is igmpkit's querier: a case's queries are built by the run's `Querier.query()` (one querier a
 * run, at the runner's address), with every field and oddity the querier's scripted-query API has.
 */
import { describe, expect, test } from "vitest";
import { defaultSettings, EmulatedHostLan, runConformance, sendQuery, type ConformCase, type LanFrame } from "../../src/conform/index.js";
import { decodeFloatCode, decodeFrameDetail } from "../../src/wire/index.js";

function probe(id: string, send: Parameters<typeof sendQuery>[1][], into: { frames: LanFrame[]; counters: unknown[] }): ConformCase {
  return {
    id,
    title: "sends the queries it is given",
    rfc: "RFC 9776 §4.1",
    level: "MAY",
    role: "host",
    versions: [3],
    async run(t) {
      for (const q of send) into.frames.push(await sendQuery(t, q));
      into.counters.push({ ...t.querier.counters });
      return t.pass();
    },
  };
}

describe("the runner's queries", () => {
  test("come from Querier.query(): fields, oddities and the IPv4 identification of one querier per run", async () => {
    const env = new EmulatedHostLan({ version: 3, self: "198.18.0.1" });
    const seen = { frames: [] as LanFrame[], counters: [] as unknown[] };
    const cases = [
      probe("host.probe-a", [{ version: 3, group: "239.77.0.1", sources: ["198.18.200.1"], sFlag: true, qrv: 1, qqi: 1, maxRespCode: 0x80, odd: { ttl: 2 } }], seen),
      probe("host.probe-b", [{ version: 3, maxRespMs: 1500 }, { version: 2, odd: { length: 10 } }, { version: 1, odd: { badChecksum: true } }], seen),
    ];
    const r = await runConformance(env, cases, { role: "host", settings: defaultSettings(3) });
    expect(r.results.map((x) => x.verdict.status)).toEqual(["pass", "pass"]);

    const [gsq, gq, short, bad] = seen.frames.map((f) => f.decoded);
    expect(gsq!.ipSrc).toBe("198.18.0.1");
    expect(gsq!.macSrc).toBe(env.self.mac);
    expect(gsq!.ttl).toBe(2);
    expect(gsq!.ipDst).toBe("239.77.0.1");
    expect(gsq!.igmp).toMatchObject({ kind: "query", version: 3, group: "239.77.0.1", sources: ["198.18.200.1"], sFlag: true, qrv: 1, qqic: 1, maxRespCode: 0x80 });
    expect(decodeFloatCode(0x80)).toBe(128); // 12.8 s, as the case reads it
    expect(gq!.igmp).toMatchObject({ kind: "query", version: 3, group: "0.0.0.0", maxRespCode: 15, qrv: 2, qqic: 125 });
    expect(gq!.ipDst).toBe("224.0.0.1");
    // The querier's 10-byte query: neither v2 (8 bytes) nor v3 (12 and more).
    const shortIp = decodeFrameDetail({ data: seen.frames[2]!.data, linkType: 1 }).ip!;
    expect(shortIp.totalLength - shortIp.ihl * 4).toBe(10);
    expect(short!.igmp).toMatchObject({ kind: "query", version: null });
    expect(bad!.igmp).toMatchObject({ kind: "query", version: 1, checksumValid: false });
    // One querier for the whole run: its counters go on across cases, its IPv4 identification counts up.
    expect(seen.counters).toEqual([expect.objectContaining({ groupSource: 1, general: 0 }), expect.objectContaining({ groupSource: 1, general: 3 })]);
    const ids = seen.frames.map((f) => decodeFrameDetail({ data: f.data, linkType: 1 }).ip!.id);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBe((ids[i - 1]! + 1) & 0xffff);
  });

  test("a query the querier refuses makes the case inconclusive, naming the querier's reason", async () => {
    const env = new EmulatedHostLan({ version: 3 });
    const seen = { frames: [] as LanFrame[], counters: [] as unknown[] };
    const r = await runConformance(env, [probe("host.probe-bad", [{ version: 3, odd: { length: 12 as 10 } }], seen)], { role: "host", settings: defaultSettings(3) });
    expect(r.results[0]!.verdict).toEqual({ status: "inconclusive", reason: "the case could not run: odd query length 12: 9, 10 or 11" });
    expect(seen.frames).toEqual([]);
  });
});
